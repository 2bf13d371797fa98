// Monte Carlo ensemble statistics for one input (Section 6 of the paper): `samples` subnetworks,
// drawn from the Philox stream (purpose Ensemble, row = sample index; mask_streams.h) or given as
// bytes, are pushed through the network in batches with the engine's forward pass, and every
// unit's O (with its logit, or the log-softmax) and S go straight into streaming moment
// accumulators. Memory is O(neurons + batch · neurons), whatever the number of samples; the result
// does not depend on the batch size or the thread count.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "core/ensemble_moments.h"
#include "common/status.h"

namespace de {

class Network;

struct EnsembleSamplerOptions {
  int64_t samples = 10000;
  // Index of the first subnetwork drawn: the run draws subnetworks first .. first + samples − 1 of
  // the Philox stream, so disjoint ranges of one seed are shards of one larger run. Row r of
  // returned masks is subnetwork first + r; given masks ignore it.
  int64_t first = 0;
  uint64_t seed = 0;
  int64_t batch = 512;                       // rows per forward pass
  const std::atomic<bool>* abort = nullptr;  // polled between batches
  int threads = 0;                           // of the network's pool; 0 = all
  // Masks to return (null entries: not returned). Unit mode: per layer l in [0, L),
  // [samples × units_l]. Connection mode: per edge e, [samples × units_h × units_l].
  std::vector<uint8_t*> returnUnitMasks, returnConnectionMasks;
  // Masks to replay instead of Philox (same shapes; a null entry means every gate 1).
  bool given = false;
  std::vector<const uint8_t*> givenUnitMasks, givenConnectionMasks;
};

Result sample_ensemble(const Network& net, const float* input, const EnsembleSamplerOptions& o, EnsembleMoments* out);

}  // namespace de
