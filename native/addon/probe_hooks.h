// Learning-phase probes for train() (issue 4, Section 5.3), ready for the training worker
// (network_workers.cpp, H3) to use in four lines:
//   constructor:  probes_ = parse_probes(options, net);          // null when options.probes is absent
//   Run(), first: if (probes_) { auto r = probes_->start(net); if (!r.ok()) return r; }
//   onBatch:      if (probes_) probes_->on_batch(net, progress);  // chain before the JS progress
//   Run(), last:  if (probes_ && !probes_->error.ok()) return probes_->error;
//   Resolve():    if (probes_) result.Set("probes", probes_->to_js(env));
// options.probes = { inputs: Float32Array [count × inputs], count, every, samples, seed }.
#pragma once
#include <napi.h>

#include <memory>

#include "core/probes.h"
#include "core/status.h"

namespace de {
class Network;
struct BatchProgress;
}  // namespace de

namespace de_addon {

struct ProbeBaton {
  Napi::Reference<Napi::Value> inputsRef;  // keeps the probe inputs alive while training runs
  std::unique_ptr<de::ProbeRecorder> recorder;
  de::Result error;  // the first failure of a record (training itself goes on; Run() reports it)

  de::Result start(const de::Network& net);  // the record of the state before training
  void on_batch(const de::Network& net, const de::BatchProgress& p);
  // [{ step, epoch, position, deterministic: Float32Array[][] (input, layer), std: same,
  //    weightDecay: Float64Array (per layer), meanActivity, sparsity }]
  Napi::Value to_js(Napi::Env env) const;
};

std::unique_ptr<ProbeBaton> parse_probes(const Napi::Object& options, const de::Network& net);

}  // namespace de_addon
