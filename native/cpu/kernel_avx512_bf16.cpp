// AVX512-BF16 micro-kernel, 6×32, and its packers: the bf16 product of GemmArgs::precision.
// vdpbf16ps multiplies 16 pairs of bf16 values and adds both products to 16 fp32 lanes: per 32-bit
// slot it adds the odd k's product, then the even k's, each addition rounded in fp32 (the products
// of two bf16 values are exact). So the packed operands hold two consecutive k per 32-bit slot (even
// k in the low half), and the tile is micro_tile.h's with pairs for steps: per pair two loads of B,
// six broadcasts of a slot of A and twelve vdpbf16ps, 64 multiply-adds each where an FMA does 16.
// That is a gain only where vdpbf16ps issues at the FMA's rate. On the Intel Xeon (family 6 model
// 207) these were measured on it sustains about a quarter of it (1.2–1.4 G/s against 4.4–5.4 G/s
// of vfmadd231ps zmm on one core), and this kernel runs at 0.5–0.8× the fp32 one (docs/bf16.md).
// The packers convert x · mask · scale (in that order, as the fp32 packers do) with vcvtne2ps2bf16
// (round to nearest even; subnormals to zero), an odd k padded with a zero partner.
// Compiled with -mavx512f -mavx512bf16 -mavx512bw -mavx512vl (sources.json "cpu_avx512bf16");
// chosen at run time where cpuid reports AVX512_BF16 (dispatch.cpp).
#include "cpu/kernel_impls.h"

#if defined(DE_HAVE_AVX2_KERNEL) && defined(__AVX512F__) && defined(__AVX512BF16__) && defined(__AVX512BW__) && \
    defined(__AVX512VL__)
#include "cpu/vec_avx512.h"  // first: it sets up <immintrin.h>
#include "cpu/micro_tile.h"

namespace de {
namespace cpu_avx512_bf16 {

namespace {

constexpr int kMR = cpu::kTileRows, kNR = 32;

inline __m512bh as_bf16(__m512i v) { return reinterpret_cast<__m512bh>(v); }
inline __m512i as_words(__m512bh v) { return reinterpret_cast<__m512i>(v); }

// k counts bf16 values (even): k/2 slots per row of each panel.
template <int W>
inline void tile(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate) {
  constexpr int kCols = W * 16;
  const int32_t* as = reinterpret_cast<const int32_t*>(a);
  const int32_t* bs = reinterpret_cast<const int32_t*>(b);
  cpu::prefetch_c_tile<kCols>(c, ldc);
  __m512 acc[kMR][W];
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i)
#pragma GCC unroll 2
    for (int w = 0; w < W; ++w) acc[i][w] = _mm512_setzero_ps();
  const int64_t pairs = k / 2;
#pragma GCC unroll 4
  for (int64_t q = 0; q < pairs; ++q) {
    __m512bh bv[W];
#pragma GCC unroll 2
    for (int w = 0; w < W; ++w) bv[w] = as_bf16(_mm512_loadu_si512(bs + w * 16));
#pragma GCC unroll 6
    for (int i = 0; i < kMR; ++i) {
      const __m512bh av = as_bf16(_mm512_set1_epi32(as[i]));
#pragma GCC unroll 2
      for (int w = 0; w < W; ++w) acc[i][w] = _mm512_dpbf16_ps(acc[i][w], av, bv[w]);
    }
    as += kMR;
    bs += kNR;
  }
  cpu::store_c_tile<cpu::Avx512, W, kNR>(acc, c, ldc, m, n, accumulate);
}

void micro_6x32_bf16(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate) {
  // As in the fp32 kernel: a last panel of 16 columns or fewer takes one zmm per row.
  if (n <= 16) return tile<1>(k, a, b, c, ldc, m, n, accumulate);
  tile<2>(k, a, b, c, ldc, m, n, accumulate);
}

inline __mmask16 lanes16(int64_t n) { return n >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << n) - 1u); }

// Up to 16 values of x · mask · scale: those of the first `n`, zero beyond.
template <bool kMask, bool kScale>
inline __m512 load16(const float* x, const uint8_t* mask, const float* scale, __m512 scaleAll, int64_t n) {
  const __mmask16 live = lanes16(n);
  __m512 v = _mm512_maskz_loadu_ps(live, x);
  if (kMask) v = _mm512_mul_ps(v, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(live, mask))));
  if (kScale) v = _mm512_mul_ps(v, scale ? _mm512_maskz_loadu_ps(live, scale) : scaleAll);
  return v;
}

// Rows side by side along memory (x[p·ld + r]): a pair of k is two loads of the same rows; the
// converted values are interleaved so that slot r holds (row r at k, row r at k+1).
template <bool kMask, bool kScale, int R>
void pack_straight(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22,
                                              6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const int64_t slots = (k + 1) / 2;
  int32_t* out = reinterpret_cast<int32_t*>(dst);
  for (int64_t rb = 0; rb < rows; rb += R, out += R * slots) {
    const int64_t h = rows - rb < R ? rows - rb : R;
    for (int64_t q = 0; q < slots; ++q) {
      const int64_t p = p0 + 2 * q;
      const bool second = 2 * q + 1 < k;
      for (int g = 0; g < R; g += 16) {
        const int64_t live = h - g;
        int32_t* d = out + q * R + g;
        const __mmask16 store = lanes16(R - g);
        if (live <= 0) {
          _mm512_mask_storeu_epi32(d, store, _mm512_setzero_si512());
          continue;
        }
        const int64_t col = r0 + rb + g;
        const float* x = s.x + p * s.ld + col;
        const uint8_t* m = kMask ? s.mask + p * s.ldMask + col : nullptr;
        const __m512 even = load16<kMask, kScale>(x, m, nullptr, kScale ? _mm512_set1_ps(s.scale[p]) : __m512(), live);
        const __m512 odd = second ? load16<kMask, kScale>(x + s.ld, kMask ? m + s.ldMask : nullptr, nullptr,
                                                          kScale ? _mm512_set1_ps(s.scale[p + 1]) : __m512(), live)
                                  : _mm512_setzero_ps();
        const __m512i words = _mm512_permutexvar_epi16(interleave, as_words(_mm512_cvtne2ps_pbh(odd, even)));
        _mm512_mask_storeu_epi32(d, store, words);
      }
    }
  }
}

// 16×16 transpose of 32-bit words: r[i] holds row i on entry, column i on return.
inline void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  // Each 128-bit lane now holds a 4×4 block; gather the blocks (lane j of rows 4b..4b+3 → row 4j+b).
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xDD);
    r[i + 4] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 12] = _mm512_shuffle_i32x4(t[i + 4], t[i + 12], 0xDD);
  }
}

// Rows contiguous along k (x[r·ld + p]): 32 values of a row convert to 16 slots already in pairs
// of consecutive k; the slots are then transposed into the panel (slot q of row r at q·R + r), by
// 16×16 register transposes for B (R = 32), through a small buffer for A (R = 6).
template <bool kMask, bool kScale, int R>
void pack_transposing(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  const int64_t slots = (k + 1) / 2;
  int32_t* out = reinterpret_cast<int32_t*>(dst);
  auto row_slots = [&](int64_t row, int64_t p) {  // 16 slots: k values p .. p+31 of one row
    const float* x = s.x + row * s.ld + p0 + p;
    const uint8_t* m = kMask ? s.mask + row * s.ldMask + p0 + p : nullptr;
    const float* sc = kScale ? s.scale + p0 + p : nullptr;
    const int64_t left = k - p;
    const __m512 lo = load16<kMask, kScale>(x, m, sc, __m512(), left);
    const __m512 hi = left > 16 ? load16<kMask, kScale>(x + 16, kMask ? m + 16 : nullptr, kScale ? sc + 16 : nullptr,
                                                        __m512(), left - 16)
                                : _mm512_setzero_ps();
    return as_words(_mm512_cvtne2ps_pbh(hi, lo));
  };
  for (int64_t rb = 0; rb < rows; rb += R, out += R * slots) {
    const int64_t h = rows - rb < R ? rows - rb : R;
    for (int64_t p = 0; p < k; p += 32) {
      const int64_t q0 = p / 2, n = slots - q0 < 16 ? slots - q0 : 16;  // slots of this step
      if (R % 16 == 0) {
        for (int g = 0; g < R; g += 16) {
          __m512i r[16];
          for (int i = 0; i < 16; ++i) r[i] = g + i < h ? row_slots(r0 + rb + g + i, p) : _mm512_setzero_si512();
          transpose16(r);
          for (int j = 0; j < n; ++j) _mm512_storeu_si512(out + (q0 + j) * R + g, r[j]);
        }
      } else {
        alignas(64) int32_t buf[R][16];
        for (int i = 0; i < R; ++i)
          _mm512_store_si512(buf[i], i < h ? row_slots(r0 + rb + i, p) : _mm512_setzero_si512());
        for (int j = 0; j < n; ++j)
          for (int i = 0; i < R; ++i) out[(q0 + j) * R + i] = buf[i][j];
      }
    }
  }
}

template <int R>
void pack(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  if (s.kContiguous) {
    if (s.mask && s.scale) pack_transposing<true, true, R>(s, r0, rows, p0, k, dst);
    else if (s.mask) pack_transposing<true, false, R>(s, r0, rows, p0, k, dst);
    else if (s.scale) pack_transposing<false, true, R>(s, r0, rows, p0, k, dst);
    else pack_transposing<false, false, R>(s, r0, rows, p0, k, dst);
  } else {
    if (s.mask && s.scale) pack_straight<true, true, R>(s, r0, rows, p0, k, dst);
    else if (s.mask) pack_straight<true, false, R>(s, r0, rows, p0, k, dst);
    else if (s.scale) pack_straight<false, true, R>(s, r0, rows, p0, k, dst);
    else pack_straight<false, false, R>(s, r0, rows, p0, k, dst);
  }
}

}  // namespace

const MicroKernelFn micro_6x32 = micro_6x32_bf16;
const PackFn pack_a = pack<kMR>;
const PackFn pack_b = pack<kNR>;

}  // namespace cpu_avx512_bf16
}  // namespace de

#elif defined(DE_HAVE_AVX2_KERNEL)  // a compiler without AVX512-BF16: bf16 products are emulated
namespace de {
namespace cpu_avx512_bf16 {
const MicroKernelFn micro_6x32 = nullptr;
const PackFn pack_a = nullptr;
const PackFn pack_b = nullptr;
}  // namespace cpu_avx512_bf16
}  // namespace de
#endif
