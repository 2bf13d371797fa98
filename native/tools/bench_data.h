// Seeded operands for the GEMM benchmarks: the timings do not depend on the values, only on their
// being dense and finite, and a seed makes every run time the same data.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

#include "core/gemm.h"

namespace de {
namespace tools {

// Uniform floats in [−1, 1).
inline std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

// 0/1 bytes, each 1 with probability 0.8 (the input layer's keep).
inline std::vector<uint8_t> random_mask(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution keep(0.8);
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = keep(rng);
  return v;
}

// Seeded operands of one product C[M × N] = op(A)·op(B), with the mask and bias each use of the
// network's products carries: forward (ta No, tb Yes) masks A and adds a bias, the weight gradient
// (ta Yes) masks B, the input gradient (No, No) masks C.
struct GemmOperands {
  std::vector<float> A, B, bias, C;
  std::vector<uint8_t> aMask, bMask, cMask;
  GemmArgs plain;   // the product without masks or bias
  GemmArgs masked;  // with the mask and bias of its use

  GemmOperands(int64_t M, int64_t N, int64_t K, Trans ta, Trans tb)
      : A(random_floats(static_cast<size_t>(M * K), 1)), B(random_floats(static_cast<size_t>(K * N), 2)),
        bias(random_floats(static_cast<size_t>(N), 3)), C(static_cast<size_t>(M * N)),
        aMask(random_mask(A.size(), 4)), bMask(random_mask(B.size(), 5)), cMask(random_mask(C.size(), 6)) {
    GemmArgs& g = plain;
    g.M = M, g.N = N, g.K = K, g.ta = ta, g.tb = tb;
    g.A = A.data(), g.lda = ta == Trans::No ? K : M;
    g.B = B.data(), g.ldb = tb == Trans::No ? N : K;
    g.C = C.data(), g.ldc = N;
    masked = plain;
    if (ta == Trans::No && tb == Trans::Yes) masked.aMask = aMask.data(), masked.ldaMask = g.lda, masked.bias = bias.data();
    else if (ta == Trans::Yes) masked.bMask = bMask.data(), masked.ldbMask = g.ldb;
    else masked.cMask = cMask.data(), masked.ldcMask = g.ldc;
  }
  GemmOperands(const GemmOperands&) = delete;  // the GemmArgs point into this object
  GemmOperands& operator=(const GemmOperands&) = delete;
};

}  // namespace tools
}  // namespace de
