// A float64 product C += A·B for the covariance that net.propagateAsync('covariance') carries from
// layer to layer (core/covariance.h): cubic in the layer width, so it must run at the vector units'
// speed, and in float64 because its entries are statistics. One source (dgemm_body.h) compiled per
// instruction set, reached through the dispatch table (dispatch.h).
#pragma once
#include <cstdint>

namespace de {
namespace cpu {

// C[i·ldc + j] += Σ_p A[i·lda + p]·B[p·ldb + j] for i < rows, j < cols, p < depth (row-major).
// Each element's sum is formed in the same order (p ascending within blocks of kDgemmDepthBlock,
// blocks ascending) whatever rows and cols, so splitting C's rows among threads does not change it.
struct DgemmArgs {
  const double* A;
  int64_t lda;
  const double* B;
  int64_t ldb;
  double* C;
  int64_t ldc;
  int64_t rows, cols, depth;
};

constexpr int64_t kDgemmDepthBlock = 256;

void dgemm_portable(const DgemmArgs& a);
void dgemm_avx2(const DgemmArgs& a);
void dgemm_avx512(const DgemmArgs& a);
extern const bool kDgemmAvx2Compiled;
extern const bool kDgemmAvx512Compiled;

}  // namespace cpu
}  // namespace de
