// AVX2 Philox-4x32-10: eight counters per register, two registers in flight to hide the multiply
// latency. Each 32-bit mulhi is two _mm256_mul_epu32 (even and odd lanes) recombined by blends.
// The four output words are transposed so that bytes come out in column order, compared with the
// per-column thresholds and packed to 0/1 bytes. Compiled with -mavx2 only; chosen at run time.
#include "cpu/philox_simd.h"

#if defined(__AVX2__)
#include <immintrin.h>

#include "common/philox.h"

namespace de {
namespace cpu {

const bool kMaskAvx2Compiled = true;

namespace {

struct RoundKeys {
  __m256i k0[10], k1[10];
};

inline RoundKeys round_keys(uint32_t k0, uint32_t k1) {
  RoundKeys r;
  for (int i = 0; i < 10; ++i) {
    r.k0[i] = _mm256_set1_epi32(static_cast<int>(k0));
    r.k1[i] = _mm256_set1_epi32(static_cast<int>(k1));
    k0 += philox::kWeyl0;
    k1 += philox::kWeyl1;
  }
  return r;
}

inline void mulhilo(__m256i a, __m256i m, __m256i* hi, __m256i* lo) {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

// N independent groups of eight counters; c[n][w] holds word w of the eight counters.
template <int N>
inline void philox_rounds(__m256i (&c)[N][4], const RoundKeys& k) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(philox::kMul0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(philox::kMul1));
  for (int r = 0; r < 10; ++r) {
    for (int n = 0; n < N; ++n) {
      __m256i hi0, lo0, hi1, lo1;
      mulhilo(c[n][0], m0, &hi0, &lo0);
      mulhilo(c[n][2], m1, &hi1, &lo1);
      const __m256i x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c[n][1]), k.k0[r]);
      const __m256i x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c[n][3]), k.k1[r]);
      c[n][0] = x0;
      c[n][1] = lo1;
      c[n][2] = x2;
      c[n][3] = lo0;
    }
  }
}

// Words x[w][lane] → t[i]: t[0] = columns 0-3 | 16-19, t[1] = 4-7 | 20-23, t[2] = 8-11 | 24-27,
// t[3] = 12-15 | 28-31 (column = 4·lane + w), the order of MaskThresholdBlock.
inline void transpose(const __m256i (&x)[4], __m256i (&t)[4]) {
  const __m256i a0 = _mm256_unpacklo_epi32(x[0], x[1]);
  const __m256i a1 = _mm256_unpackhi_epi32(x[0], x[1]);
  const __m256i a2 = _mm256_unpacklo_epi32(x[2], x[3]);
  const __m256i a3 = _mm256_unpackhi_epi32(x[2], x[3]);
  t[0] = _mm256_unpacklo_epi64(a0, a2);
  t[1] = _mm256_unpackhi_epi64(a0, a2);
  t[2] = _mm256_unpacklo_epi64(a1, a3);
  t[3] = _mm256_unpackhi_epi64(a1, a3);
}

inline void store_block(const __m256i (&x)[4], const MaskThresholdBlock& thr, uint8_t* out) {
  const __m256i sign = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  __m256i t[4], keep[4];
  transpose(x, t);
  for (int i = 0; i < 4; ++i) {
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(thr.biased + 8 * i));
    const __m256i always = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(thr.always + 8 * i));
    // word < t  ⇔  (t ^ 2^31) > (word ^ 2^31) as signed integers.
    keep[i] = _mm256_or_si256(_mm256_cmpgt_epi32(b, _mm256_xor_si256(t[i], sign)), always);
  }
  // packs keep the 128-bit halves apart, which is exactly what restores the column order.
  const __m256i p01 = _mm256_packs_epi32(keep[0], keep[1]);
  const __m256i p23 = _mm256_packs_epi32(keep[2], keep[3]);
  const __m256i bytes = _mm256_and_si256(_mm256_packs_epi16(p01, p23), _mm256_set1_epi8(1));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), bytes);
}

inline void load_counters(__m256i (&c)[4], uint32_t first, const MaskBlockArgs& a) {
  c[0] = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(first)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  c[1] = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(a.row)));
  c[2] = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(a.row >> 32)));
  c[3] = _mm256_set1_epi32(static_cast<int>(a.stream));
}

}  // namespace

void mask_blocks_avx2(const MaskBlockArgs& a) {
  const RoundKeys k = round_keys(static_cast<uint32_t>(a.seed), static_cast<uint32_t>(a.seed >> 32));
  // Counter word 0 is (column >> 2) truncated to 32 bits, as in the scalar contract.
  const uint32_t g0 = static_cast<uint32_t>(a.group0);
  const int64_t thrStep = a.uniform ? 0 : 1;
  int64_t b = 0;
  for (; b + 2 <= a.blocks; b += 2) {
    __m256i c[2][4];
    load_counters(c[0], g0 + static_cast<uint32_t>(8 * b), a);
    load_counters(c[1], g0 + static_cast<uint32_t>(8 * (b + 1)), a);
    philox_rounds<2>(c, k);
    store_block(c[0], a.thr[b * thrStep], a.out + 32 * b);
    store_block(c[1], a.thr[(b + 1) * thrStep], a.out + 32 * (b + 1));
  }
  if (b < a.blocks) {
    __m256i c[1][4];
    load_counters(c[0], g0 + static_cast<uint32_t>(8 * b), a);
    philox_rounds<1>(c, k);
    store_block(c[0], a.thr[b * thrStep], a.out + 32 * b);
  }
}

// The transposed words t[0..3] (see transpose) stored in column order: the 128-bit halves hold
// columns 0-3 | 16-19, 4-7 | 20-23, 8-11 | 24-27, 12-15 | 28-31.
inline void store_words(const __m256i (&x)[4], uint32_t* out) {
  __m256i t[4];
  transpose(x, t);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_permute2x128_si256(t[0], t[1], 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8), _mm256_permute2x128_si256(t[2], t[3], 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16), _mm256_permute2x128_si256(t[0], t[1], 0x31));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 24), _mm256_permute2x128_si256(t[2], t[3], 0x31));
}

void philox_words_avx2(uint64_t seed, uint32_t stream, uint64_t row, uint64_t group0, int64_t blocks, uint32_t* out) {
  const RoundKeys k = round_keys(static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
  MaskBlockArgs a;
  a.stream = stream;
  a.row = row;
  const uint32_t g0 = static_cast<uint32_t>(group0);
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2) {
    __m256i c[2][4];
    load_counters(c[0], g0 + static_cast<uint32_t>(8 * b), a);
    load_counters(c[1], g0 + static_cast<uint32_t>(8 * (b + 1)), a);
    philox_rounds<2>(c, k);
    store_words(c[0], out + 32 * b);
    store_words(c[1], out + 32 * (b + 1));
  }
  if (b < blocks) {
    __m256i c[1][4];
    load_counters(c[0], g0 + static_cast<uint32_t>(8 * b), a);
    philox_rounds<1>(c, k);
    store_words(c[0], out + 32 * b);
  }
}

void philox8_avx2(const uint32_t ctr[4][8], uint32_t k0, uint32_t k1, uint32_t out[4][8]) {
  __m256i c[1][4];
  for (int w = 0; w < 4; ++w) c[0][w] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ctr[w]));
  philox_rounds<1>(c, round_keys(k0, k1));
  for (int w = 0; w < 4; ++w) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[w]), c[0][w]);
}

}  // namespace cpu
}  // namespace de

#else  // not compiled for AVX2 (e.g. ARM): the scalar path is used.

namespace de {
namespace cpu {
const bool kMaskAvx2Compiled = false;
void mask_blocks_avx2(const MaskBlockArgs&) {}
void philox_words_avx2(uint64_t, uint32_t, uint64_t, uint64_t, int64_t, uint32_t*) {}
void philox8_avx2(const uint32_t[4][8], uint32_t, uint32_t, uint32_t[4][8]) {}
}  // namespace cpu
}  // namespace de

#endif
