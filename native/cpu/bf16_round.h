// bfloat16 rounding in plain C++, bit for bit as the AVX512-BF16 converter (vcvtne2ps2bf16) does it:
// round to nearest even, subnormal inputs taken as signed zero, NaN kept a (quiet) NaN. The emulated
// bf16 packers (pack_bf16_emulated.cpp) and the float64 reference of the bf16 product
// (core/gemm_reference.cpp) round through here, so that every path sees the same operands.
// bfloat16 keeps float's 8 exponent bits and 8 significant bits (7 stored): unit roundoff 2^-8.
#pragma once
#include <cstdint>
#include <cstring>

namespace de {
namespace cpu {

inline uint16_t bf16_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7F800000u) == 0) return static_cast<uint16_t>((u >> 16) & 0x8000u);        // zero, subnormal
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);  // NaN, quieted
  u += 0x7FFFu + ((u >> 16) & 1u);  // to nearest, ties to even; carries into the exponent as it should
  return static_cast<uint16_t>(u >> 16);
}

inline float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// x rounded to the nearest bfloat16, as a float (its low 16 bits zero).
inline float round_to_bf16(float x) { return bf16_to_float(bf16_bits(x)); }

}  // namespace cpu
}  // namespace de
