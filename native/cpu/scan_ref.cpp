// The portable scans (scan_simd.h): the reference the AVX2 build (scan_avx2.cpp) answers exactly as.
#include <cstring>

#include "cpu/scan_simd.h"

namespace de {
namespace cpu {

int64_t first_non_finite_portable(const float* x, int64_t n) {
  // Blocks of branch-free integer tests (exponent bits all ones ⇔ NaN or ±Inf) that the compiler
  // vectorises with the baseline ISA; only a block that contains a hit is searched element-wise.
  constexpr int64_t kBlock = 256;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t end = start + kBlock < n ? start + kBlock : n;
    uint32_t hit = 0;
    for (int64_t i = start; i < end; ++i) {
      uint32_t bits;
      std::memcpy(&bits, x + i, sizeof bits);
      hit |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    if (hit) {
      for (int64_t i = start; i < end; ++i) {
        uint32_t bits;
        std::memcpy(&bits, x + i, sizeof bits);
        if ((bits & 0x7f800000u) == 0x7f800000u) return i;
      }
    }
  }
  return -1;
}

int64_t first_not_binary_portable(const uint8_t* x, int64_t n) {
  constexpr int64_t kBlock = 256;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t end = start + kBlock < n ? start + kBlock : n;
    uint8_t any = 0;
    for (int64_t i = start; i < end; ++i) any |= x[i];
    if (any & 0xFE) {
      for (int64_t i = start; i < end; ++i)
        if (x[i] > 1) return i;
    }
  }
  return -1;
}

}  // namespace cpu
}  // namespace de
