// The moment block kernel (moments_kernel.h) compiled for AVX2+FMA; chosen at run time.
#include "cpu/moments_simd.h"

#if defined(__AVX2__)
#include "cpu/moments_kernel.h"

namespace de {
namespace cpu {
const bool kMomentsAvx2Compiled = true;
void moments_block_avx2(const MomentBlockArgs& a) { block_kernel(a); }
void log_sigmoid_pair_avx2(const float* z, int64_t n, double* logO, double* log1mO) {
  log_sigmoid_pair_kernel(z, n, logO, log1mO);
}
}  // namespace cpu
}  // namespace de

#else  // not an AVX2 build (e.g. ARM): the portable kernel is used.

namespace de {
namespace cpu {
const bool kMomentsAvx2Compiled = false;
void moments_block_avx2(const MomentBlockArgs&) {}
void log_sigmoid_pair_avx2(const float*, int64_t, double*, double*) {}
}  // namespace cpu
}  // namespace de

#endif
