// Prediction: the deterministic network with weights scaled by their source's keep (Eq. 4/13: O*,
// which for logistic units is the NWGM of the ensemble, Eq. 12), or the Monte Carlo average of the
// top layer's output over sampled subnetworks (Philox purpose MonteCarlo, row = s·count + i).
#pragma once
#include <atomic>
#include <cstdint>

#include "common/status.h"

namespace de {

class Network;

struct PredictOptions {
  bool monteCarlo = false;
  int64_t samples = 100;   // Monte Carlo
  uint64_t seed = 0;       // Monte Carlo
  int64_t batch = 256;     // rows per forward pass
  const std::atomic<bool>* abort = nullptr;
  int threads = 0;
};

// out [count × outputs]. Monte Carlo averages in float64, rounded to float32 at the end.
Result predict(const Network& net, const float* inputs, int64_t count, const PredictOptions& o, float* out);

}  // namespace de
