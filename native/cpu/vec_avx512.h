// Sixteen-lane float vectors in AVX-512F intrinsics, as the ISA-generic kernels (moments_group.h,
// activation_group.h) use them: include only from a file compiled with -mavx512f (sources.json
// "cpu_avx512"). Internal linkage throughout, so the builds for different ISAs never mix.
#pragma once
// GCC 12's own avx512fintrin.h trips -Wmaybe-uninitialized (its _mm512_undefined_* placeholders);
// include this header before anything that includes <immintrin.h>.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstdint>

namespace de {
namespace cpu {
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
  // p·2^n for integral n (t = n + 1.5·2^23 unused: vscalefps takes n itself, and is one step
  // where building 2^n from t's bits and multiplying is three).
  static F scale_pow2(F p, F n, F) { return _mm512_scalef_ps(p, n); }
  // max of the bits as signed integers: for non-negative floats their order, NaN above +inf.
  static F max_bits(F a, F b) { return _mm512_castsi512_ps(_mm512_max_epi32(_mm512_castps_si512(a), _mm512_castps_si512(b))); }
  static M le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static uint32_t lane_bits(M m) { return m; }
  static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }  // m ? a : b
  static F loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void storeu(float* p, F v) { _mm512_storeu_ps(p, v); }
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
};

}  // namespace
}  // namespace cpu
}  // namespace de
