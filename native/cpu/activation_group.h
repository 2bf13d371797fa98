// The logistic unit over a row, written once over a vector ISA V (vec_avx2.h, vec_avx512.h) and
// compiled per ISA (activation_avx2.cpp, activation_avx512.cpp): O = σ(z), z = λ·S − ln c (fused).
// u = e^(−|z|) by exp_neg_v (vec_math.h), then O = (z >= 0 ? 1 : u) / (1 + u): one division, as the
// scalar sigmoid of activations.h, and like it within 3 ulp of σ (2.0 measured). Lanes with
// |z| > 80 or NaN (outside exp_neg_v's range) take the scalar formula, so the result is right there
// too (σ(−100) is the denormal 3.7e-44, not a clamped value); the last n mod kLanes values go
// through a padded copy.
// Include from one .cpp only; internal linkage throughout (see vec_avx2.h).
#include <cmath>
#include <cstdint>

#include "cpu/vec_math.h"

namespace de {
namespace cpu {
namespace {

// activations.h's sigmoid, restated here: instantiating that inline template in an ISA file could
// hand the linker this ISA's copy for every caller.
inline float sigmoid_scalar(float z) {
  if (z >= 0) return 1.0f / (1.0f + std::exp(-z));
  const float e = std::exp(z);
  return e / (1.0f + e);
}

template <class V>
void logistic_row_v(const float* S, float* O, int64_t n, float lambda, float lnC) {
  using F = typename V::F;
  constexpr int kLanes = V::kLanes;
  const F lam = V::set1(lambda), negLnC = V::set1(-lnC), one = V::set1(1.0f), zero = V::set1(0.0f);
  const F limit = V::set1(80.0f);
  // kLanes values from s to o; the lanes out of range take the scalar formula on the same logits.
  auto lanes = [&](const float* s, float* o) {
    const F z = V::fmadd(lam, V::loadu(s), negLnC);  // rounded once, as logit() in activations.h
    const F a = V::abs(z);
    const uint32_t okLanes = V::lane_bits(V::le(a, limit));
    const F u = exp_neg_v<V>(V::min(a, limit));  // min: NaN → 80, no NaN inside
    const F num = V::select(V::le(zero, z), one, u);
    V::storeu(o, V::div(num, V::add(one, u)));
    if (okLanes != (1u << kLanes) - 1u) {
      alignas(64) float zs[kLanes];
      V::store(zs, z);
      for (int l = 0; l < kLanes; ++l)
        if (!(okLanes >> l & 1)) o[l] = sigmoid_scalar(zs[l]);
    }
  };
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) lanes(S + i, O + i);
  if (i < n) {  // the tail, through a padded copy
    alignas(64) float s[kLanes] = {}, o[kLanes];
    for (int64_t j = i; j < n; ++j) s[j - i] = S[j];
    lanes(s, o);
    for (int64_t j = i; j < n; ++j) O[j] = o[j - i];
  }
}

}  // namespace
}  // namespace cpu
}  // namespace de
