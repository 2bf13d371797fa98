// The moment block kernel, written once as plain loops over the neurons of a row (so the compiler
// vectorises them) and compiled twice: with AVX2+FMA in moments_avx2.cpp, portably in moments.cpp.
// Everything here has internal linkage, so the two builds never mix. Include from one .cpp only.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "cpu/moments_simd.h"

namespace de {
namespace cpu {
namespace {

inline float f32_from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline uint32_t lane_mask(bool c) { return 0u - static_cast<uint32_t>(c); }
inline float keep_if(uint32_t mask, float x) { return f32_from_bits(f32_bits(x) & mask); }  // x or +0
inline double select_f64(bool c, double a, double b) {  // c ? a : b without a branch
  const uint64_t m = 0ull - static_cast<uint64_t>(c);
  uint64_t ua, ub;
  std::memcpy(&ua, &a, 8);
  std::memcpy(&ub, &b, 8);
  const uint64_t r = (ua & m) | (ub & ~m);
  double d;
  std::memcpy(&d, &r, 8);
  return d;
}

// Histogram bin of each value of a row: floor((x − lo)·scale) clamped to [0, bins − 1], −1 for NaN.
inline void histogram_bins(const float* x, int64_t n, double lo, double scale, int bins, int32_t* bin) {
  const double top = bins - 1;
  for (int64_t j = 0; j < n; ++j) {
    const double t = (static_cast<double>(x[j]) - lo) * scale;
    double c = select_f64(t > 0.0, t, 0.0);  // NaN → 0 here, flagged below
    c = select_f64(c < top, c, top);
    const int32_t b = static_cast<int32_t>(c);
    const int32_t isNumber = -static_cast<int32_t>(t == t);  // all ones, or 0 for NaN
    bin[j] = (b & isNumber) | ~isNumber;
  }
}

// log1p(exp(−a)) for 0 <= a <= 80 in float32, branch-free: Cephes expf (range reduction by ln 2 in
// two parts, degree-6 polynomial) then log1p(e) = log(u) + (e − (u − 1))/u with u = 1 + e rounded and
// Cephes logf on u = 2^k·m, m ∈ [√½, √2). About 1e-7 relative error (checked against double).
inline float log1p_exp_neg(float a) {
  const float x = -a;
  const float magic = 12582912.0f;  // 1.5·2^23: x·log2(e) + magic rounds to an integer in the low bits
  const float t = x * 1.44269504088896341f + magic;
  const float n = t - magic;
  const int32_t ni = static_cast<int32_t>(f32_bits(t) - f32_bits(magic));  // n in [−116, 0]
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  const float rr = r * r;
  const float p = (((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r + 4.1665795894e-2f) * r +
                    1.6666665459e-1f) * r + 5.0000001201e-1f) * rr + r + 1.0f;
  const float e = p * f32_from_bits(static_cast<uint32_t>(ni + 127) << 23);  // e^x, normal for x >= −80

  const float u = 1.0f + e;
  // The part of e lost when rounding 1 + e, divided by u; 2 − u = 1/u to second order in e, and the
  // correction is at most half an ulp of u, so the error is below 2e-8 relative (no division).
  const float corr = (e - (u - 1.0f)) * (2.0f - u);
  // u > √2: halve u (exponent − 1) and add ln 2. Integer masks, not float selects: GCC turns a float
  // select into a branch under -ftrapping-math, which would stop the loop from vectorising.
  const uint32_t high = lane_mask(u > 1.41421356f);
  const float m = f32_from_bits(f32_bits(u) - (high & 0x00800000u));
  const float k = f32_from_bits(high & 0x3f800000u);  // 1.0f or 0.0f
  const float f = m - 1.0f;  // exact (Sterbenz)
  const float ff = f * f;
  const float P = ((((((((7.0376836292e-2f * f - 1.1514610310e-1f) * f + 1.1676998740e-1f) * f - 1.2420140846e-1f) * f +
                       1.4249322787e-1f) * f - 1.6668057665e-1f) * f + 2.0000714765e-1f) * f - 2.4999993993e-1f) * f +
                   3.3333331174e-1f);
  const float y = f * ff * P + k * -2.12194440e-4f - 0.5f * ff;
  return ((f + y) + k * 0.693359375f) + corr;
}

// Exact double path for logits the float kernel does not take (|z| > 80, ±inf, NaN).
inline void log_sigmoid_pair_double(double z, double* lo, double* l1m) {
  const double tail = std::log1p(std::exp(-std::fabs(z)));
  *lo = -((z < 0 ? -z : 0.0) + tail);
  *l1m = -((z > 0 ? z : 0.0) + tail);
}

constexpr float kFloatLogitLimit = 80.0f;

// Adds log σ(z_j) to lo[j] and log σ(−z_j) to l1m[j]; returns true when some z_j was left out
// (|z| > 80 or NaN), which the caller then adds in double.
inline bool add_log_sigmoid_row(const float* z, int64_t n, double* lo, double* l1m) {
  int skipped = 0;
  for (int64_t j = 0; j < n; ++j) {
    // Branch-free so that the loop vectorises: float selects are integer masks (under
    // -ftrapping-math GCC turns a float select feeding a conversion into a branch); lanes that are
    // not ok compute with z = 0 and are masked to 0.
    const float zj = z[j];
    const bool ok = std::fabs(zj) <= kFloatLogitLimit;
    const uint32_t okMask = lane_mask(ok);
    const float zc = keep_if(okMask, zj);
    const float tail = log1p_exp_neg(std::fabs(zc));
    // softplus(∓z) = max(∓z, 0) + log1p(e^−|z|) in float32 (≤ 1 ulp more), zero in lanes not ok.
    const float spNeg = keep_if(okMask, keep_if(lane_mask(zc < 0.0f), -zc) + tail);
    const float spPos = keep_if(okMask, keep_if(lane_mask(zc > 0.0f), zc) + tail);
    // log σ(z) = −softplus(−z); log(1 − σ(z)) = log σ(−z) = −softplus(z). Accumulated in double.
    lo[j] -= static_cast<double>(spNeg);
    l1m[j] -= static_cast<double>(spPos);
    skipped |= ok ? 0 : 1;
  }
  return skipped != 0;
}

inline void add_log_sigmoid_fixup(const float* z, int64_t n, double* lo, double* l1m) {
  for (int64_t j = 0; j < n; ++j) {
    if (std::fabs(z[j]) <= kFloatLogitLimit) continue;
    double a, b;
    log_sigmoid_pair_double(z[j], &a, &b);
    lo[j] += a;
    l1m[j] += b;
  }
}

inline void block_kernel(const MomentBlockArgs& a) {
  const int64_t n = a.n;
  double* s = a.mean;
  for (int64_t j = 0; j < n; ++j) s[j] = a.m2[j] = a.m3[j] = a.sumLog[j] = a.sumLog1m[j] = 0.0;

  // Pass 1: sums, min, max, logs, histogram.
  for (int64_t r = 0; r < a.rows; ++r) {
    const float* x = a.x + r * a.ldx;
    double* mn = a.mn;
    double* mx = a.mx;
    for (int64_t j = 0; j < n; ++j) {
      const double v = x[j];
      s[j] += v;
      mn[j] = v < mn[j] ? v : mn[j];
      mx[j] = v > mx[j] ? v : mx[j];
    }
    if (a.z) {
      const float* z = a.z + r * a.ldz;
      if (add_log_sigmoid_row(z, n, a.sumLog, a.sumLog1m)) add_log_sigmoid_fixup(z, n, a.sumLog, a.sumLog1m);
    } else {
      if (a.logO) {
        const float* l = a.logO + r * a.ldx;
        for (int64_t j = 0; j < n; ++j) a.sumLog[j] += l[j];
      } else {
        for (int64_t j = 0; j < n; ++j) a.sumLog[j] += std::log(static_cast<double>(x[j]));
      }
      if (a.log1mO) {
        const float* l = a.log1mO + r * a.ldx;
        for (int64_t j = 0; j < n; ++j) a.sumLog1m[j] += l[j];
      } else {
        for (int64_t j = 0; j < n; ++j) a.sumLog1m[j] += std::log1p(-static_cast<double>(x[j]));
      }
    }
    if (a.bins > 0) {
      int32_t bin[kMomentChunk];
      histogram_bins(x, n, a.lo, a.binScale, a.bins, bin);
      for (int64_t j = 0; j < n; ++j)
        if (bin[j] >= 0) a.hist[j * a.bins + bin[j]] += 1;  // NaN is not counted
    }
  }

  // Pass 2: central sums about the block mean (two-pass within the block: no cancellation).
  const double rows = static_cast<double>(a.rows);
  for (int64_t j = 0; j < n; ++j) s[j] /= rows;
  for (int64_t r = 0; r < a.rows; ++r) {
    const float* x = a.x + r * a.ldx;
    for (int64_t j = 0; j < n; ++j) {
      const double d = static_cast<double>(x[j]) - s[j];
      const double d2 = d * d;
      a.m2[j] += d2;
      a.m3[j] += d2 * d;
    }
  }
}

inline void log_sigmoid_pair_kernel(const float* z, int64_t n, double* lo, double* l1m) {
  for (int64_t j = 0; j < n; ++j) lo[j] = l1m[j] = 0.0;
  if (add_log_sigmoid_row(z, n, lo, l1m)) add_log_sigmoid_fixup(z, n, lo, l1m);
}

}  // namespace
}  // namespace cpu
}  // namespace de
