// Seeded operands for the GEMM benchmarks: the timings do not depend on the values, only on their
// being dense and finite, and a seed makes every run time the same data.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

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

}  // namespace tools
}  // namespace de
