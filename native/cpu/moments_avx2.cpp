// The moment block kernel for AVX2+FMA (8 lanes), chosen at run time: moments_group.h over the
// AVX2 vectors (vec_avx2.h), with the histogram's counter indices in AVX2 intrinsics.
#include "cpu/moments_simd.h"

#if defined(__AVX2__)
#include "cpu/moments_group.h"
#include "cpu/vec_avx2.h"

namespace de {
namespace cpu {

const bool kMomentsAvx2Compiled = true;

namespace {

struct Avx2Moments : Avx2 {
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

  // bin_indices from the floats, for lo = 0 and a power-of-two scale (float_bins_exact).
  static uint32_t bin_indices_f(F x, const MomentBlockArgs& a, __m128i base, int32_t* out) {
    const F t = _mm256_mul_ps(x, _mm256_set1_ps(static_cast<float>(a.binScale)));
    const F c = _mm256_min_ps(_mm256_max_ps(t, _mm256_setzero_ps()), _mm256_set1_ps(static_cast<float>(a.bins - 1)));
    const __m256i lanes = _mm256_add_epi32(_mm256_set_m128i(_mm_add_epi32(base, _mm_set1_epi32(4 * a.bins)), base),
                                           _mm256_cvttps_epi32(c));
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), lanes);
    return static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(t, t, _CMP_UNORD_Q)));
  }
};

}  // namespace

void moments_block_avx2(const MomentBlockArgs& a) { moments_block_v<Avx2Moments>(a); }

void log_sigmoid_pair_avx2(const float* z, int64_t n, double* logO, double* log1mO) {
  log_sigmoid_row_v<Avx2Moments>(z, n, logO, log1mO);
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
