// The scalar forms of the logistic that the portable kernels and the engine share: the stable
// sigmoid and log-sigmoid, and the logit z = λ·S − ln c rounded once as the vector kernels form it.
#pragma once
#include <cmath>

namespace de {

template <typename T> inline T sigmoid(T z) {
  if (z >= 0) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}
// log σ(z) without overflow: −log(1 + e^(−z)).
template <typename T> inline T log_sigmoid(T z) {
  return z >= 0 ? -std::log1p(std::exp(-z)) : z - std::log1p(std::exp(z));
}

// z = λ·S − ln c rounded once, as the vector kernels (fused multiply-add) and the CUDA backend form
// it; S itself when λ = 1 and c = 1.
inline float logit(float lambda, float S, float lnC) { return std::fma(lambda, S, -lnC); }

}  // namespace de
