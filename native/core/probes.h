// Learning-phase probes (Section 5.3): while a network trains, every `every` minibatches, record at
// a few fixed probe inputs each unit's O* (weight-scaled network) and its Monte Carlo std(O) over
// the ensemble, plus, per layer, the adaptive weight-decay term that the expected dropout gradient
// carries (Eq. 28 and 30) and the sparsity of the activations. The recorder is driven from the
// trainer's onBatch callback (trainer.h: between minibatches, on the training thread, when the
// network's pool is free).
//
// Adaptive weight decay of layer h (Eq. 28 linear, Eq. 30 logistic, generalised to every reader):
//   R_h = ½ Σ_{l ∈ from(h)} Σ_i f′_i Σ_j w_ij² (I_j)² p_j (1 − p_j)
// with I_j = O*_j of the source layer l (the input itself for l = 0), and f′_i the slope of unit i
// at S_ENS: λ·σ′(S_ENS) = λ²·O*(1 − O*) for a logistic unit (Eq. 30), 1 for a linear unit (Eq. 28),
// O*(1 − O*) for softmax, 1[S > 0] for ReLU, 1 − O*² for tanh. Averaged over the probe inputs.
//
// The Monte Carlo masks come from Philox purpose Ensemble keyed by the probe seed (the same
// subnetworks at every record); training draws from purpose Train and Shuffle, which are functions
// of (seed, epoch, position) only. So recording probes changes nothing in training: the weights are
// bit-identical with and without probes.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "common/status.h"

namespace de {

class Network;
struct BatchProgress;

struct ProbeOptions {
  const float* inputs = nullptr;  // [count × inputs]
  int64_t count = 0;
  int64_t every = 100;            // minibatches between records (a record is also taken at step 0)
  int64_t samples = 1000;         // Monte Carlo subnetworks per probe input and record
  uint64_t seed = 0;              // masks (purpose Ensemble); the same subnetworks at every record
  const std::atomic<bool>* abort = nullptr;  // polled by the sampler; a raised flag fails a record with Cancelled
  int threads = 0;                           // of the network's pool; 0 = all
};

struct ProbeRecord {
  int64_t step = 0, epoch = 0, position = 0;  // updates so far; absolute epoch and examples done in it
  // [layer h − 1][input k · units_h + unit], float64
  std::vector<std::vector<double>> deterministic, std;
  // per layer h − 1, averaged over the probe inputs
  std::vector<double> weightDecay;   // R_h above
  std::vector<double> meanActivity;  // mean O* over units
  std::vector<double> sparsity;      // fraction of units with O* <= 0.1 (inactive)
};

class ProbeRecorder {
 public:
  explicit ProbeRecorder(const ProbeOptions& o) : opt_(o) {}
  Result check(const Network& net) const;
  // Takes a record when step % every == 0 (step = updates done; call once before training for the
  // initial state, which is recorded at step 0), unless the last record has this step already.
  Result on_step(const Network& net, int64_t step, int64_t epoch, int64_t position);
  // Takes a record whatever the step (the end of a training call), unless the last one has this step.
  Result record(const Network& net, int64_t step, int64_t epoch, int64_t position);
  const std::vector<ProbeRecord>& records() const { return records_; }
  // Moves the records out (a long run hands them over as they come instead of holding them all).
  std::vector<ProbeRecord> take() {
    std::vector<ProbeRecord> out;
    out.swap(records_);
    return out;
  }

 private:
  ProbeOptions opt_;
  std::vector<ProbeRecord> records_;
  int64_t lastStep_ = -1;
};

}  // namespace de
