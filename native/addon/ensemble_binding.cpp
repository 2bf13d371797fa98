// Ensemble statistics of a network for one input (raw surface typed in src/native.ts, section
// "ensemble"): ensembleSample (Monte Carlo), ensembleExact (enumeration), ensembleGateCount.
// Each asynchronous call holds a NetworkLease (network_binding.h: busy flag, reference, abort flag
// raised by the network's abort()), so the rules are those of train() and predict().
#include <napi.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "addon/common.h"
#include "addon/network_binding.h"
#include "core/ensemble_sampler.h"
#include "core/exact_ensemble.h"
#include "core/network.h"

namespace de_addon {

namespace {

Napi::Object moments_object(Napi::Env env, const de::EnsembleMoments& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("samples", static_cast<double>(m.samples));
  o.Set("gates", static_cast<double>(m.gates));
  Napi::Array layers = Napi::Array::New(env, m.layers.size());
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const de::EnsembleLayerMoments& lm = m.layers[k];
    Napi::Object l = Napi::Object::New(env);
    l.Set("mean", copy_out(env, lm.mean));
    l.Set("variance", copy_out(env, lm.variance));
    l.Set("third", copy_out(env, lm.third));
    l.Set("meanLogO", copy_out(env, lm.meanLogO));
    l.Set("meanLog1mO", copy_out(env, lm.meanLog1mO));
    l.Set("meanS", copy_out(env, lm.meanS));
    l.Set("varianceS", copy_out(env, lm.varianceS));
    l.Set("deterministic", copy_out(env, lm.deterministic));
    layers.Set(static_cast<uint32_t>(k), l);
  }
  o.Set("layers", layers);
  return o;
}

const float* input_of(const de::Network& net, const Napi::Value& v, Napi::Reference<Napi::Value>* ref) {
  auto x = typed<float>(v, "input", static_cast<size_t>(net.units(0)));
  *ref = Napi::Persistent(static_cast<Napi::Value>(x));
  return x.Data();
}

// Mask sizes: unit mode, per layer l in [0, L): units_l; connection mode, per edge: units_h·units_l.
std::vector<int64_t> mask_widths(const de::Network& net) {
  std::vector<int64_t> w;
  if (net.spec().dropout == de::DropoutMode::Units) {
    for (int l = 0; l < net.top(); ++l) w.push_back(net.units(l));
  } else {
    for (const auto& e : net.edges()) w.push_back(net.units(e.h) * net.units(e.l));
  }
  return w;
}

class SampleWorker : public PromiseWorker {
 public:
  SampleWorker(Napi::Env env, Napi::Object self, const Napi::Value& input, const Napi::Object& o)
      : PromiseWorker(env), lease_(env, self) {
    de::Network& net = lease_.net();
    input_ = input_of(net, input, &inputRef_);
    opts_.seed = get_seed(o.Get("seed"));
    opts_.batch = get_int(o, "batch", de::kDefaultEnsembleBatch);
    opts_.abort = lease_.abort();
    if (opts_.batch < 1 || opts_.batch > (int64_t(1) << 20)) throw_invalid(env, "batch must be in [1, 2^20]");
    const bool units = net.spec().dropout == de::DropoutMode::Units;
    const std::vector<int64_t> widths = mask_widths(net);
    Napi::Value given = o.Get("masks");
    if (!given.IsUndefined() && !given.IsNull()) {
      if (!given.IsArray() || given.As<Napi::Array>().Length() != widths.size()) {
        throw_invalid(env, "masks must be an array with one Uint8Array per " + std::string(units ? "gated layer" : "edge"));
      }
      Napi::Array arr = given.As<Napi::Array>();
      opts_.given = true;
      opts_.samples = -1;
      for (uint32_t k = 0; k < arr.Length(); ++k) {
        auto m = typed<uint8_t>(arr.Get(k), "masks[k]");
        const int64_t len = static_cast<int64_t>(m.ElementLength());
        if (widths[k] == 0 || len % widths[k] != 0) throw_invalid(env, "masks[" + std::to_string(k) + "] has the wrong length");
        const int64_t rows = len / widths[k];
        if (opts_.samples >= 0 && rows != opts_.samples) throw_invalid(env, "every mask must have the same number of samples");
        opts_.samples = rows;
        maskRefs_.push_back(Napi::Persistent(static_cast<Napi::Value>(m)));
        (units ? opts_.givenUnitMasks : opts_.givenConnectionMasks).push_back(m.Data());
      }
      if (opts_.samples < 1) throw_invalid(env, "masks must hold at least one sample");
    } else {
      opts_.samples = get_int(o, "samples", de::kDefaultSamples);
      if (opts_.samples < 1 || opts_.samples > (int64_t(1) << 40)) throw_invalid(env, "samples must be in [1, 2^40]");
      opts_.first = get_int(o, "first", 0);
      if (opts_.first < 0 || opts_.first > (int64_t(1) << 40)) throw_invalid(env, "first must be in [0, 2^40]");
    }
    Napi::Value rm = o.Get("returnMasks");
    if (rm.IsBoolean() && rm.As<Napi::Boolean>().Value() && !opts_.given) {
      returned_.resize(widths.size());
      for (size_t k = 0; k < widths.size(); ++k) {
        returned_[k].assign(static_cast<size_t>(widths[k] * opts_.samples), 0);
        (units ? opts_.returnUnitMasks : opts_.returnConnectionMasks).push_back(returned_[k].data());
      }
    }
  }

 protected:
  // On a 'cuda' network the GPU runs it, unless masks are given or returned: the CPU sampler then
  // draws the very same masks.
  de::Result Run() override {
    de::CudaNetwork* gpu = lease_.wrap().cuda();
    if (gpu && de::CudaNetwork::can_sample(opts_)) return gpu->sample(lease_.net(), input_, opts_, &out_);
    return de::sample_ensemble(lease_.net(), input_, opts_, &out_);
  }
  Napi::Value Resolve(Napi::Env env) override {
    Napi::Object o = moments_object(env, out_);
    if (!returned_.empty()) {
      Napi::Array masks = Napi::Array::New(env, returned_.size());
      for (size_t k = 0; k < returned_.size(); ++k) {
        Napi::Uint8Array a = Napi::Uint8Array::New(env, returned_[k].size());
        if (!returned_[k].empty()) std::memcpy(a.Data(), returned_[k].data(), returned_[k].size());
        masks.Set(static_cast<uint32_t>(k), a);
      }
      o.Set("masks", masks);
    }
    return o;
  }

 private:
  NetworkLease lease_;
  Napi::Reference<Napi::Value> inputRef_;
  std::vector<Napi::Reference<Napi::Value>> maskRefs_;
  const float* input_ = nullptr;
  de::EnsembleSamplerOptions opts_;
  std::vector<std::vector<uint8_t>> returned_;
  de::EnsembleMoments out_;
};

class ExactWorker : public PromiseWorker {
 public:
  ExactWorker(Napi::Env env, Napi::Object self, const Napi::Value& input) : PromiseWorker(env), lease_(env, self) {
    input_ = input_of(lease_.net(), input, &inputRef_);
    opts_.abort = lease_.abort();
  }

 protected:
  de::Result Run() override { return de::exact_ensemble(lease_.net(), input_, opts_, &out_); }
  Napi::Value Resolve(Napi::Env env) override { return moments_object(env, out_); }

 private:
  NetworkLease lease_;
  Napi::Reference<Napi::Value> inputRef_;
  const float* input_ = nullptr;
  de::ExactOptions opts_;
  de::EnsembleMoments out_;
};


// ensembleSample(network, input, { samples, first, seed, batch, returnMasks, masks }) → Promise<RawEnsembleMoments>
Napi::Value EnsembleSample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return start(env, [&]() -> PromiseWorker* {
    if (!info[0].IsObject() || !info[2].IsObject()) throw_invalid(env, "ensembleSample expects (network, input, options)");
    return new SampleWorker(env, info[0].As<Napi::Object>(), info[1], info[2].As<Napi::Object>());
  });
}

// ensembleExact(network, input) → Promise<RawEnsembleMoments>
Napi::Value EnsembleExact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return start(env, [&]() -> PromiseWorker* {
    if (!info[0].IsObject()) throw_invalid(env, "ensembleExact expects (network, input)");
    return new ExactWorker(env, info[0].As<Napi::Object>(), info[1]);
  });
}

// ensembleGateCount(network) → number of gates exactEnsemble would enumerate
Napi::Value EnsembleGateCount(const Napi::CallbackInfo& info) {
  NetworkWrap* w = NetworkWrap::From(info[0]);
  return Napi::Number::New(info.Env(), static_cast<double>(de::exact_gate_count(w->net())));
}

}  // namespace

void InitEnsemble(Napi::Env env, Napi::Object exports) {
  exports.Set("ensembleSample", Napi::Function::New<EnsembleSample>(env, "ensembleSample"));
  exports.Set("ensembleExact", Napi::Function::New<EnsembleExact>(env, "ensembleExact"));
  exports.Set("ensembleGateCount", Napi::Function::New<EnsembleGateCount>(env, "ensembleGateCount"));
}

}  // namespace de_addon
