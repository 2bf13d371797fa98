#include "core/finite.h"

#include <cstring>

namespace de {

int64_t first_non_finite(const float* x, int64_t n) {
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

}  // namespace de
