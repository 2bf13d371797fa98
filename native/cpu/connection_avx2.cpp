// Connection-dropout inner loops (connection_simd.h) for AVX2+FMA; chosen at run time.
#include "cpu/connection_simd.h"

#if defined(__AVX2__)
#include <immintrin.h>

#include <cmath>

#include "cpu/philox_simd.h"

namespace de {
namespace cpu {

const bool kConnectionAvx2Compiled = true;

void gate_row_avx2(const GateRow& g, const GateThresholds& t, uint32_t* words, int32_t* mask) {
  // Whole Philox blocks of 32 columns from the 4-aligned column at or below col0; word of column
  // col0 + j sits at words[off + j].
  const int64_t off = static_cast<int64_t>(g.col0 & 3);
  const int64_t blocks = (off + g.n + 31) / 32;
  philox_words_avx2(g.seed, g.stream, g.row, g.col0 >> 2, blocks, words);
  const __m256i sign = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  for (int64_t j = 0; j < g.n; j += 8) {
    const __m256i w = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(words + off + j)), sign);
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.biased + j));
    const __m256i always = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.always + j));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + j), _mm256_or_si256(_mm256_cmpgt_epi32(b, w), always));
  }
}

void mask_to_bits_avx2(const int32_t* mask, int64_t n, uint64_t* bits) {
  const int64_t words = (n + 63) / 64;
  for (int64_t w = 0; w < words; ++w) {
    uint64_t v = 0;
    const int64_t j0 = 64 * w, j1 = j0 + 64 <= n ? j0 + 64 : n;
    int64_t j = j0;
    for (; j + 8 <= j1; j += 8) {
      const __m256 m = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + j)));
      v |= static_cast<uint64_t>(_mm256_movemask_ps(m)) << (j - j0);
    }
    for (; j < j1; ++j) v |= static_cast<uint64_t>(mask[j] != 0) << (j - j0);
    bits[w] = v;
  }
}

void bits_to_mask_avx2(const uint64_t* bits, int64_t n, int32_t* mask) {
  const __m256i lane = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  for (int64_t j = 0; j < n; j += 8) {
    const uint32_t byte = static_cast<uint32_t>(bits[j >> 6] >> (j & 63)) & 0xffu;  // gates j .. j + 7
    const __m256i b = _mm256_and_si256(_mm256_set1_epi32(static_cast<int>(byte)), lane);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + j), _mm256_cmpeq_epi32(b, lane));
  }
}

void bits_axpy_avx2(const uint64_t* bits, float d, const float* x, float* y, int64_t n) {
  // Gate 8k + i of a 32-bit half word is bit i of lane i after masking with (1 << i) << 8k.
  const __m256i lane = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  const __m256i lanes[4] = {lane, _mm256_slli_epi32(lane, 8), _mm256_slli_epi32(lane, 16), _mm256_slli_epi32(lane, 24)};
  const __m256 dv = _mm256_set1_ps(d);
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    const __m256i half = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(bits[j >> 6] >> (j & 63))));
    for (int k = 0; k < 4; ++k) {
      const __m256 m = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(half, lanes[k]), lanes[k]));
      const int64_t i = j + 8 * k;
      _mm256_storeu_ps(y + i, _mm256_fmadd_ps(dv, _mm256_and_ps(m, _mm256_loadu_ps(x + i)), _mm256_loadu_ps(y + i)));
    }
  }
  for (; j < n; ++j) y[j] = std::fma(d, (bits[j >> 6] >> (j & 63) & 1) ? x[j] : 0.0f, y[j]);
}

namespace {

// Σ_j gate_j·w_j·a_j with the gates of lanes j..j+7 from mask8(j) (all ones = kept). One summation
// order for every source of gates (two accumulators of 16 columns, then 8, then a scalar tail of
// fused multiply-adds), so drawn, given and recorded gates give bit-identical sums.
template <class Mask8, class Mask1>
inline float gated_dot(const float* w, const float* a, int64_t n, const Mask8& mask8, const Mask1& mask1) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0;
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    s0 = _mm256_fmadd_ps(_mm256_and_ps(mask8(j), _mm256_loadu_ps(w + j)), _mm256_loadu_ps(a + j), s0);
    s1 = _mm256_fmadd_ps(_mm256_and_ps(mask8(j + 8), _mm256_loadu_ps(w + j + 8)), _mm256_loadu_ps(a + j + 8), s1);
  }
  if (j + 8 <= n) {
    s0 = _mm256_fmadd_ps(_mm256_and_ps(mask8(j), _mm256_loadu_ps(w + j)), _mm256_loadu_ps(a + j), s0);
    j += 8;
  }
  const __m256 s = _mm256_add_ps(s0, s1);
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  float r = _mm_cvtss_f32(q);
  for (; j < n; ++j) r = std::fma(mask1(j) ? w[j] : 0.0f, a[j], r);
  return r;
}

}  // namespace

float masked_dot_avx2(const int32_t* mask, const float* w, const float* a, int64_t n) {
  return gated_dot(
      w, a, n, [&](int64_t j) { return _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + j))); },
      [&](int64_t j) { return mask[j] != 0; });
}

float gate_dot_avx2(const GateRow& g, const GateThresholds& t, uint32_t* words, const float* w, const float* a,
                    uint64_t* record) {
  const int64_t off = static_cast<int64_t>(g.col0 & 3);
  philox_words_avx2(g.seed, g.stream, g.row, g.col0 >> 2, (off + g.n + 31) / 32, words);
  const uint32_t* wd = words + off;
  const __m256i sign = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  if (record)
    for (int64_t k = 0; k < (g.n + 63) / 64; ++k) record[k] = 0;
  auto mask8 = [&](int64_t j) {
    const __m256i x = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wd + j)), sign);
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.biased + j));
    const __m256i always = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.always + j));
    const __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_cmpgt_epi32(b, x), always));
    if (record) record[j >> 6] |= static_cast<uint64_t>(_mm256_movemask_ps(m)) << (j & 63);
    return m;
  };
  auto mask1 = [&](int64_t j) {
    const bool keep = static_cast<int32_t>(wd[j] ^ 0x80000000u) < t.biased[j] || t.always[j] != 0;
    if (record) record[j >> 6] |= static_cast<uint64_t>(keep) << (j & 63);
    return keep;
  };
  return gated_dot(w, a, g.n, mask8, mask1);
}

void masked_axpy_avx2(const int32_t* mask, float d, const float* x, float* y, int64_t n) {
  const __m256 dv = _mm256_set1_ps(d);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 m = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + j)));
    _mm256_storeu_ps(y + j, _mm256_fmadd_ps(dv, _mm256_and_ps(m, _mm256_loadu_ps(x + j)), _mm256_loadu_ps(y + j)));
  }
  for (; j < n; ++j) y[j] = std::fma(d, mask[j] ? x[j] : 0.0f, y[j]);  // as the vector lanes: replay ≡ redraw
}

}  // namespace cpu
}  // namespace de

#else  // not compiled for AVX2 (e.g. ARM): the portable loops are used.

namespace de {
namespace cpu {
const bool kConnectionAvx2Compiled = false;
void gate_row_avx2(const GateRow&, const GateThresholds&, uint32_t*, int32_t*) {}
void mask_to_bits_avx2(const int32_t*, int64_t, uint64_t*) {}
void bits_to_mask_avx2(const uint64_t*, int64_t, int32_t*) {}
void bits_axpy_avx2(const uint64_t*, float, const float*, float*, int64_t) {}
float masked_dot_avx2(const int32_t*, const float*, const float*, int64_t) { return 0.0f; }
float gate_dot_avx2(const GateRow&, const GateThresholds&, uint32_t*, const float*, const float*, uint64_t*) { return 0.0f; }
void masked_axpy_avx2(const int32_t*, float, const float*, float*, int64_t) {}
}  // namespace cpu
}  // namespace de

#endif
