// Learning-phase probes for train() (Section 5.3), driven by the training worker
// (network_workers.cpp) on its worker thread, between minibatches, while it holds the network:
//   constructor:  probes_ = parse_probes(options, net, abortFlag);  // null when options.probes is absent
//   Run(), first: probes_->start(net)            — the state before this call's first update
//   onBatch:      probes_->on_batch(net, progress) — after every update whose step is a multiple of every
//   Run(), last:  probes_->finish(net)           — the state after the call's last update
// and hands each record to JS as it is taken (take() + record_to_js through a ThreadSafeFunction),
// so that the records taken before an abort reach JS too. A step is never recorded twice.
// options.probes = { inputs: Float32Array [count × inputs], count, every, samples, seed }.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <vector>

#include "core/probes.h"
#include "common/status.h"

namespace de {
class Network;
struct BatchProgress;
}  // namespace de

namespace de_addon {

struct ProbeBaton {
  Napi::Reference<Napi::Value> inputsRef;  // keeps the probe inputs alive while training runs
  std::unique_ptr<de::ProbeRecorder> recorder;
  de::Result error;  // the first failure of a record; the worker then stops training and reports it

  de::Result start(const de::Network& net);  // records the starting state when its step is a multiple of every
  void on_batch(const de::Network& net, const de::BatchProgress& p);
  de::Result finish(const de::Network& net);  // records the final state (unless just recorded)
  std::vector<de::ProbeRecord> take() { return recorder->take(); }
};

// { step, epoch, position, deterministic: Float64Array[] (per layer h − 1, [count × units_h]),
//   std: same, weightDecay: Float64Array (per layer), meanActivity, sparsity }
Napi::Object record_to_js(Napi::Env env, const de::ProbeRecord& r);

std::unique_ptr<ProbeBaton> parse_probes(const Napi::Object& options, const de::Network& net,
                                         const std::atomic<bool>* abort);

}  // namespace de_addon
