// The covariance of a layer's total inputs S = W X, given the covariance of its gated inputs X:
// Cov(S) = W Cov(X) Wᵀ, in float64. net.propagateAsync(input, { method: 'covariance' }) carries the
// covariance of each layer's outputs up the network with it instead of assuming independent inputs.
#pragma once
#include <atomic>
#include <cstdint>

#include "common/status.h"
#include "core/thread_pool.h"

namespace de {

// out (n × n, row-major) = W C Wᵀ for W (n × m, row-major; float32 values, promoted exactly) and a
// symmetric C (m × m). The result is symmetric to the last bit (its upper triangle, mirrored).
// Runs on at most `threads` threads of `pool` (0: all); `abort`, when raised, stops it between
// blocks with Status::Cancelled. Same result for any thread count.
Result covariance_product(const float* W, int64_t n, int64_t m, const double* C, double* out, ThreadPool& pool, int threads,
                          const std::atomic<bool>* abort);

}  // namespace de
