// The loop behind the FMA peak (fma_peak.cpp), written once over a vector ISA (vec_avx2.h,
// vec_avx512.h) and compiled in a file of that ISA (fma_loop_avx2.cpp, fma_loop_avx512.cpp): 12 independent FMA chains held in registers,
// more than latency × pipes (4 × 2 on Zen 4), so it is bound by FMA throughput alone. Internal
// linkage, like the vec headers, so the builds never mix.
#pragma once
#include <cstdint>

namespace de {
namespace cpu {
namespace {

// Returns the flops done; the sums go to *sink so that nothing is optimised away.
template <class V>
inline double fma_loop(int64_t iters, float seed, float* sink) {
  using F = typename V::F;
  constexpr int kChains = 12;
  const F b = V::set1(0.999999f), c = V::set1(1.0e-7f);
  F acc[kChains];
#pragma GCC unroll 12
  for (int j = 0; j < kChains; ++j) acc[j] = V::set1(seed + static_cast<float>(j));
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = V::fmadd(acc[j], b, c);
  }
  F s = acc[0];
#pragma GCC unroll 12
  for (int j = 1; j < kChains; ++j) s = V::add(s, acc[j]);
  float out[V::kLanes];
  V::storeu(out, s);
  *sink = out[0] + out[V::kLanes - 1];
  return static_cast<double>(iters) * kChains * V::kLanes * 2;
}

}  // namespace
}  // namespace cpu
}  // namespace de
