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
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace de {

class Network;
struct BatchProgress;

struct ProbeOptions {
  const float* inputs = nullptr;  // [count × inputs]
  int64_t count = 0;
  int64_t every = 100;            // minibatches between records (a record is also taken at step 0)
  int64_t samples = 1000;         // Monte Carlo subnetworks per probe input and record
  uint64_t seed = 0;              // masks (purpose Ensemble); the same subnetworks at every record
};

struct ProbeRecord {
  int64_t step = 0, epoch = 0, position = 0;
  // [input k][layer h − 1][unit]
  std::vector<std::vector<std::vector<float>>> deterministic, std;
  // per layer h − 1, averaged over the probe inputs
  std::vector<double> weightDecay;   // R_h above
  std::vector<double> meanActivity;  // mean O* over units
  std::vector<double> sparsity;      // fraction of units with O* <= 0.1 (inactive)
};

class ProbeRecorder {
 public:
  explicit ProbeRecorder(const ProbeOptions& o) : opt_(o) {}
  Result check(const Network& net) const;
  // Takes a record when step % every == 0 (step = updates done; call once before training with
  // step 0 for the initial state).
  Result on_step(const Network& net, int64_t step, int64_t epoch, int64_t position);
  const std::vector<ProbeRecord>& records() const { return records_; }

 private:
  ProbeOptions opt_;
  std::vector<ProbeRecord> records_;
};

}  // namespace de
