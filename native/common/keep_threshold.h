// The rule that turns a keep probability into the integer a Philox word is compared with (the
// contract in philox.h: keep = word < threshold). One definition, inline, so the CPU engine and
// the CUDA backend derive bit-identical thresholds without linking each other.
#pragma once
#include <cmath>
#include <cstdint>

namespace de {

// floor(keep * 2^32) clamped to [0, 2^32]; keep = 1 keeps always, keep = 0 never. keep is taken as
// the double value of the float the user gave, so every backend derives the same threshold.
inline uint64_t keep_threshold(double keep) {
  if (!(keep > 0.0)) return 0;  // also NaN: never keep
  if (keep >= 1.0) return uint64_t{1} << 32;
  // keep · 2^32 is exact in double (a power-of-two scaling), so floor is the only rounding.
  return static_cast<uint64_t>(std::floor(keep * 4294967296.0));
}

}  // namespace de
