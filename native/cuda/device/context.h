// The state behind a DeCudaContext: device, stream, cuBLAS handle, scratch, last error message.
// Internal to the backend (nvcc and the host compiler both include it).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "cuda/device/cublas_dyn.h"
#include "cuda/cuda_api.h"

struct DeCudaContext {
  int device = 0;
  cudaStream_t stream = nullptr;
  const de_cuda::Cublas* blas = nullptr;
  de_cuda::BlasHandle handle = nullptr;
  bool tf32 = false;
  std::string error;
  // Scratch for masked operands of products (grown on demand, never shrunk).
  void* scratch[2] = {nullptr, nullptr};
  size_t scratchBytes[2] = {0, 0};
};

namespace de_cuda {

constexpr DeCudaStatus kOk = 0, kInvalid = 1, kNoMemory = 2, kCancelled = 3, kUnsupported = 4, kInternal = 6;

DeCudaStatus fail(DeCudaContext* ctx, DeCudaStatus s, const std::string& message);
// kOk, or the CUDA error as a status (OutOfMemory for cudaErrorMemoryAllocation) with `what` in it.
DeCudaStatus check(DeCudaContext* ctx, cudaError_t e, const char* what);
// The last launch's error (cudaGetLastError) as check() does.
DeCudaStatus check_launch(DeCudaContext* ctx, const char* kernel);
// Scratch buffer `slot` of at least `bytes`.
DeCudaStatus scratch(DeCudaContext* ctx, int slot, size_t bytes, void** out);

inline unsigned blocks_for(int64_t n, int threads) { return static_cast<unsigned>((n + threads - 1) / threads); }

}  // namespace de_cuda

namespace de_cuda {
// Row-major C[M×N] = beta·C + op(A)·op(B) through cuBLAS (gemm.cu); beta 0 never reads C.
DeCudaStatus sgemm_rowmajor(DeCudaContext* ctx, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A,
                            int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
}  // namespace de_cuda
