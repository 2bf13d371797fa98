// AVX2 versions of the validation scans (cpu/scan_simd.h). A block of 128 floats (or 256 bytes) is
// tested with four independent vector chains and one branch; only a block with a hit is searched
// element by element, so the result is the first offending index, as in the portable loops.
#include "cpu/scan_simd.h"

#if defined(__AVX2__)
#include <immintrin.h>

namespace de {
namespace cpu {

const bool kScanAvx2Compiled = true;

namespace {

inline bool non_finite_bits(uint32_t bits) { return (bits & 0x7f800000u) == 0x7f800000u; }

int64_t first_non_finite_scalar(const float* x, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    uint32_t bits;
    __builtin_memcpy(&bits, x + i, sizeof bits);
    if (non_finite_bits(bits)) return i;
  }
  return -1;
}

int64_t first_not_binary_scalar(const uint8_t* x, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i)
    if (x[i] > 1) return i;
  return -1;
}

}  // namespace

int64_t first_non_finite_avx2(const float* x, int64_t n) {
  constexpr int64_t kBlock = 128;
  // Exponent bits all ones ⇔ NaN or ±Inf: (bits & exp) == exp, as 32-bit integer compares.
  const __m256i exp = _mm256_set1_epi32(0x7f800000);
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    __m256i hit0 = _mm256_setzero_si256(), hit1 = hit0, hit2 = hit0, hit3 = hit0;
    for (int64_t j = i; j < i + kBlock; j += 32) {
      const __m256i v0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + j));
      const __m256i v1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + j + 8));
      const __m256i v2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + j + 16));
      const __m256i v3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + j + 24));
      hit0 = _mm256_or_si256(hit0, _mm256_cmpeq_epi32(_mm256_and_si256(v0, exp), exp));
      hit1 = _mm256_or_si256(hit1, _mm256_cmpeq_epi32(_mm256_and_si256(v1, exp), exp));
      hit2 = _mm256_or_si256(hit2, _mm256_cmpeq_epi32(_mm256_and_si256(v2, exp), exp));
      hit3 = _mm256_or_si256(hit3, _mm256_cmpeq_epi32(_mm256_and_si256(v3, exp), exp));
    }
    const __m256i hit = _mm256_or_si256(_mm256_or_si256(hit0, hit1), _mm256_or_si256(hit2, hit3));
    if (!_mm256_testz_si256(hit, hit)) return first_non_finite_scalar(x, i, i + kBlock);
  }
  return first_non_finite_scalar(x, i, n);
}

int64_t first_not_binary_avx2(const uint8_t* x, int64_t n) {
  constexpr int64_t kBlock = 256;
  // A byte above 1 has a bit of 0xFE set.
  const __m256i high = _mm256_set1_epi8(static_cast<char>(0xFE));
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    __m256i any = _mm256_setzero_si256(), any1 = any;
    for (int64_t j = i; j < i + kBlock; j += 64) {
      any = _mm256_or_si256(any, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + j)));
      any1 = _mm256_or_si256(any1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + j + 32)));
    }
    const __m256i all = _mm256_or_si256(any, any1);
    if (!_mm256_testz_si256(all, high)) return first_not_binary_scalar(x, i, i + kBlock);
  }
  return first_not_binary_scalar(x, i, n);
}

}  // namespace cpu
}  // namespace de

#else  // not an AVX2 build (e.g. ARM): core/finite.cpp uses its portable loops.

namespace de {
namespace cpu {
const bool kScanAvx2Compiled = false;
int64_t first_non_finite_avx2(const float*, int64_t) { return -1; }
int64_t first_not_binary_avx2(const uint8_t*, int64_t) { return -1; }
}  // namespace cpu
}  // namespace de

#endif
