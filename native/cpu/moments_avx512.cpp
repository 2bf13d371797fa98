// The moment block kernel for AVX-512F (16 lanes), chosen at run time over the AVX2 one where the
// CPU and OS have it: the same kernel (moments_group.h) with half the instructions per neuron. On a
// Zen 4 core, whose 512-bit units are no wider than its 256-bit ones, the softplus pair still runs
// ~1.6× faster: the kernel is bound by how many waiting steps the scheduler holds, not by the units.
// Compiled with -mavx512f -mavx2 -mfma (sources.json "cpu_avx512").
#include "cpu/moments_simd.h"

#if defined(__AVX512F__)
#include "cpu/vec_avx512.h"  // first: it sets up <immintrin.h>
#include "cpu/moments_group.h"

namespace de {
namespace cpu {

const bool kMomentsAvx512Compiled = true;

namespace {

struct Avx512Moments : Avx512 {
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

  // bin_indices from the floats, for lo = 0 and a power-of-two scale (float_bins_exact).
  static uint32_t bin_indices_f(F x, const MomentBlockArgs& a, __m256i base, int32_t* out) {
    const F t = _mm512_mul_ps(x, _mm512_set1_ps(static_cast<float>(a.binScale)));
    const F c = _mm512_min_ps(_mm512_max_ps(t, _mm512_setzero_ps()), _mm512_set1_ps(static_cast<float>(a.bins - 1)));
    const __m512i lanes = _mm512_inserti64x4(_mm512_castsi256_si512(base), _mm256_add_epi32(base, _mm256_set1_epi32(8 * a.bins)), 1);
    _mm512_store_si512(out, _mm512_add_epi32(lanes, _mm512_cvttps_epi32(c)));
    return static_cast<uint32_t>(_mm512_cmp_ps_mask(t, t, _CMP_UNORD_Q));
  }
};

}  // namespace

void moments_block_avx512(const MomentBlockArgs& a) { moments_block_v<Avx512Moments>(a); }

void log_sigmoid_pair_avx512(const float* z, int64_t n, double* logO, double* log1mO) {
  log_sigmoid_row_v<Avx512Moments>(z, n, logO, log1mO);
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
