// The exact ensemble of a small network for one input: every subnetwork enumerated in float64 and
// weighted by its probability (Section 3: the 2^n subnetworks of unit gates, Eq. 2/9, or of
// connection gates, Eq. 3). Gates with keep 0 or 1 are fixed, not enumerated, and so are the gates
// of units that no layer reads. Two passes (means, then central moments) so that small variances
// keep their precision; configurations are split into a fixed number of ranges whose sums merge in
// range order, so the result does not depend on the thread count.
#pragma once
#include <atomic>
#include <cstdint>

#include "core/ensemble_moments.h"
#include "common/limits.h"
#include "common/status.h"

namespace de {

class Network;

// The number of gates exact_ensemble would enumerate.
int64_t exact_gate_count(const Network& net);

struct ExactOptions {
  const std::atomic<bool>* abort = nullptr;  // polled every 4096 configurations
  int threads = 0;                           // of the network's pool; 0 = all
};

// Fills every field of out (samples = 2^gates). InvalidArgument when gates > kMaxExactGates.
Result exact_ensemble(const Network& net, const float* input, const ExactOptions& o, EnsembleMoments* out);

}  // namespace de
