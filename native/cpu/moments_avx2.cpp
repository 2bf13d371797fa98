// The moment block kernel for AVX2+FMA, chosen at run time. The common cases — logits given (logistic
// units) or no log sums at all — take a column-group kernel: eight neurons at a time down every row of
// the block, with all sums held in registers (no load and store of an accumulator per element), the
// two passes over the group's rows back to back while those rows are in L1, min / max in float (exact)
// and the histogram counts of the eight neurons (8·bins words) in L1 as well. The other cases
// (explicit logs, or logs of O in float64) use the portable loops of moments_kernel.h compiled for
// AVX2. Per neuron the arithmetic is that of the portable kernel: rows summed in order, in double,
// with the same float32 softplus formula; results agree with it to float rounding (FMA contraction).
#include "cpu/moments_simd.h"

#if defined(__AVX2__)
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "cpu/moments_kernel.h"

namespace de {
namespace cpu {

const bool kMomentsAvx2Compiled = true;

namespace {

constexpr int kGroup = 8;  // neurons per column group: one float register

// exp_neg (moments_kernel.h), eight lanes, with −a folded into the fused multiply-adds and the
// exponent 2^n taken from the low bits of the rounded t directly (the magic's own bits shift out).
inline __m256 exp_neg8(__m256 a) {
  const __m256 magic = _mm256_set1_ps(12582912.0f);
  const __m256 t = _mm256_fnmadd_ps(a, _mm256_set1_ps(1.44269504088896341f), magic);  // n + magic
  const __m256 n = _mm256_sub_ps(t, magic);
  __m256 r = _mm256_fnmsub_ps(n, _mm256_set1_ps(0.693359375f), a);  // −a − n·ln2 (two parts)
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(1.9875691500e-4f), r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
  const __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(scale));
}

// log1p_small (moments_kernel.h), eight lanes: 2·atanh(s) = s·(2 + t·P(t)), s = u / (2 + u), t = s².
inline __m256 log1p_small8(__m256 u) {
  const __m256 s = _mm256_div_ps(u, _mm256_add_ps(_mm256_set1_ps(2.0f), u));
  const __m256 t = _mm256_mul_ps(s, s);
  __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(2.0f / 13), t, _mm256_set1_ps(2.0f / 11));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(2.0f / 9));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(2.0f / 7));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(2.0f / 5));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(2.0f / 3));
  return _mm256_mul_ps(s, _mm256_fmadd_ps(p, t, _mm256_set1_ps(2.0f)));
}

// softplus(−z) and softplus(z) in the lanes with |z| <= 80, 0 in the others (NaN included); `allOk`
// keeps the lanes that stayed in range, the others take the exact double path afterwards.
inline void softplus_pair8(__m256 z, __m256* spNeg, __m256* spPos, __m256* allOk) {
  const __m256 zero = _mm256_setzero_ps(), limit = _mm256_set1_ps(kFloatLogitLimit);
  const __m256 absZ = _mm256_and_ps(z, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
  const __m256 ok = _mm256_cmp_ps(absZ, limit, _CMP_LE_OQ);
  const __m256 tail = log1p_small8(exp_neg8(_mm256_min_ps(absZ, limit)));  // min: NaN → 80, no NaN inside
  *spNeg = _mm256_and_ps(ok, _mm256_add_ps(_mm256_max_ps(_mm256_sub_ps(zero, z), zero), tail));
  *spPos = _mm256_and_ps(ok, _mm256_add_ps(_mm256_max_ps(z, zero), tail));
  *allOk = _mm256_and_ps(*allOk, ok);
}

inline __m256d lo_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
inline __m256d hi_pd(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }

// Stores the first `width` lanes of the double pair (a = lanes 0-3, b = lanes 4-7) at p.
inline void store_pd8(double* p, __m256d a, __m256d b, int width) {
  if (width == kGroup) {
    _mm256_storeu_pd(p, a);
    _mm256_storeu_pd(p + 4, b);
    return;
  }
  alignas(32) double t[kGroup];
  _mm256_store_pd(t, a);
  _mm256_store_pd(t + 4, b);
  for (int i = 0; i < width; ++i) p[i] = t[i];
}

// Histogram bins of eight values (as in histogram_bins): floor((x − lo)·scale) clamped, NaN skipped.
// The flat counter indices (lane·bins + bin) reach general registers by extraction rather than
// through a stored array: 4-byte loads from a just-stored vector stalled each count.
inline void count_bins(__m256d x0, __m256d x1, const MomentBlockArgs& a, __m128i laneBase, int64_t j0, int width) {
  const __m256d lo = _mm256_set1_pd(a.lo), scale = _mm256_set1_pd(a.binScale);
  const __m256d zero = _mm256_setzero_pd(), top = _mm256_set1_pd(a.bins - 1);
  const __m256d t0 = _mm256_mul_pd(_mm256_sub_pd(x0, lo), scale);
  const __m256d t1 = _mm256_mul_pd(_mm256_sub_pd(x1, lo), scale);
  // max_pd(t, 0) is t > 0 ? t : 0 (NaN → 0), min_pd(c, top) is c < top ? c : top.
  const __m128i b0 = _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(t0, zero), top));
  const __m128i b1 = _mm256_cvttpd_epi32(_mm256_min_pd(_mm256_max_pd(t1, zero), top));
  const int nan = _mm256_movemask_pd(_mm256_cmp_pd(t0, t0, _CMP_UNORD_Q)) |
                  (_mm256_movemask_pd(_mm256_cmp_pd(t1, t1, _CMP_UNORD_Q)) << 4);
  uint64_t* h = a.hist + j0 * a.bins;
  if (nan == 0 && width == kGroup) {
    // laneBase = (0, 1, 2, 3)·bins: counter of lane i at h[i·bins + bin].
    const __m128i f0 = _mm_add_epi32(b0, laneBase);
    const __m128i f1 = _mm_add_epi32(b1, _mm_add_epi32(laneBase, _mm_set1_epi32(4 * a.bins)));
    const uint64_t q0 = static_cast<uint64_t>(_mm_cvtsi128_si64(f0)), q1 = static_cast<uint64_t>(_mm_extract_epi64(f0, 1));
    const uint64_t q2 = static_cast<uint64_t>(_mm_cvtsi128_si64(f1)), q3 = static_cast<uint64_t>(_mm_extract_epi64(f1, 1));
    h[static_cast<uint32_t>(q0)] += 1;
    h[q0 >> 32] += 1;
    h[static_cast<uint32_t>(q1)] += 1;
    h[q1 >> 32] += 1;
    h[static_cast<uint32_t>(q2)] += 1;
    h[q2 >> 32] += 1;
    h[static_cast<uint32_t>(q3)] += 1;
    h[q3 >> 32] += 1;
    return;
  }
  alignas(16) int32_t bin[kGroup];
  _mm_store_si128(reinterpret_cast<__m128i*>(bin), b0);
  _mm_store_si128(reinterpret_cast<__m128i*>(bin + 4), b1);
  for (int i = 0; i < width; ++i, h += a.bins)
    if (!(nan >> i & 1)) h[bin[i]] += 1;
}

// Neurons [j0, j0 + width) of the block, width <= 8 (a ragged last group is read with masked loads,
// the lanes past width read as 0 and are never stored).
template <bool kLogits, bool kHist>
void group_kernel(const MomentBlockArgs& a, int64_t j0, int width) {
  const __m256i laneMask = _mm256_cmpgt_epi32(_mm256_set1_epi32(width), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  auto load = [&](const float* p) { return width == kGroup ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, laneMask); };
  const float* xp = a.x + j0;
  const float* zp = kLogits ? a.z + j0 : nullptr;

  // The groups walk the block column-wise; fetch the lines of the groups four ahead into L2 now, so
  // that the strided walk does not wait on memory (a no-op once they are there).
  const bool prefetchAhead = j0 + 4 * kGroup < a.n;

  // Pass 1a: Σx, min, max, histogram; pass 1b: Σ log σ(z), Σ log σ(−z). Two walks down the rows
  // rather than one: together their sums and temporaries outnumber the 16 vector registers, and the
  // spills (a store and a reload on every row) cost more than the second walk.
  __m256d s0 = _mm256_setzero_pd(), s1 = s0;
  __m256 mn = _mm256_set1_ps(INFINITY), mx = _mm256_set1_ps(-INFINITY);
  const __m128i laneBase = _mm_mullo_epi32(_mm_setr_epi32(0, 1, 2, 3), _mm_set1_epi32(a.bins));
  for (int64_t r = 0; r < a.rows; ++r) {
    if (prefetchAhead) _mm_prefetch(reinterpret_cast<const char*>(xp + r * a.ldx + 4 * kGroup), _MM_HINT_T1);
    const __m256 x = load(xp + r * a.ldx);
    const __m256d x0 = lo_pd(x), x1 = hi_pd(x);
    s0 = _mm256_add_pd(s0, x0);
    s1 = _mm256_add_pd(s1, x1);
    mn = _mm256_min_ps(x, mn);  // x < mn ? x : mn: a NaN x leaves mn
    mx = _mm256_max_ps(x, mx);
    if (kHist) count_bins(x0, x1, a, laneBase, j0, width);
  }
  __m256d lo0 = _mm256_setzero_pd(), lo1 = lo0, l1m0 = lo0, l1m1 = lo0;
  __m256 allOk = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  if (kLogits) {
    for (int64_t r = 0; r < a.rows; ++r) {
      if (prefetchAhead) _mm_prefetch(reinterpret_cast<const char*>(zp + r * a.ldz + 4 * kGroup), _MM_HINT_T1);
      __m256 spNeg, spPos;
      softplus_pair8(load(zp + r * a.ldz), &spNeg, &spPos, &allOk);
      // log σ(z) = −softplus(−z); log(1 − σ(z)) = −softplus(z). Accumulated in double, in row order.
      lo0 = _mm256_sub_pd(lo0, lo_pd(spNeg));
      lo1 = _mm256_sub_pd(lo1, hi_pd(spNeg));
      l1m0 = _mm256_sub_pd(l1m0, lo_pd(spPos));
      l1m1 = _mm256_sub_pd(l1m1, hi_pd(spPos));
    }
  }
  const __m256d rows = _mm256_set1_pd(static_cast<double>(a.rows));
  const __m256d mean0 = _mm256_div_pd(s0, rows), mean1 = _mm256_div_pd(s1, rows);
  store_pd8(a.mean + j0, mean0, mean1, width);
  if (a.logs) {
    alignas(32) double l[kGroup], m[kGroup];
    _mm256_store_pd(l, lo0);
    _mm256_store_pd(l + 4, lo1);
    _mm256_store_pd(m, l1m0);
    _mm256_store_pd(m + 4, l1m1);
    const int badLanes = ~_mm256_movemask_ps(allOk);
    for (int i = 0; i < width; ++i) {
      if (badLanes >> i & 1) {  // |z| > 80, ±inf or NaN somewhere in this column: exact double path
        for (int64_t r = 0; r < a.rows; ++r) {
          const float z = zp[r * a.ldz + i];
          if (std::fabs(z) <= kFloatLogitLimit) continue;
          double u, v;
          log_sigmoid_pair_double(z, &u, &v);
          l[i] += u;
          m[i] += v;
        }
      }
      a.sumLog[j0 + i] = l[i];
      a.sumLog1m[j0 + i] = m[i];
    }
  } else {
    for (int i = 0; i < width; ++i) a.sumLog[j0 + i] = a.sumLog1m[j0 + i] = 0.0;
  }
  alignas(32) float bmn[kGroup], bmx[kGroup];
  _mm256_store_ps(bmn, mn);
  _mm256_store_ps(bmx, mx);
  for (int i = 0; i < width; ++i) {
    const double v = bmn[i], w = bmx[i], cur = a.mn[j0 + i], curMax = a.mx[j0 + i];
    a.mn[j0 + i] = v < cur ? v : cur;
    a.mx[j0 + i] = w > curMax ? w : curMax;
  }

  // Pass 2: central sums about the block mean (two-pass within the block: no cancellation).
  __m256d m20 = _mm256_setzero_pd(), m21 = m20, m30 = m20, m31 = m20;
  for (int64_t r = 0; r < a.rows; ++r) {
    const __m256 x = load(xp + r * a.ldx);
    const __m256d d0 = _mm256_sub_pd(lo_pd(x), mean0), d1 = _mm256_sub_pd(hi_pd(x), mean1);
    const __m256d q0 = _mm256_mul_pd(d0, d0), q1 = _mm256_mul_pd(d1, d1);
    m20 = _mm256_add_pd(m20, q0);
    m21 = _mm256_add_pd(m21, q1);
    m30 = _mm256_fmadd_pd(q0, d0, m30);
    m31 = _mm256_fmadd_pd(q1, d1, m31);
  }
  store_pd8(a.m2 + j0, m20, m21, width);
  store_pd8(a.m3 + j0, m30, m31, width);
}

template <bool kLogits, bool kHist>
void grouped(const MomentBlockArgs& a) {
  for (int64_t j0 = 0; j0 < a.n; j0 += kGroup)
    group_kernel<kLogits, kHist>(a, j0, static_cast<int>(std::min<int64_t>(kGroup, a.n - j0)));
}

// The eight-lane softplus pair for one row (test hook; the same arithmetic as group_kernel).
void log_sigmoid_row8(const float* z, int64_t n, double* lo, double* l1m) {
  for (int64_t j0 = 0; j0 < n; j0 += kGroup) {
    const int width = static_cast<int>(std::min<int64_t>(kGroup, n - j0));
    const __m256i laneMask = _mm256_cmpgt_epi32(_mm256_set1_epi32(width), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 spNeg, spPos, allOk = _mm256_setzero_ps();
    softplus_pair8(_mm256_maskload_ps(z + j0, laneMask), &spNeg, &spPos, &allOk);
    alignas(32) float a[kGroup], b[kGroup];
    _mm256_store_ps(a, spNeg);
    _mm256_store_ps(b, spPos);
    for (int i = 0; i < width; ++i) {
      if (std::fabs(z[j0 + i]) <= kFloatLogitLimit) {
        lo[j0 + i] = -static_cast<double>(a[i]);
        l1m[j0 + i] = -static_cast<double>(b[i]);
      } else {
        log_sigmoid_pair_double(z[j0 + i], lo + j0 + i, l1m + j0 + i);
      }
    }
  }
}

}  // namespace

void moments_block_avx2(const MomentBlockArgs& a) {
  const bool logits = a.logs && a.z;
  if (a.logs && !a.z) {
    block_kernel(a);  // explicit logs, or log O and log1p(−O) in double: the portable loops
    return;
  }
  if (a.bins > 0)
    logits ? grouped<true, true>(a) : grouped<false, true>(a);
  else
    logits ? grouped<true, false>(a) : grouped<false, false>(a);
}

void log_sigmoid_pair_avx2(const float* z, int64_t n, double* logO, double* log1mO) { log_sigmoid_row8(z, n, logO, log1mO); }

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
