// Masked products: the masked (and scaled) operand is formed by one fused elementwise pass into
// scratch, then cuBLAS multiplies; bias and the output mask are folded into passes before / after.
// Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, so cuBLAS gets (B, A) with the same
// transpose flags and (N, M) as its (m, n).
#include "cuda/device/context.h"
#include "cuda/device/ops.h"

namespace de_cuda {
namespace {

// out[r*cols + c] = x[r*ld + c] · mask[r*ldMask + c] · scale[kAlongCols ? c : r]
__global__ void masked_operand_kernel(const float* x, int64_t ld, const uint8_t* mask, int64_t ldMask,
                                      const float* scale, bool scaleAlongCols, int64_t rows, int64_t cols,
                                      float* out) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= rows * cols) return;
  const int64_t r = t / cols, c = t % cols;
  float v = x[r * ld + c];
  if (mask && !mask[r * ldMask + c]) v = 0.0f;
  if (scale) v *= scale[scaleAlongCols ? c : r];
  out[t] = v;
}

// C = beta·C + bias (before the product, which then accumulates with beta 1).
__global__ void bias_kernel(float* C, int64_t ldc, int64_t M, int64_t N, float beta, const float* bias) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= M * N) return;
  const int64_t i = t / N, j = t % N;
  float* c = C + i * ldc + j;
  *c = (beta != 0.0f ? *c : 0.0f) + bias[j];
}

__global__ void output_mask_kernel(float* C, int64_t ldc, int64_t M, int64_t N, const uint8_t* mask, int64_t ld) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= M * N) return;
  const int64_t i = t / N, j = t % N;
  if (!mask[i * ld + j]) C[i * ldc + j] = 0.0f;
}

bool fits_int(int64_t v) { return v >= 0 && v <= 0x7fffffff; }

// The operand as cuBLAS will read it: the original when it has no mask or scale, else a masked copy.
// kMajor: the operand is stored [outer × K] (A with ta = No, B with tb = Yes), else [K × outer]
// (gemm.h: A is [M×K] or [K×M], B is [K×N] or [N×K]). The scale runs along K.
DeCudaStatus prepare(DeCudaContext* ctx, int slot, const float* x, int64_t ld, const uint8_t* mask, int64_t ldMask,
                     const float* scale, bool kMajor, int64_t outer, int64_t K, const float** out, int64_t* outLd) {
  *out = x;
  *outLd = ld;
  if (!mask && !scale) return kOk;
  const int64_t rows = kMajor ? outer : K, cols = kMajor ? K : outer;
  void* buf = nullptr;
  if (DeCudaStatus s = scratch(ctx, slot, static_cast<size_t>(rows * cols) * sizeof(float), &buf)) return s;
  masked_operand_kernel<<<blocks_for(rows * cols, 256), 256, 0, ctx->stream>>>(x, ld, mask, ldMask, scale, kMajor,
                                                                                rows, cols, static_cast<float*>(buf));
  if (DeCudaStatus s = check_launch(ctx, "masked_operand_kernel")) return s;
  *out = static_cast<const float*>(buf);
  *outLd = cols;
  return kOk;
}

}  // namespace

DeCudaStatus sgemm_rowmajor(DeCudaContext* ctx, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A,
                            int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  const float one = 1.0f;
  const int rc = ctx->blas->sgemm(ctx->handle, tb ? kBlasOpT : kBlasOpN, ta ? kBlasOpT : kBlasOpN,
                                  static_cast<int>(N), static_cast<int>(M), static_cast<int>(K), &one, B,
                                  static_cast<int>(ldb), A, static_cast<int>(lda), &beta, C, static_cast<int>(ldc));
  return rc == 0 ? kOk : fail(ctx, kInternal, "cublasSgemm failed with status " + std::to_string(rc));
}

DeCudaStatus gemm(DeCudaContext* ctx, const DeCudaGemmArgs* g) {
  if (!g) return fail(ctx, kInvalid, "gemm: null arguments");
  const int64_t M = g->M, N = g->N, K = g->K;
  const bool ta = g->ta != 0, tb = g->tb != 0;
  if (!fits_int(M) || !fits_int(N) || !fits_int(K) || !fits_int(g->lda) || !fits_int(g->ldb) || !fits_int(g->ldc))
    return fail(ctx, kInvalid, "gemm: sizes must be in [0, 2^31)");
  if (g->beta != 0.0f && g->beta != 1.0f) return fail(ctx, kInvalid, "gemm: beta must be 0 or 1");
  if (M == 0 || N == 0) return kOk;
  if (!g->d_C || g->ldc < N) return fail(ctx, kInvalid, "gemm: C null or ldc < N");
  if (K > 0 && (!g->d_A || !g->d_B || g->lda < (ta ? M : K) || g->ldb < (tb ? K : N)))
    return fail(ctx, kInvalid, "gemm: A or B null, or a leading dimension too small");

  float beta = g->beta;
  if (g->d_bias) {
    bias_kernel<<<blocks_for(M * N, 256), 256, 0, ctx->stream>>>(g->d_C, g->ldc, M, N, beta, g->d_bias);
    if (DeCudaStatus s = check_launch(ctx, "bias_kernel")) return s;
    beta = 1.0f;
  }
  if (K > 0) {
    const float *A, *B;
    int64_t lda, ldb;
    if (DeCudaStatus s = prepare(ctx, 0, g->d_A, g->lda, g->d_aMask, g->ldaMask, g->d_aScale, !ta, M, K, &A, &lda))
      return s;
    if (DeCudaStatus s = prepare(ctx, 1, g->d_B, g->ldb, g->d_bMask, g->ldbMask, nullptr, tb, N, K, &B, &ldb))
      return s;
    if (DeCudaStatus s = sgemm_rowmajor(ctx, ta, tb, M, N, K, A, lda, B, ldb, beta, g->d_C, g->ldc)) return s;
  } else if (beta == 0.0f) {
    if (DeCudaStatus s = check(ctx, cudaMemset2DAsync(g->d_C, g->ldc * sizeof(float), 0, N * sizeof(float), M,
                                                      ctx->stream), "gemm: clear C"))
      return s;
  }
  if (g->d_cMask) {
    output_mask_kernel<<<blocks_for(M * N, 256), 256, 0, ctx->stream>>>(g->d_C, g->ldc, M, N, g->d_cMask,
                                                                         g->ldcMask);
    if (DeCudaStatus s = check_launch(ctx, "output_mask_kernel")) return s;
  }
  return kOk;
}

}  // namespace de_cuda
