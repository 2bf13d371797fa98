// The keep thresholds as the mask and gate kernels compare them (philox_simd.h, connection_simd.h):
// `word < t` for an unsigned Philox word and a threshold t in [0, 2^32] becomes a signed compare of
// (word ^ 2^31) with `biased` = (min(t, 2^32 − 1) ^ 2^31), plus `always` = −1 where t = 2^32 (keep
// whatever the word). Written once for the engine, which lays the thresholds out, and the portable
// kernels, which read them as the vector ones do.
#pragma once
#include <cstdint>

namespace de {
namespace cpu {

inline int32_t biased_threshold(uint64_t t) {
  constexpr uint64_t kTop = (uint64_t{1} << 32) - 1;
  return static_cast<int32_t>(static_cast<uint32_t>(t < kTop ? t : kTop) ^ 0x80000000u);
}

inline int32_t always_kept(uint64_t t) { return t >= (uint64_t{1} << 32) ? -1 : 0; }

inline bool biased_keeps(uint32_t word, int32_t biased, int32_t always) {
  return always != 0 || static_cast<int32_t>(word ^ 0x80000000u) < biased;
}

}  // namespace cpu
}  // namespace de
