// cuBLAS, opened with dlopen when the first context is created. The backend needs five functions;
// declaring them here (their C ABI is stable across cuBLAS 11–13) keeps cuBLAS out of the build, so
// the backend builds where only nvcc and cudart are installed and reports clearly when cuBLAS is
// missing at run time. DE_CUBLAS_LIB names the library explicitly.
#pragma once
#include <string>

namespace de_cuda {

using BlasHandle = void*;

struct Cublas {
  int (*create)(BlasHandle*) = nullptr;                 // cublasCreate_v2
  int (*destroy)(BlasHandle) = nullptr;                 // cublasDestroy_v2
  int (*set_stream)(BlasHandle, void* stream) = nullptr;  // cublasSetStream_v2
  int (*set_math_mode)(BlasHandle, int mode) = nullptr;   // cublasSetMathMode
  int (*sgemm)(BlasHandle, int transa, int transb, int m, int n, int k, const float* alpha, const float* A,
               int lda, const float* B, int ldb, const float* beta, float* C, int ldc) = nullptr;  // cublasSgemm_v2
  std::string path;  // the library that was opened
};

constexpr int kBlasOpN = 0, kBlasOpT = 1;              // cublasOperation_t
constexpr int kBlasDefaultMath = 0, kBlasTf32Math = 3;  // cublasMath_t: DEFAULT, TF32_TENSOR_OP

// The process-wide table (opened once); null with *why set when no usable cuBLAS was found.
const Cublas* cublas(std::string* why);

}  // namespace de_cuda
