// The device side of the streaming moments (float64 accumulators, moments.h): shared by the C ABI
// (moments.cu) and the Monte Carlo run of the network engine (network.cu).
#pragma once
#include <cstdint>

#include "cuda/device/context.h"

struct DeCudaMoments {
  int64_t neurons = 0;
  int bins = 0;
  double lo = 0.0, hi = 1.0;
  // Device arrays [neurons]: per-neuron count, mean, M2, M3, Σ log O, Σ log(1−O), min, max.
  double *n = nullptr, *mean = nullptr, *m2 = nullptr, *m3 = nullptr, *slog = nullptr, *slog1m = nullptr,
         *min = nullptr, *max = nullptr;
  unsigned long long* hist = nullptr;  // [neurons × bins]
  double* partial = nullptr;           // per-chunk partial moments (scratch)
  int64_t partialCapacity = 0;         // in columns × chunks
};

namespace de_cuda {

// How log O and log(1−O) are formed for a block of values.
struct LogSource {
  const float* logits = nullptr;  // z = scale·x + shift → log σ(z), log σ(−z) (stable)
  int64_t ld = 0;
  double scale = 1.0, shift = 0.0;
  const float* logO = nullptr;    // explicit log O (e.g. a log-softmax); log(1−O) = log1p(−O)
  bool none = false;              // no log sums at all (e.g. for S): they stay 0, and cost nothing
};

// Merges rows × cols values (device, leading dimension ld) into neurons [col0, col0 + cols).
DeCudaStatus moments_accumulate(DeCudaContext* ctx, DeCudaMoments* m, int64_t col0, int64_t cols, const float* values,
                                int64_t rows, int64_t ld, const LogSource& logs);

}  // namespace de_cuda
