// Eight-lane float vectors in AVX2+FMA intrinsics, as the ISA-generic kernels (moments_group.h,
// activation_group.h) use them: include only from a file compiled with -mavx2 -mfma (sources.json
// "cpu_avx2"). Internal linkage throughout, so the builds for different ISAs never mix.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace de {
namespace cpu {
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
  // p·2^n for integral n, t = n + 1.5·2^23: the low bits of t hold n, the magic's own bits shift out
  // (right for −126 <= n <= 127, the range exp_neg_v is used in).
  static F scale_pow2(F p, F, F t) {
    const __m256i biased = _mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23)));
  }
  // max of the bits as signed integers: for non-negative floats their order, NaN above +inf.
  static F max_bits(F a, F b) { return _mm256_castsi256_ps(_mm256_max_epi32(_mm256_castps_si256(a), _mm256_castps_si256(b))); }
  static M le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static uint32_t lane_bits(M m) { return static_cast<uint32_t>(_mm256_movemask_ps(m)); }
  static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }  // m ? a : b
  static F loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void storeu(float* p, F v) { _mm256_storeu_ps(p, v); }
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
};

}  // namespace
}  // namespace cpu
}  // namespace de
