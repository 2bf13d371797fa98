// The logistic row: each build this CPU runs (AVX-512F, AVX2, portable) against σ in double, within
// 3 ulp over a dense sweep of logits (the scalar e/(1 + e) with expf itself reaches 2.1), exact at the special values (±∞, NaN, −0, |z| > 80 where the
// scalar formula takes over), for any length (the n mod lanes tail) and for λ ≠ 1, c ≠ 1.
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <algorithm>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/activations.h"
#include "cpu/activation_simd.h"
#include "cpu/kernels.h"
#include "cpu/activation_simd.h"
#include "cpu/scan_simd.h"
#include "tests/kernel_variants.h"
#include "tests/test_framework.h"

namespace {

using RowFn = void (*)(const float*, float*, int64_t, float, float);

struct Kernel {
  const char* name;
  RowFn fn;
};

std::vector<Kernel> kernels_here() {
  std::vector<Kernel> k{{"portable", de::cpu::logistic_row_portable}, {"dispatch", de::logistic_row}};
  if (de::cpu::kActivationAvx2Compiled && de::cpu::cpu_has_avx2_fma()) k.push_back({"avx2", de::cpu::logistic_row_avx2});
  if (de::cpu::kActivationAvx512Compiled && de::cpu::cpu_has_avx512f()) k.push_back({"avx512", de::cpu::logistic_row_avx512});
  return k;
}

double sigmoid_exact(double z) { return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z)); }

// Distance in units of the float spacing at the exact value (denormals: the smallest spacing).
double ulps(float got, double want) {
  const double spacing = std::ldexp(1.0, std::max(std::ilogb(want), -126) - 23);
  return std::fabs(static_cast<double>(got) - want) / spacing;
}

}  // namespace

TEST(logistic_row_within_3_ulp_of_exact_on_every_build) {
  std::vector<float> S;
  for (float z = -110.0f; z <= 110.0f; z += 0.01370f) S.push_back(z);
  for (float z : {0.0f, -0.0f, 1e-30f, -1e-30f, 79.99f, -79.99f, 80.0f, -80.0f, 80.01f, -80.01f, 87.0f, -87.0f, 103.0f, -103.0f})
    S.push_back(z);
  for (const auto& [lambda, c] : {std::pair<float, double>{1.0f, 1.0}, {2.5f, 3.0}, {0.5f, 0.2}}) {
    const float lnC = static_cast<float>(std::log(c));
    for (const Kernel& k : kernels_here()) {
      std::vector<float> O(S.size(), -1.0f);
      k.fn(S.data(), O.data(), static_cast<int64_t>(S.size()), lambda, lnC);
      double worst = 0;
      for (size_t i = 0; i < S.size(); ++i) {
        const float z = std::fma(lambda, S[i], -lnC);  // the logit as the kernels form it (rounded once)
        const double want = sigmoid_exact(z);
        const double e = ulps(O[i], want);
        worst = std::max(worst, e);
        CHECK_MSG(e <= 3.0, k.name << ": σ(" << z << ") = " << O[i] << " vs " << want << " (" << e << " ulp)");
      }
      std::printf("  %s, lambda %g, c %g: worst %.2f ulp\n", k.name, lambda, c, worst);
    }
  }
}

TEST(logistic_row_special_values_and_every_tail_length) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (const Kernel& k : kernels_here()) {
    for (int64_t n = 1; n <= 40; ++n) {
      std::vector<float> S(static_cast<size_t>(n)), O(static_cast<size_t>(n), -1.0f);
      const float special[] = {inf, -inf, nan, -0.0f, -100.0f, 100.0f, 0.75f};
      for (int64_t i = 0; i < n; ++i) S[i] = special[i % 7];
      k.fn(S.data(), O.data(), n, 1.0f, 0.0f);
      for (int64_t i = 0; i < n; ++i) {
        switch (i % 7) {
          case 0: CHECK_MSG(O[i] == 1.0f, k.name << " n " << n); break;
          case 1: CHECK_MSG(O[i] == 0.0f, k.name << " n " << n); break;
          case 2: CHECK_MSG(std::isnan(O[i]), k.name << " n " << n); break;
          case 3: CHECK_MSG(O[i] == 0.5f, k.name << " n " << n); break;
          case 4: CHECK_MSG(O[i] > 0.0f && ulps(O[i], sigmoid_exact(-100.0)) <= 1.0, k.name << ": σ(−100) = " << O[i]); break;  // a denormal, not 0 or e^−80
          case 5: CHECK_MSG(O[i] == 1.0f, k.name << " n " << n); break;
          case 6: CHECK_MSG(ulps(O[i], sigmoid_exact(0.75)) <= 2.0, k.name << " n " << n); break;
        }
      }
    }
  }
}
