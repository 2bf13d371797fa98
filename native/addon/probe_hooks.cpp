#include "addon/probe_hooks.h"

#include <cstring>

#include "addon/common.h"
#include "core/network.h"
#include "core/optimizer.h"
#include "core/trainer.h"

namespace de_addon {

std::unique_ptr<ProbeBaton> parse_probes(const Napi::Object& options, const de::Network& net,
                                         const std::atomic<bool>* abort) {
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
  po.abort = abort;
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

de::Result ProbeBaton::finish(const de::Network& net) {
  const de::OptimizerState& st = net.optimizer();
  return recorder->record(net, st.step, st.epoch, st.position);
}

Napi::Object record_to_js(Napi::Env env, const de::ProbeRecord& r) {
  auto f64 = [&](const std::vector<double>& v) { return copy_out(env, v); };
  auto perLayer = [&](const std::vector<std::vector<double>>& v) {
    Napi::Array a = Napi::Array::New(env, v.size());
    for (size_t h = 0; h < v.size(); ++h) a.Set(static_cast<uint32_t>(h), f64(v[h]));
    return a;
  };
  Napi::Object o = Napi::Object::New(env);
  o.Set("step", static_cast<double>(r.step));
  o.Set("epoch", static_cast<double>(r.epoch));
  o.Set("position", static_cast<double>(r.position));
  o.Set("deterministic", perLayer(r.deterministic));
  o.Set("std", perLayer(r.std));
  o.Set("weightDecay", f64(r.weightDecay));
  o.Set("meanActivity", f64(r.meanActivity));
  o.Set("sparsity", f64(r.sparsity));
  return o;
}

}  // namespace de_addon
