// The float64 product for AVX512: dgemm_body.h compiled with -mavx512f -mavx2 -mfma (sources.json "cpu_avx512"), so that
// its tile's columns become AVX512 vectors and its multiply-adds fused ones.
#include "cpu/dgemm.h"

#if defined(__AVX512F__)
#define DE_DGEMM_VECTOR_BYTES 64
#include "cpu/dgemm_body.h"

namespace de {
namespace cpu {

const bool kDgemmAvx512Compiled = true;
void dgemm_avx512(const DgemmArgs& a) { dgemm_run(a); }

}  // namespace cpu
}  // namespace de

#else

namespace de {
namespace cpu {

const bool kDgemmAvx512Compiled = false;
void dgemm_avx512(const DgemmArgs&) {}

}  // namespace cpu
}  // namespace de

#endif
