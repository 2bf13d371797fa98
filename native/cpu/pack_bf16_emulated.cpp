// Packers of the emulated bf16 product: the values of the fp32 packers ((x · mask) · scale), each
// rounded to bfloat16 (bf16_round.h) and stored as a float, for the ISA's fp32 micro-kernel. Products
// of two bf16 values are exact in fp32, so an FMA chain over them rounds only its additions; the
// order of those additions is what remains to match vdpbf16ps, which per 32-bit slot adds the odd
// k's product first, then the even one's. So each pair of k is stored swapped (k+1, then k), and an
// odd k is padded with a zero whose (zero) product comes first, as the native kernel's padding does:
// the fp32 chain then adds the same terms in the same order as the native kernel, and gives its bits.
// Portable C++ (no ISA flags): packing is a small part of the product, and this runs only where
// the CPU lacks AVX512-BF16.
#include "cpu/bf16_round.h"
#include "cpu/kernel_impls.h"
#include "cpu/mask_scale_dispatch.h"

namespace de {
namespace cpu_bf16_emulated {

namespace {

template <bool kMask, bool kScale>
inline float value(const PackSource& s, int64_t r, int64_t p) {
  const int64_t at = s.kContiguous ? r * s.ld + p : p * s.ld + r;
  float v = s.x[at];
  if (kMask) v *= static_cast<float>(s.mask[s.kContiguous ? r * s.ldMask + p : p * s.ldMask + r]);
  if (kScale) v *= s.scale[p];
  return cpu::round_to_bf16(v);
}

template <bool kMask, bool kScale, int R>
void pack_panels(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  const int64_t kk = k + (k & 1);
  for (int64_t rb = 0; rb < rows; rb += R, dst += R * kk) {
    const int h = rows - rb < R ? static_cast<int>(rows - rb) : R;
    for (int64_t p = 0; p < kk; ++p) {
      float* d = dst + (p ^ 1) * R;  // the pair swapped: odd k first
      if (p == k) {
        for (int r = 0; r < R; ++r) d[r] = 0.0f;
        continue;
      }
      for (int r = 0; r < h; ++r) d[r] = value<kMask, kScale>(s, r0 + rb + r, p0 + p);
      for (int r = h; r < R; ++r) d[r] = 0.0f;
    }
  }
}

template <int R>
void pack(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  with_mask_scale(s, [&](auto mask, auto scale) { pack_panels<decltype(mask)::value, decltype(scale)::value, R>(s, r0, rows, p0, k, dst); });
}

}  // namespace

void pack_r4(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) { pack<4>(s, r0, rows, p0, k, dst); }
void pack_r6(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) { pack<6>(s, r0, rows, p0, k, dst); }
void pack_r8(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) { pack<8>(s, r0, rows, p0, k, dst); }
void pack_r16(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) { pack<16>(s, r0, rows, p0, k, dst); }
void pack_r32(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) { pack<32>(s, r0, rows, p0, k, dst); }

}  // namespace cpu_bf16_emulated
}  // namespace de
