// The float64 product for AVX2: dgemm_body.h compiled with -mavx2 -mfma (sources.json "cpu_avx2"), so that
// its tile's columns become AVX2 vectors and its multiply-adds fused ones.
#include "cpu/dgemm.h"

#if defined(__AVX2__)
#define DE_DGEMM_VECTOR_BYTES 32
#include "cpu/dgemm_body.h"

namespace de {
namespace cpu {

const bool kDgemmAvx2Compiled = true;
void dgemm_avx2(const DgemmArgs& a) { dgemm_run(a); }

}  // namespace cpu
}  // namespace de

#else

namespace de {
namespace cpu {

const bool kDgemmAvx2Compiled = false;
void dgemm_avx2(const DgemmArgs&) {}

}  // namespace cpu
}  // namespace de

#endif
