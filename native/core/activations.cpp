#include "core/activations.h"

#include "cpu/activation_simd.h"
#include "cpu/kernels.h"

namespace de {

void logistic_row_portable(const float* S, float* O, int64_t n, float lambda, float lnC) {
  for (int64_t i = 0; i < n; ++i) O[i] = sigmoid(logit(lambda, S[i], lnC));
}

void logistic_row(const float* S, float* O, int64_t n, float lambda, float lnC) {
  if (cpu::kActivationAvx512Compiled && cpu_use_avx512f()) return cpu::logistic_row_avx512(S, O, n, lambda, lnC);
  if (cpu::kActivationAvx2Compiled && cpu_use_avx2()) return cpu::logistic_row_avx2(S, O, n, lambda, lnC);
  logistic_row_portable(S, O, n, lambda, lnC);
}

}  // namespace de
