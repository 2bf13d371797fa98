// Transfer functions of the units, their derivatives, and the stable log forms the losses need.
// The logistic of the paper (Section 3.1) is O = 1/(1 + c·e^(−λS)) = σ(z) with the logit
// z = λS − ln c, so it is computed as a standard sigmoid of z (stable on both sides).
#pragma once
#include <cmath>
#include <cstdint>

#include "core/network_spec.h"
#include "cpu/dispatch.h"
#include "cpu/scalar_math.h"

namespace de {

// Per-layer constants of the logistic: z = lambda·S − lnC.
struct LogisticParams {
  float lambda = 1.0f, lnC = 0.0f;
};
inline LogisticParams logistic_params(const LayerSpec& s) {
  return {static_cast<float>(s.lambda), static_cast<float>(std::log(s.c))};
}
// O = σ(λ·S − ln c) for a row, by the kernel of the dispatch table (cpu/dispatch.h): vectorised
// (AVX-512F or AVX2; cpu/activation_group.h) or the scalar sigmoid (cpu/activation_ref.cpp, other
// CPUs and DE_CPU_KERNEL=ref). All within 3 ulp of σ.
inline void logistic_row(const float* S, float* O, int64_t n, float lambda, float lnC) {
  cpu::dispatch().logistic_row(S, O, n, lambda, lnC);
}

// O = f(S) for one row of `units` values (softmax normalises the row, max-subtracted).
inline void activate_row(const LayerSpec& s, const float* S, float* O, int64_t units) {
  switch (s.activation) {
    case Activation::Logistic: {
      const LogisticParams p = logistic_params(s);
      logistic_row(S, O, units, p.lambda, p.lnC);
      break;
    }
    case Activation::Linear:
      for (int64_t i = 0; i < units; ++i) O[i] = S[i];
      break;
    case Activation::Relu:
      for (int64_t i = 0; i < units; ++i) O[i] = S[i] > 0.0f ? S[i] : 0.0f;
      break;
    case Activation::Tanh:
      for (int64_t i = 0; i < units; ++i) O[i] = std::tanh(S[i]);
      break;
    case Activation::Softmax: {
      float mx = S[0];
      for (int64_t i = 1; i < units; ++i) mx = S[i] > mx ? S[i] : mx;
      double sum = 0;
      for (int64_t i = 0; i < units; ++i) {
        O[i] = std::exp(S[i] - mx);
        sum += O[i];
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t i = 0; i < units; ++i) O[i] *= inv;
      break;
    }
  }
}

// log-softmax of one row into out (stable: S − max − log Σ e^(S − max)).
inline void log_softmax_row(const float* S, double* out, int64_t units) {
  double mx = S[0];
  for (int64_t i = 1; i < units; ++i) mx = S[i] > mx ? S[i] : mx;
  double sum = 0;
  for (int64_t i = 0; i < units; ++i) sum += std::exp(S[i] - mx);
  const double lse = mx + std::log(sum);
  for (int64_t i = 0; i < units; ++i) out[i] = S[i] - lse;
}

// dS = dO ⊙ f′(S) for one row, in place on d (d holds dO on entry). Softmax uses its Jacobian:
// dS_i = O_i·(dO_i − Σ_k dO_k·O_k).
inline void derivative_row(const LayerSpec& s, const float* S, const float* O, float* d, int64_t units) {
  switch (s.activation) {
    case Activation::Logistic: {
      const float lam = static_cast<float>(s.lambda);
      for (int64_t i = 0; i < units; ++i) d[i] *= lam * O[i] * (1.0f - O[i]);
      break;
    }
    case Activation::Linear:
      break;
    case Activation::Relu:
      for (int64_t i = 0; i < units; ++i) d[i] = S[i] > 0.0f ? d[i] : 0.0f;
      break;
    case Activation::Tanh:
      for (int64_t i = 0; i < units; ++i) d[i] *= 1.0f - O[i] * O[i];
      break;
    case Activation::Softmax: {
      double dot = 0;
      for (int64_t i = 0; i < units; ++i) dot += static_cast<double>(d[i]) * O[i];
      const float fd = static_cast<float>(dot);
      for (int64_t i = 0; i < units; ++i) d[i] = O[i] * (d[i] - fd);
      break;
    }
  }
}

}  // namespace de
