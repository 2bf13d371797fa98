// Philox-4x32-10 exactly as in Random123 (include/Random123/philox.h): ten rounds of two 32x32→64
// multiplications with a Weyl-sequence key schedule. Included at the end of philox.h; every function
// here is host+device inline, so the CPU and CUDA backends compile the very same arithmetic.
#pragma once
#include <cstdint>

namespace de {
namespace philox {

constexpr uint32_t kMul0 = 0xD2511F53u;   // PHILOX_M4x32_0
constexpr uint32_t kMul1 = 0xCD9E8D57u;   // PHILOX_M4x32_1
constexpr uint32_t kWeyl0 = 0x9E3779B9u;  // PHILOX_W32_0 (golden ratio)
constexpr uint32_t kWeyl1 = 0xBB67AE85u;  // PHILOX_W32_1 (sqrt(3) - 1)

DE_HD uint32_t mulhi(uint32_t a, uint32_t b, uint32_t* lo) {
#if defined(__CUDA_ARCH__)
  *lo = a * b;
  return __umulhi(a, b);
#else
  const uint64_t p = static_cast<uint64_t>(a) * b;
  *lo = static_cast<uint32_t>(p);
  return static_cast<uint32_t>(p >> 32);
#endif
}

// One Philox round (Random123 _philox4x32round).
DE_HD U32x4 round(U32x4 c, uint32_t k0, uint32_t k1) {
  uint32_t lo0, lo1;
  const uint32_t hi0 = mulhi(kMul0, c.v[0], &lo0);
  const uint32_t hi1 = mulhi(kMul1, c.v[2], &lo1);
  U32x4 r;
  r.v[0] = hi1 ^ c.v[1] ^ k0;
  r.v[1] = lo1;
  r.v[2] = hi0 ^ c.v[3] ^ k1;
  r.v[3] = lo0;
  return r;
}

}  // namespace philox

DE_HD U32x4 philox4x32_10(U32x4 ctr, uint32_t k0, uint32_t k1) {
  ctr = philox::round(ctr, k0, k1);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int r = 1; r < 10; ++r) {
    k0 += philox::kWeyl0;
    k1 += philox::kWeyl1;
    ctr = philox::round(ctr, k0, k1);
  }
  return ctr;
}

// The counter of the mask addressing contract (philox.h): four consecutive columns share one call.
DE_HD U32x4 mask_counter(uint32_t stream, uint64_t row, uint64_t col) {
  U32x4 c;
  c.v[0] = static_cast<uint32_t>(col >> 2);
  c.v[1] = static_cast<uint32_t>(row);
  c.v[2] = static_cast<uint32_t>(row >> 32);
  c.v[3] = stream;
  return c;
}

DE_HD uint32_t mask_word(uint64_t seed, uint32_t stream, uint64_t row, uint64_t col) {
  const U32x4 w = philox4x32_10(mask_counter(stream, row, col), static_cast<uint32_t>(seed),
                                static_cast<uint32_t>(seed >> 32));
  return w.v[col & 3];
}

}  // namespace de
