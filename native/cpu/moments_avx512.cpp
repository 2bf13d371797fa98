// The moment block kernel for AVX-512F (16 lanes), chosen at run time over the AVX2 one where the
// CPU and OS have it: the same kernel (moments_group.h) with half the instructions per neuron. On a
// Zen 4 core, whose 512-bit units are no wider than its 256-bit ones, the softplus pair still runs
// ~1.6× faster: the kernel is bound by how many waiting steps the scheduler holds, not by the units.
// Compiled with -mavx512f -mavx2 -mfma (sources.json "cpu_avx512").
#include "cpu/moments_simd.h"

#if defined(__AVX512F__)
// GCC 12's own avx512fintrin.h trips -Wmaybe-uninitialized (its _mm512_undefined_* placeholders).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "cpu/moments_group.h"

namespace de {
namespace cpu {

const bool kMomentsAvx512Compiled = true;

namespace {

struct Avx512 {
  static constexpr int kLanes = 16;
  using F = __m512;
  using D = __m512d;
  using M = __mmask16;

  static F load(const float* p, int width) {
    if (width == kLanes) return _mm512_loadu_ps(p);
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << width) - 1), p);
  }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F fnmadd(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }
  static F fnmsub(F a, F b, F c) { return _mm512_fnmsub_ps(a, b, c); }
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F abs(F a) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7fffffff))); }
  static F pow2_from_magic(F t) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(127)), 23));
  }
  static M le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static M mask_and(M a, M b) { return static_cast<M>(a & b); }
  static M all_lanes() { return static_cast<M>(0xffff); }
  static uint32_t lane_bits(M m) { return m; }
  static F keep(M m, F v) { return _mm512_maskz_mov_ps(m, v); }
  static D lo(F v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
  static D hi(F v) { return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))); }
  static D dzero() { return _mm512_setzero_pd(); }
  static D dset1(double v) { return _mm512_set1_pd(v); }
  static D dadd(D a, D b) { return _mm512_add_pd(a, b); }
  static D dsub(D a, D b) { return _mm512_sub_pd(a, b); }
  static D dmul(D a, D b) { return _mm512_mul_pd(a, b); }
  static D ddiv(D a, D b) { return _mm512_div_pd(a, b); }
  static D dfmadd(D a, D b, D c) { return _mm512_fmadd_pd(a, b, c); }
  static void store(float* p, F v) { _mm512_store_ps(p, v); }
  static void dstore(double* p, D v) { _mm512_store_pd(p, v); }

  // (0, …, 7)·bins: the counter of lane i is at hist[i·bins + bin].
  static __m256i lane_base(int bins) {
    return _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(bins));
  }

  // As Avx2::bin_indices (moments_avx2.cpp), sixteen values.
  static uint32_t bin_indices(D x0, D x1, const MomentBlockArgs& a, __m256i base, int32_t* out) {
    const D lo = _mm512_set1_pd(a.lo), scale = _mm512_set1_pd(a.binScale);
    const D zero = _mm512_setzero_pd(), top = _mm512_set1_pd(a.bins - 1);
    const D t0 = _mm512_mul_pd(_mm512_sub_pd(x0, lo), scale);
    const D t1 = _mm512_mul_pd(_mm512_sub_pd(x1, lo), scale);
    // max_pd(t, 0) is t > 0 ? t : 0 (NaN → 0), min_pd(c, top) is c < top ? c : top.
    const __m256i b0 = _mm512_cvttpd_epi32(_mm512_min_pd(_mm512_max_pd(t0, zero), top));
    const __m256i b1 = _mm512_cvttpd_epi32(_mm512_min_pd(_mm512_max_pd(t1, zero), top));
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), _mm256_add_epi32(b0, base));
    _mm256_store_si256(reinterpret_cast<__m256i*>(out + 8), _mm256_add_epi32(b1, _mm256_add_epi32(base, _mm256_set1_epi32(8 * a.bins))));
    return static_cast<uint32_t>(_mm512_cmp_pd_mask(t0, t0, _CMP_UNORD_Q)) |
           static_cast<uint32_t>(_mm512_cmp_pd_mask(t1, t1, _CMP_UNORD_Q)) << 8;
  }
};

}  // namespace

void moments_block_avx512(const MomentBlockArgs& a) { moments_block_v<Avx512>(a); }

void log_sigmoid_pair_avx512(const float* z, int64_t n, double* logO, double* log1mO) {
  log_sigmoid_row_v<Avx512>(z, n, logO, log1mO);
}

}  // namespace cpu
}  // namespace de

#else  // no AVX-512 build (e.g. ARM, or a compiler without it): the AVX2 or portable kernel is used.

namespace de {
namespace cpu {
const bool kMomentsAvx512Compiled = false;
void moments_block_avx512(const MomentBlockArgs&) {}
void log_sigmoid_pair_avx512(const float*, int64_t, double*, double*) {}
}  // namespace cpu
}  // namespace de

#endif
