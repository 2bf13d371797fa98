// The moment block kernel for AVX2+FMA (8 lanes), chosen at run time: the vector operations that
// moments_group.h is written in, and the histogram count, in AVX2 intrinsics.
#include "cpu/moments_simd.h"

#if defined(__AVX2__)
#include "cpu/moments_group.h"

namespace de {
namespace cpu {

const bool kMomentsAvx2Compiled = true;

namespace {

struct Avx2 {
  static constexpr int kLanes = 8;
  using F = __m256;
  using D = __m256d;
  using M = __m256;  // all-ones lanes

  static F load(const float* p, int width) {
    if (width == kLanes) return _mm256_loadu_ps(p);
    const __m256i lanes = _mm256_cmpgt_epi32(_mm256_set1_epi32(width), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_maskload_ps(p, lanes);
  }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F fnmadd(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  static F fnmsub(F a, F b, F c) { return _mm256_fnmsub_ps(a, b, c); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F abs(F a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
  // 2^n from t = n + 1.5·2^23: the low bits of t hold n, the magic's own bits shift out.
  static F pow2_from_magic(F t) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127)), 23));
  }
  static M le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static M mask_and(M a, M b) { return _mm256_and_ps(a, b); }
  static M all_lanes() { return _mm256_castsi256_ps(_mm256_set1_epi32(-1)); }
  static uint32_t lane_bits(M m) { return static_cast<uint32_t>(_mm256_movemask_ps(m)); }
  static F keep(M m, F v) { return _mm256_and_ps(m, v); }
  static D lo(F v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
  static D hi(F v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
  static D dzero() { return _mm256_setzero_pd(); }
  static D dset1(double v) { return _mm256_set1_pd(v); }
  static D dadd(D a, D b) { return _mm256_add_pd(a, b); }
  static D dsub(D a, D b) { return _mm256_sub_pd(a, b); }
  static D dmul(D a, D b) { return _mm256_mul_pd(a, b); }
  static D ddiv(D a, D b) { return _mm256_div_pd(a, b); }
  static D dfmadd(D a, D b, D c) { return _mm256_fmadd_pd(a, b, c); }
  static void store(float* p, F v) { _mm256_store_ps(p, v); }
  static void dstore(double* p, D v) { _mm256_store_pd(p, v); }

  // (0, 1, 2, 3)·bins: the counter of lane i is at hist[i·bins + bin].
  static __m128i lane_base(int bins) { return _mm_mullo_epi32(_mm_setr_epi32(0, 1, 2, 3), _mm_set1_epi32(bins)); }

  // Histogram counter indices of eight values (as histogram_bins): lane·bins + floor((x − lo)·scale)
  // clamped to [0, bins); returns the bits of the NaN lanes (their index is not to be counted).
  static uint32_t bin_indices(D x0, D x1, const MomentBlockArgs& a, __m128i base, int32_t* out) {
    const D lo = _mm256_set1_pd(a.lo), scale = _mm256_set1_pd(a.binScale);
    const D zero = _mm256_setzero_pd(), top = _mm256_set1_pd(a.bins - 1);
    const D t0 = _mm256_mul_pd(_mm256_sub_pd(x0, lo), scale);
    const D t1 = _mm256_mul_pd(_mm256_sub_pd(x1, lo), scale);
    // max_pd(t, 0) is t > 0 ? t : 0 (NaN → 0), min_pd(c, top) is c < top ? c : top.
    const __m128i b0 = _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(t0, zero), top));
    const __m128i b1 = _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(t1, zero), top));
    _mm_store_si128(reinterpret_cast<__m128i*>(out), _mm_add_epi32(b0, base));
    _mm_store_si128(reinterpret_cast<__m128i*>(out + 4), _mm_add_epi32(b1, _mm_add_epi32(base, _mm_set1_epi32(4 * a.bins))));
    return static_cast<uint32_t>(_mm256_movemask_pd(_mm256_cmp_pd(t0, t0, _CMP_UNORD_Q)) |
                                 (_mm256_movemask_pd(_mm256_cmp_pd(t1, t1, _CMP_UNORD_Q)) << 4));
  }
};

}  // namespace

void moments_block_avx2(const MomentBlockArgs& a) { moments_block_v<Avx2>(a); }

void log_sigmoid_pair_avx2(const float* z, int64_t n, double* logO, double* log1mO) {
  log_sigmoid_row_v<Avx2>(z, n, logO, log1mO);
}

}  // namespace cpu
}  // namespace de

#else  // not an AVX2 build (e.g. ARM): the portable kernel is used.

namespace de {
namespace cpu {
const bool kMomentsAvx2Compiled = false;
void moments_block_avx2(const MomentBlockArgs&) {}
void log_sigmoid_pair_avx2(const float*, int64_t, double*, double*) {}
}  // namespace cpu
}  // namespace de

#endif
