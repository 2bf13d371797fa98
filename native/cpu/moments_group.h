// The column-group moment kernel, written once over a vector ISA `V` and compiled per ISA:
// moments_avx2.cpp (8 lanes) and moments_avx512.cpp (16 lanes) each include it after defining V.
// The common cases — logits given (logistic units) or no log sums at all — walk V::kLanes neurons at
// a time down every row of the block, with all sums in registers (no load and store of an
// accumulator per element), min / max in float (exact), and the histogram counts of the group's
// neurons in L1. The other cases (explicit logs, or logs of O in float64) use the portable loops of
// moments_kernel.h compiled for the same ISA. Per neuron the arithmetic is that of the portable
// kernel: rows summed in order, in double, with the same float32 softplus formula; results agree with
// it to float rounding (FMA contraction), and the two ISAs agree with each other the same way.
//
// V provides (all static): F (kLanes floats), D (kLanes / 2 doubles), M (a lane mask), kLanes;
// load(p, width) (lanes past width read as 0), set1, add, sub, mul, div, fmadd (a·b + c),
// fnmadd (c − a·b), fnmsub (−a·b − c), min, max (x86 semantics: the second operand when either is
// NaN), abs, scale_pow2 (p·2^n, given n and t = n + 1.5·2^23), max_bits (max as signed integers),
// le (ordered a <= b), lane_bits, lo / hi (the two halves of F widened to D), dzero, dset1, dadd, dsub, dmul, ddiv, dfmadd, store (kLanes floats, aligned),
// dstore (kLanes / 2 doubles, aligned), lane_base(bins) and bin_indices(x0, x1, a, base, out), which
// writes lane·bins + bin for each lane to out and returns the bits of the NaN lanes, and
// bin_indices_f(x, a, base, out), the same from the floats when float_bins_exact(a) holds.
//
// Everything here has internal linkage, so the builds for different ISAs never mix; and no std::
// inline function is instantiated here (the linker could pick this ISA's copy for a caller on a
// CPU without it). Include from one .cpp only.
#include <immintrin.h>

#include <cmath>
#include <cstdint>

#include "cpu/moments_kernel.h"
#include "cpu/vec_math.h"

namespace de {
namespace cpu {
namespace {

inline int64_t min_i64(int64_t a, int64_t b) { return a < b ? a : b; }

// Bins computed in float equal those computed in double (histogram_bins) when lo = 0 and the scale
// is a power of two: x·2^k is then exact in both (the default [0, 1) with 64 bins has scale 64), and
// the float form takes half the vector work.
inline bool float_bins_exact(const MomentBlockArgs& a) {
  int e = 0;
  return a.lo == 0.0 && std::frexp(a.binScale, &e) == 0.5 && e > -100 && e < 100;
}

// Histogram counts are taken in two steps: pass 1a writes each row's counter indices to a buffer
// (vector code), and a scalar loop adds them up, every kBinRows rows or, with logits, during pass 1b.
// Counting straight from the vector register needs either a store and an immediate reload of each
// index, which does not forward and stalls, or a long chain of extractions; by the time the buffer
// is read its stores have landed.
constexpr int kBinRows = 32;

template <int kLanes>
inline void count_row(uint64_t* h, const int32_t* idx, uint32_t skip) {
  if (skip == 0) {
    for (int i = 0; i < kLanes; ++i) h[idx[i]] += 1;
  } else {  // NaN values (not counted) or lanes past a ragged group's width
    for (int i = 0; i < kLanes; ++i)
      if (!(skip >> i & 1)) h[idx[i]] += 1;
  }
}

template <int kLanes>
inline void count_buffered(uint64_t* h, const int32_t* idx, const uint32_t* skip, int rows) {
  for (int r = 0; r < rows; ++r, idx += kLanes) count_row<kLanes>(h, idx, skip[r]);
}

// softplus(−z) and softplus(z), right in the lanes with |z| <= 80 and anything in the others (NaN
// included). `largest` keeps each lane's largest |z| as an integer max of the bits, in which NaN sorts
// above +inf: a lane that ever left the range is found once, after the walk, and its column redone
// in double. Checking every row instead (a compare, a clamp and a mask) cost 3% of the kernel.
template <class V>
inline void softplus_pair_v(typename V::F z, typename V::F* spNeg, typename V::F* spPos, typename V::F* largest) {
  using F = typename V::F;
  const F zero = V::set1(0.0f);
  const F absZ = V::abs(z);
  const F tail = log1p_small_v<V>(exp_neg_v<V>(absZ));
  *spNeg = V::add(V::max(V::sub(zero, z), zero), tail);
  *spPos = V::add(V::max(z, zero), tail);
  *largest = V::max_bits(*largest, absZ);
}

// The lanes whose largest |z| (softplus_pair_v) stayed within the float formula's range.
template <class V>
inline uint32_t in_range_lanes(typename V::F largest) {
  return V::lane_bits(V::le(largest, V::set1(kFloatLogitLimit)));
}

// Stores the first `width` lanes of the double pair (a = lanes [0, L/2), b = [L/2, L)) at p.
template <class V>
inline void store_doubles(double* p, typename V::D a, typename V::D b, int width) {
  alignas(64) double t[V::kLanes];
  V::dstore(t, a);
  V::dstore(t + V::kLanes / 2, b);
  for (int i = 0; i < width; ++i) p[i] = t[i];
}

// Neurons [j0, j0 + width) of the block, width <= kLanes.
template <class V, bool kLogits, bool kHist>
void group_kernel(const MomentBlockArgs& a, int64_t j0, int width) {
  using F = typename V::F;
  using D = typename V::D;
  constexpr int kLanes = V::kLanes;
  const float* xp = a.x + j0;
  const float* zp = kLogits ? a.z + j0 : nullptr;
  // The groups walk the block column-wise; fetch the lines 128 bytes ahead (the groups after next)
  // into L2 now, so that the strided walk does not wait on memory (a no-op once they are there).
  // Past the chunk's last groups, those lines are the first groups of the block this thread runs
  // next (same neurons, later rows), which would otherwise start cold (8-12% of a 1,000-row add).
  constexpr int kAhead = 32;
  auto ahead = [&](const float* here, const float* next) -> const float* {
    if (j0 + kAhead < a.n) return here + kAhead;
    return next ? next + (j0 + kAhead - a.n) : nullptr;
  };
  const float* aheadX = ahead(xp, a.nextX);
  const float* aheadZ = kLogits ? ahead(zp, a.nextZ) : nullptr;

  // Pass 1a: Σx, min, max, histogram; pass 1b: Σ log σ(z), Σ log σ(−z). Two walks down the rows
  // rather than one: together their sums and temporaries outnumber the 16 AVX2 registers, and the
  // spills (a store and a reload on every row) cost more than the second walk.
  D s0 = V::dzero(), s1 = s0;
  F mn = V::set1(INFINITY), mx = V::set1(-INFINITY);
  const auto base = V::lane_base(a.bins);
  const bool floatBins = kHist && float_bins_exact(a);
  // With logits, the whole block's counts wait for the softplus walk (pass 1b): its floating-point
  // work leaves the load and store units idle, and counting one row per step there fills them (10%
  // off the kernel with the 64-bin histogram). Without logits no walk is heavy enough to hide them.
  constexpr bool defer = kLogits;
  constexpr int kBufferRows = defer ? static_cast<int>(kMomentBlockRows) : kBinRows;
  alignas(64) int32_t binIdx[kHist ? kBufferRows * kLanes : 1];
  uint32_t binSkip[kHist ? kBufferRows : 1];
  const uint32_t pastWidth = width == kLanes ? 0u : ~((1u << width) - 1u);
  int buffered = 0;
  uint64_t* hist = kHist ? a.hist + j0 * a.bins : nullptr;
  // Each row of the walk lies on its own 4 KB page (rows are a whole layer apart), so the hardware
  // prefetchers, which stop at page boundaries, never run ahead of it: every walk also fetches the
  // line kRowsAhead rows down into L1 (and its page into the TLB). In one-process A/B, 5–10% off the
  // kernel at its best call; huge pages, where the prefetchers do run ahead, gave 10–16%.
  constexpr int64_t kRowsAhead = 4;
  const int64_t aheadRows = a.rows - kRowsAhead;
  auto rowAhead = [aheadRows](const float* col, int64_t ld, int64_t r) {
    if (r < aheadRows) _mm_prefetch(reinterpret_cast<const char*>(col + (r + kRowsAhead) * ld), _MM_HINT_T0);
  };
  for (int64_t r = 0; r < a.rows; ++r) {
    if (aheadX) _mm_prefetch(reinterpret_cast<const char*>(aheadX + r * a.ldx), _MM_HINT_T1);
    rowAhead(xp, a.ldx, r);
    const F x = V::load(xp + r * a.ldx, width);
    const D x0 = V::lo(x), x1 = V::hi(x);
    s0 = V::dadd(s0, x0);
    s1 = V::dadd(s1, x1);
    mn = V::min(x, mn);  // x < mn ? x : mn: a NaN x leaves mn
    mx = V::max(x, mx);
    if (kHist) {
      int32_t* out = binIdx + buffered * kLanes;
      binSkip[buffered] = (floatBins ? V::bin_indices_f(x, a, base, out) : V::bin_indices(x0, x1, a, base, out)) | pastWidth;
      if (++buffered == kBinRows && !defer) {
        count_buffered<kLanes>(hist, binIdx, binSkip, buffered);
        buffered = 0;
      }
    }
  }
  if (kHist && !defer) count_buffered<kLanes>(hist, binIdx, binSkip, buffered);
  D lo0 = V::dzero(), lo1 = lo0, l1m0 = lo0, l1m1 = lo0;
  F largest = V::set1(0.0f);
  if (kLogits) {
    for (int64_t r = 0; r < a.rows; ++r) {
      if (aheadZ) _mm_prefetch(reinterpret_cast<const char*>(aheadZ + r * a.ldz), _MM_HINT_T1);
      rowAhead(zp, a.ldz, r);
      F spNeg, spPos;
      softplus_pair_v<V>(V::load(zp + r * a.ldz, width), &spNeg, &spPos, &largest);
      // log σ(z) = −softplus(−z); log(1 − σ(z)) = −softplus(z). Accumulated in double, in row order.
      lo0 = V::dsub(lo0, V::lo(spNeg));
      lo1 = V::dsub(lo1, V::hi(spNeg));
      l1m0 = V::dsub(l1m0, V::lo(spPos));
      l1m1 = V::dsub(l1m1, V::hi(spPos));
      if (kHist && defer) count_row<kLanes>(hist, binIdx + r * kLanes, binSkip[r]);
    }
  }
  const D rows = V::dset1(static_cast<double>(a.rows));
  const D mean0 = V::ddiv(s0, rows), mean1 = V::ddiv(s1, rows);
  store_doubles<V>(a.mean + j0, mean0, mean1, width);
  if (a.logs) {
    alignas(64) double l[kLanes], m[kLanes];
    V::dstore(l, lo0);
    V::dstore(l + kLanes / 2, lo1);
    V::dstore(m, l1m0);
    V::dstore(m + kLanes / 2, l1m1);
    const uint32_t okLanes = in_range_lanes<V>(largest);
    for (int i = 0; i < width; ++i) {
      if (!(okLanes >> i & 1)) {  // |z| > 80, ±inf or NaN somewhere in this column: all of it in double
        l[i] = m[i] = 0.0;
        for (int64_t r = 0; r < a.rows; ++r) {
          double u, v;
          log_sigmoid_pair_double(zp[r * a.ldz + i], &u, &v);
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
  alignas(64) float bmn[kLanes], bmx[kLanes];
  V::store(bmn, mn);
  V::store(bmx, mx);
  for (int i = 0; i < width; ++i) {
    const double v = bmn[i], w = bmx[i], cur = a.mn[j0 + i], curMax = a.mx[j0 + i];
    a.mn[j0 + i] = v < cur ? v : cur;
    a.mx[j0 + i] = w > curMax ? w : curMax;
  }

  // Pass 2: central sums about the block mean (two-pass within the block: no cancellation).
  D m20 = V::dzero(), m21 = m20, m30 = m20, m31 = m20;
  for (int64_t r = 0; r < a.rows; ++r) {
    rowAhead(xp, a.ldx, r);
    const F x = V::load(xp + r * a.ldx, width);
    const D d0 = V::dsub(V::lo(x), mean0), d1 = V::dsub(V::hi(x), mean1);
    const D q0 = V::dmul(d0, d0), q1 = V::dmul(d1, d1);
    m20 = V::dadd(m20, q0);
    m21 = V::dadd(m21, q1);
    m30 = V::dfmadd(q0, d0, m30);
    m31 = V::dfmadd(q1, d1, m31);
  }
  store_doubles<V>(a.m2 + j0, m20, m21, width);
  store_doubles<V>(a.m3 + j0, m30, m31, width);
}

template <class V, bool kLogits, bool kHist>
void grouped(const MomentBlockArgs& a) {
  for (int64_t j0 = 0; j0 < a.n; j0 += V::kLanes)
    group_kernel<V, kLogits, kHist>(a, j0, static_cast<int>(min_i64(V::kLanes, a.n - j0)));
}

template <class V>
void moments_block_v(const MomentBlockArgs& a) {
  const bool logits = a.logs && a.z;
  if (a.logs && !a.z) {
    block_kernel(a);  // explicit logs, or log O and log1p(−O) in double: the portable loops
    return;
  }
  if (a.bins > 0)
    logits ? grouped<V, true, true>(a) : grouped<V, false, true>(a);
  else
    logits ? grouped<V, true, false>(a) : grouped<V, false, false>(a);
}

// The softplus pair for one row (test hook; the same arithmetic as group_kernel).
template <class V>
void log_sigmoid_row_v(const float* z, int64_t n, double* lo, double* l1m) {
  for (int64_t j0 = 0; j0 < n; j0 += V::kLanes) {
    const int width = static_cast<int>(min_i64(V::kLanes, n - j0));
    typename V::F spNeg, spPos;
    typename V::F largest = V::set1(0.0f);
    softplus_pair_v<V>(V::load(z + j0, width), &spNeg, &spPos, &largest);
    alignas(64) float a[V::kLanes], b[V::kLanes];
    V::store(a, spNeg);
    V::store(b, spPos);
    const uint32_t okLanes = in_range_lanes<V>(largest);
    for (int i = 0; i < width; ++i) {
      if (okLanes >> i & 1) {
        lo[j0 + i] = -static_cast<double>(a[i]);
        l1m[j0 + i] = -static_cast<double>(b[i]);
      } else {
        log_sigmoid_pair_double(z[j0 + i], lo + j0 + i, l1m + j0 + i);
      }
    }
  }
}

}  // namespace
}  // namespace cpu
}  // namespace de
