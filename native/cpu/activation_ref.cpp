// The portable logistic row: the scalar sigmoid of each logit, the reference the vector builds
// (activation_avx2.cpp, activation_avx512.cpp) are tested against.
#include "cpu/activation_simd.h"
#include "cpu/scalar_math.h"

namespace de {
namespace cpu {

void logistic_row_portable(const float* S, float* O, int64_t n, float lambda, float lnC) {
  for (int64_t i = 0; i < n; ++i) O[i] = sigmoid(logit(lambda, S[i], lnC));
}

}  // namespace cpu
}  // namespace de
