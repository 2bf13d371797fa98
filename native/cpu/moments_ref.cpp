// The portable build of the moment block kernel (moments_kernel.h): plain loops over the neurons of
// a row, which the compiler vectorises with the baseline ISA; the reference of the AVX2 and AVX-512
// builds, which agree with it to float rounding.
#include "cpu/moments_kernel.h"

namespace de {
namespace cpu {

void moments_block_portable(const MomentBlockArgs& a) { block_kernel(a); }
void log_sigmoid_pair_portable(const float* z, int64_t n, double* logO, double* log1mO) {
  log_sigmoid_pair_kernel(z, n, logO, log1mO);
}

}  // namespace cpu
}  // namespace de
