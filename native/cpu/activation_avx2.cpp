// The logistic row (activation_group.h) for AVX2+FMA, chosen at run time through the dispatch table (dispatch.h).
#include "cpu/activation_simd.h"

#if defined(__AVX2__)
#include "cpu/vec_avx2.h"
#include "cpu/activation_group.h"

namespace de {
namespace cpu {
const bool kActivationAvx2Compiled = true;
void logistic_row_avx2(const float* S, float* O, int64_t n, float lambda, float lnC) {
  logistic_row_v<Avx2>(S, O, n, lambda, lnC);
}
}  // namespace cpu
}  // namespace de

#else  // not an AVX2 build (e.g. ARM): the scalar loop is used.

namespace de {
namespace cpu {
const bool kActivationAvx2Compiled = false;
void logistic_row_avx2(const float*, float*, int64_t, float, float) {}
}  // namespace cpu
}  // namespace de

#endif
