// The moment block kernel, written once as plain loops over the neurons of a row (so the compiler
// vectorises them) and compiled twice: with AVX2+FMA in moments_avx2.cpp, portably in moments_ref.cpp.
// Everything here has internal linkage, so the two builds never mix. Include from one .cpp only.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "cpu/exp_log1p_coeffs.h"
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

// e^(−a) for 0 <= a <= 80 in float32, branch-free: Cephes expf (range reduction by ln 2 in two parts,
// its degree-7 polynomial, here all in Horner form: one step fewer than adding r and 1 apart, same
// accuracy; exponent by integer arithmetic); about 1 ulp.
inline float exp_neg(float a) {
  const float x = -a;
  const float t = x * kLog2e + kExpMagic;  // n + magic: n rounded into the low bits
  const float n = t - kExpMagic;
  const int32_t ni = static_cast<int32_t>(f32_bits(t) - f32_bits(kExpMagic));  // n in [−116, 0]
  float r = x - n * kLn2Hi;
  r = r - n * kLn2Lo;
  const float p = ((((((kExpP[0] * r + kExpP[1]) * r + kExpP[2]) * r + kExpP[3]) * r + kExpP[4]) * r + kExpP[5]) * r + 1.0f) * r +
                  1.0f;
  return p * f32_from_bits(static_cast<uint32_t>(ni + 127) << 23);  // normal for x >= −80
}

// log1p(u) for u = e^(−a) in (0, 1] as 2·atanh(s), s = u / (2 + u) in (0, 1/3]: s·(2 + t·g(t)), t = s²,
// with g a degree-3 minimax fit of (2·atanh(s)/s − 2)/t on [0, 1/9] (relative error 4.7e-9 with
// these float coefficients; the Taylor series needs two more terms for 1.5e-8), so no logarithm and
// no range reduction; relative accuracy is kept for tiny u (the exact asymptote log1p(u) ≈ u for
// large a). About 2e-7 relative in all, mostly from e^(−a) (checked against long double in
// test_moments.cpp).
inline float log1p_small(float u) {
  const float s = u / (2.0f + u);
  const float t = s * s;
  const float g = ((kLog1pG[0] * t + kLog1pG[1]) * t + kLog1pG[2]) * t + kLog1pG[3];
  return s * (g * t + 2.0f);
}

// log1p(exp(−a)), the tail of softplus: softplus(±z) = max(±z, 0) + log1p(e^(−|z|)).
inline float log1p_exp_neg(float a) { return log1p_small(exp_neg(a)); }

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
    if (!a.logs) {
      // Log sums switched off (layers whose outputs are not probabilities): nothing to add.
    } else if (a.z) {
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
