// AVX2+FMA micro-kernel, 6×16 like BLIS haswell: 12 ymm accumulators (6 rows × 2×8 columns), per
// step two loads of B and six broadcasts of A feed 12 FMAs, enough independent chains to cover the
// FMA latency on two pipes (Zen 4: 4 cycles × 2). Also the AVX2 packers: the transposing case
// (row-major weights in the forward product) goes through 8×8 register transposes.
// Compiled with -mavx2 -mfma (sources.json "cpu_avx2"), chosen at run time by cpuid. Only intrinsics
// and internal-linkage helpers here: no header inline function may get AVX2 code through this file.
#include "cpu/kernel_impls.h"
#include "cpu/pack_generic.h"

#if defined(DE_HAVE_AVX2_KERNEL) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace de {
namespace cpu_avx2 {

namespace {
constexpr int kMR = 6, kNR = 16;

inline void store_row(float* c, __m256 lo, __m256 hi, bool accumulate) {
  if (accumulate) {
    lo = _mm256_add_ps(_mm256_loadu_ps(c), lo);
    hi = _mm256_add_ps(_mm256_loadu_ps(c + 8), hi);
  }
  _mm256_storeu_ps(c, lo);
  _mm256_storeu_ps(c + 8, hi);
}

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
      for (int64_t p = 0; p < k8; p += 8) {
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
  if (s.mask && s.scale) pack_copy<true, true, R>(s, r0, rows, p0, k, dst);
  else if (s.mask) pack_copy<true, false, R>(s, r0, rows, p0, k, dst);
  else if (s.scale) pack_copy<false, true, R>(s, r0, rows, p0, k, dst);
  else pack_copy<false, false, R>(s, r0, rows, p0, k, dst);
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
  for (int i = 0; i < kMR; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 15), _MM_HINT_T0);
  }
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(),
         c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(),
         c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps(),
         c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    a += kMR;
    b += kNR;
  }
  if (m == kMR && n == kNR) {
    store_row(c + 0 * ldc, c00, c01, accumulate);
    store_row(c + 1 * ldc, c10, c11, accumulate);
    store_row(c + 2 * ldc, c20, c21, accumulate);
    store_row(c + 3 * ldc, c30, c31, accumulate);
    store_row(c + 4 * ldc, c40, c41, accumulate);
    store_row(c + 5 * ldc, c50, c51, accumulate);
    return;
  }
  // Edge tile: the same sums, written through a buffer (c + acc rounds exactly as store_row does).
  alignas(32) float acc[kMR * kNR];
  _mm256_store_ps(acc + 0, c00);
  _mm256_store_ps(acc + 8, c01);
  _mm256_store_ps(acc + 16, c10);
  _mm256_store_ps(acc + 24, c11);
  _mm256_store_ps(acc + 32, c20);
  _mm256_store_ps(acc + 40, c21);
  _mm256_store_ps(acc + 48, c30);
  _mm256_store_ps(acc + 56, c31);
  _mm256_store_ps(acc + 64, c40);
  _mm256_store_ps(acc + 72, c41);
  _mm256_store_ps(acc + 80, c50);
  _mm256_store_ps(acc + 88, c51);
  store_partial_tile<kMR, kNR>(acc, c, ldc, m, n, accumulate);
}

void pack_a(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  pack_avx2<kMR>(s, r0, rows, p0, k, dst);
}

void pack_b(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  pack_avx2<kNR>(s, r0, rows, p0, k, dst);
}

}  // namespace cpu_avx2
}  // namespace de

#endif
