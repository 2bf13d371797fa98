#include "addon/probe_hooks.h"

#include <cstring>

#include "addon/common.h"
#include "core/network.h"
#include "core/optimizer.h"
#include "core/trainer.h"

namespace de_addon {

std::unique_ptr<ProbeBaton> parse_probes(const Napi::Object& options, const de::Network& net) {
  Napi::Value v = options.Get("probes");
  if (v.IsUndefined() || v.IsNull()) return nullptr;
  Napi::Env env = options.Env();
  if (!v.IsObject()) throw_invalid(env, "probes must be an object");
  Napi::Object o = v.As<Napi::Object>();
  de::ProbeOptions po;
  po.count = get_int(o, "count", 0);
  if (po.count < 1 || po.count > (int64_t(1) << 20)) throw_invalid(env, "probes.count must be in [1, 2^20]");
  auto inputs = typed<float>(o.Get("inputs"), "probes.inputs", static_cast<size_t>(po.count * net.units(0)));
  po.inputs = inputs.Data();
  po.every = get_int(o, "every", 100);
  po.samples = get_int(o, "samples", 1000);
  po.seed = get_seed(o.Get("seed"));
  auto baton = std::make_unique<ProbeBaton>();
  baton->inputsRef = Napi::Persistent(static_cast<Napi::Value>(inputs));
  baton->recorder = std::make_unique<de::ProbeRecorder>(po);
  throw_if_error(env, baton->recorder->check(net));
  return baton;
}

de::Result ProbeBaton::start(const de::Network& net) {
  const de::OptimizerState& st = net.optimizer();
  return recorder->on_step(net, st.step, st.epoch, st.position);
}

void ProbeBaton::on_batch(const de::Network& net, const de::BatchProgress& p) {
  if (!error.ok()) return;
  de::Result r = recorder->on_step(net, p.step, p.epoch, p.position);
  if (!r.ok()) error = r;
}

Napi::Value ProbeBaton::to_js(Napi::Env env) const {
  const auto& recs = recorder->records();
  Napi::Array out = Napi::Array::New(env, recs.size());
  auto f32 = [&](const std::vector<float>& v) {
    Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
    if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(float));
    return a;
  };
  auto f64 = [&](const std::vector<double>& v) {
    Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
    if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(double));
    return a;
  };
  auto nested = [&](const std::vector<std::vector<std::vector<float>>>& v) {
    Napi::Array byInput = Napi::Array::New(env, v.size());
    for (size_t k = 0; k < v.size(); ++k) {
      Napi::Array byLayer = Napi::Array::New(env, v[k].size());
      for (size_t h = 0; h < v[k].size(); ++h) byLayer.Set(static_cast<uint32_t>(h), f32(v[k][h]));
      byInput.Set(static_cast<uint32_t>(k), byLayer);
    }
    return byInput;
  };
  for (size_t i = 0; i < recs.size(); ++i) {
    const de::ProbeRecord& r = recs[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("step", static_cast<double>(r.step));
    o.Set("epoch", static_cast<double>(r.epoch));
    o.Set("position", static_cast<double>(r.position));
    o.Set("deterministic", nested(r.deterministic));
    o.Set("std", nested(r.std));
    o.Set("weightDecay", f64(r.weightDecay));
    o.Set("meanActivity", f64(r.meanActivity));
    o.Set("sparsity", f64(r.sparsity));
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

}  // namespace de_addon
