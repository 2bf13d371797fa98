// The logistic row (activation_group.h) for AVX-512F, chosen at run time through the dispatch table (dispatch.h).
#include "cpu/activation_simd.h"

#if defined(__AVX512F__)
#include "cpu/vec_avx512.h"  // first: it sets up <immintrin.h>
#include "cpu/activation_group.h"

namespace de {
namespace cpu {
const bool kActivationAvx512Compiled = true;
void logistic_row_avx512(const float* S, float* O, int64_t n, float lambda, float lnC) {
  logistic_row_v<Avx512>(S, O, n, lambda, lnC);
}
}  // namespace cpu
}  // namespace de

#else  // no AVX-512 build: the AVX2 or scalar loop is used.

namespace de {
namespace cpu {
const bool kActivationAvx512Compiled = false;
void logistic_row_avx512(const float*, float*, int64_t, float, float) {}
}  // namespace cpu
}  // namespace de

#endif
