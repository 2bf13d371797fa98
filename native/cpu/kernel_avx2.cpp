// AVX2+FMA micro-kernel, 6×16 like BLIS haswell: 12 ymm accumulators (6 rows × 2×8 columns), per
// step two loads of B and six broadcasts of A feed 12 FMAs, enough independent chains to cover the
// FMA latency on two pipes (Zen 4: 4 cycles × 2); the tile itself is micro_tile.h's. Also the AVX2
// packers: the transposing case (row-major weights in the forward product) goes through 8×8 register
// transposes.
// Compiled with -mavx2 -mfma (sources.json "cpu_avx2"), chosen at run time by cpuid. Only intrinsics
// and internal-linkage helpers here: no header inline function may get AVX2 code through this file.
#include "cpu/kernel_impls.h"
#include "cpu/mask_scale_dispatch.h"
#include "cpu/pack_generic.h"

#if defined(DE_HAVE_AVX2_KERNEL) && defined(__AVX2__) && defined(__FMA__)
#include "cpu/vec_avx2.h"
#include "cpu/micro_tile.h"

namespace de {
namespace cpu_avx2 {

namespace {
constexpr int kMR = 6, kNR = 16;

inline void transpose8(__m256& r0, __m256& r1, __m256& r2, __m256& r3, __m256& r4, __m256& r5, __m256& r6,
                       __m256& r7) {
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r0 = _mm256_permute2f128_ps(u0, u4, 0x20);
  r1 = _mm256_permute2f128_ps(u1, u5, 0x20);
  r2 = _mm256_permute2f128_ps(u2, u6, 0x20);
  r3 = _mm256_permute2f128_ps(u3, u7, 0x20);
  r4 = _mm256_permute2f128_ps(u0, u4, 0x31);
  r5 = _mm256_permute2f128_ps(u1, u5, 0x31);
  r6 = _mm256_permute2f128_ps(u2, u6, 0x31);
  r7 = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Eight p-values of one row, masked and scaled exactly as pack_panels does ((x · mask) · scale).
template <bool kMask, bool kScale>
inline __m256 load_row8(const PackSource& s, int64_t row, int64_t p, bool present) {
  if (!present) return _mm256_setzero_ps();
  __m256 v = _mm256_loadu_ps(s.x + row * s.ld + p);
  if (kMask) {
    const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s.mask + row * s.ldMask + p));
    v = _mm256_mul_ps(v, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(m8)));
  }
  if (kScale) v = _mm256_mul_ps(v, _mm256_loadu_ps(s.scale + p));
  return v;
}

// Transposing pack for a k-contiguous source: 8 rows × 8 p per register transpose. R is a multiple
// of 8 (B panels) or below 8 (A panels, R = 6). With R < 8 each 8-lane store also writes two lanes
// into the next p's slots (zeros: those rows are absent); stores go in increasing p, so the next
// store overwrites them, and the very last one lands in the kPackSlack floats after the panels.
template <bool kMask, bool kScale, int R>
void pack_transposing(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  static_assert(R % 8 == 0 || R < 8, "R must be a multiple of 8 or below 8");
  const int64_t k8 = k - k % 8;
  for (int64_t rb = 0; rb < rows; rb += R, dst += R * k) {
    const int64_t h = rows - rb < R ? rows - rb : R;
    for (int g = 0; g < R; g += 8) {
      const int64_t row = r0 + rb + g;
      const int lanes = R - g < 8 ? R - g : 8;
      bool has[8];
      for (int q = 0; q < 8; ++q) has[q] = q < lanes && g + q < h;
      // The rows packed next (this panel's next group of 8, or the next panel's first): one line of
      // each every 16 p (of their mask every 64), so they come in while this group is transposed.
      // Rows are ld floats apart (4.8 KB at k = 1200): without this the packer waited on memory
      // (weights from L3 at batch 100, examples from DRAM at 10,000 rows); packing A of the 10000 ×
      // 1200 product took 10–15 ms cold, 5.5–9.7 ms with it. One-process A/B: batch 100 × 1200→1200
      // on one thread 7–9% faster at the median call, the 10000-row product 1–2%.
      constexpr int kStep = R < 8 ? R : 8;
      const int64_t next = row + kStep, left = r0 + rows - next;  // no std::min here: see the top
      const int64_t ahead = left < 0 ? 0 : left < kStep ? left : kStep;
      for (int64_t p = 0; p < k8; p += 8) {
        if ((p & 15) == 0)
          for (int64_t q = 0; q < ahead; ++q)
            _mm_prefetch(reinterpret_cast<const char*>(s.x + (next + q) * s.ld + p0 + p), _MM_HINT_T0);
        if (kMask && (p & 63) == 0)
          for (int64_t q = 0; q < ahead; ++q)
            _mm_prefetch(reinterpret_cast<const char*>(s.mask + (next + q) * s.ldMask + p0 + p), _MM_HINT_T0);
        __m256 v0 = load_row8<kMask, kScale>(s, row + 0, p0 + p, has[0]);
        __m256 v1 = load_row8<kMask, kScale>(s, row + 1, p0 + p, has[1]);
        __m256 v2 = load_row8<kMask, kScale>(s, row + 2, p0 + p, has[2]);
        __m256 v3 = load_row8<kMask, kScale>(s, row + 3, p0 + p, has[3]);
        __m256 v4 = load_row8<kMask, kScale>(s, row + 4, p0 + p, has[4]);
        __m256 v5 = load_row8<kMask, kScale>(s, row + 5, p0 + p, has[5]);
        __m256 v6 = load_row8<kMask, kScale>(s, row + 6, p0 + p, has[6]);
        __m256 v7 = load_row8<kMask, kScale>(s, row + 7, p0 + p, has[7]);
        transpose8(v0, v1, v2, v3, v4, v5, v6, v7);
        float* d = dst + p * R + g;
        _mm256_storeu_ps(d + 0 * R, v0);
        _mm256_storeu_ps(d + 1 * R, v1);
        _mm256_storeu_ps(d + 2 * R, v2);
        _mm256_storeu_ps(d + 3 * R, v3);
        _mm256_storeu_ps(d + 4 * R, v4);
        _mm256_storeu_ps(d + 5 * R, v5);
        _mm256_storeu_ps(d + 6 * R, v6);
        _mm256_storeu_ps(d + 7 * R, v7);
      }
      for (int64_t p = k8; p < k; ++p) {
        for (int q = 0; q < lanes; ++q) {
          float v = 0.0f;
          if (has[q]) {
            v = s.x[(row + q) * s.ld + p0 + p];
            if (kMask) v *= static_cast<float>(s.mask[(row + q) * s.ldMask + p0 + p]);
            if (kScale) v *= s.scale[p0 + p];
          }
          dst[p * R + g + q] = v;
        }
      }
    }
  }
}

// Copying pack for R a multiple of 8 and a source whose R rows lie side by side for each p (B in
// the NN and TN products). p runs outermost so the source is read row by row, streaming.
template <bool kMask, bool kScale, int R>
void pack_copy(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  static_assert(R % 8 == 0, "R must be a multiple of 8");
  const int64_t full = rows / R;
  for (int64_t p = 0; p < k; ++p) {
    const float* x = s.x + (p0 + p) * s.ld + r0;
    const uint8_t* m = kMask ? s.mask + (p0 + p) * s.ldMask + r0 : nullptr;
    const __m256 sc = _mm256_set1_ps(kScale ? s.scale[p0 + p] : 1.0f);
    float* d = dst + p * R;
    for (int64_t panel = 0; panel < full; ++panel, x += R, d += R * k) {
      if (kMask) m = s.mask + (p0 + p) * s.ldMask + r0 + panel * R;
      for (int g = 0; g < R; g += 8) {
        __m256 v = _mm256_loadu_ps(x + g);
        if (kMask) {
          const __m128i m8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(m + g));
          v = _mm256_mul_ps(v, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(m8)));
        }
        if (kScale) v = _mm256_mul_ps(v, sc);
        _mm256_store_ps(d + g, v);
      }
    }
    const int64_t rest = rows - full * R;
    if (rest > 0) {  // last, partial panel: zero beyond the rows
      if (kMask) m = s.mask + (p0 + p) * s.ldMask + r0 + full * R;
      for (int r = 0; r < R; ++r) {
        float v = 0.0f;
        if (r < rest) {
          v = x[r];
          if (kMask) v *= static_cast<float>(m[r]);
          if (kScale) v *= s.scale[p0 + p];
        }
        d[r] = v;
      }
    }
  }
}

template <int R>
void pack_copy_any(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  with_mask_scale(s, [&](auto mask, auto scale) { pack_copy<decltype(mask)::value, decltype(scale)::value, R>(s, r0, rows, p0, k, dst); });
}

template <int R>
void pack_avx2(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  if (!s.kContiguous) {
    if constexpr (R % 8 == 0) return pack_copy_any<R>(s, r0, rows, p0, k, dst);
    return pack_generic<R>(s, r0, rows, p0, k, dst);
  }
  if (s.mask && s.scale) pack_transposing<true, true, R>(s, r0, rows, p0, k, dst);
  else if (s.mask) pack_transposing<true, false, R>(s, r0, rows, p0, k, dst);
  else if (s.scale) pack_transposing<false, true, R>(s, r0, rows, p0, k, dst);
  else pack_transposing<false, false, R>(s, r0, rows, p0, k, dst);
}

}  // namespace

void micro_6x16(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate) {
  cpu::micro_tile<cpu::Avx2, 2, kNR>(k, a, b, c, ldc, m, n, accumulate);
}

void pack_a(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  pack_avx2<kMR>(s, r0, rows, p0, k, dst);
}

void pack_b(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  pack_avx2<kNR>(s, r0, rows, p0, k, dst);
}

void pack_b32(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  pack_avx2<32>(s, r0, rows, p0, k, dst);  // the AVX-512 6×32 kernel's B panels
}

}  // namespace cpu_avx2
}  // namespace de

#endif
