// OpenBLAS as an optional peer for the benchmarks: looked up with dlopen at run time, never linked,
// so the library builds and runs where it is absent (every call then returns false).
#pragma once
#include <cstdint>

namespace de {

bool openblas_available();

// C[M×N] = A[M×K] · B[N×K]ᵀ (row-major) through cblas_sgemm on `threads` OpenBLAS threads.
// Returns false when OpenBLAS is absent or a size does not fit its 32-bit integers.
bool openblas_sgemm_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                       float* C, int64_t ldc, int threads);

// C[M×N] = op(A)·op(B) (row-major; transA: A stored [K×M], transB: B stored [N×K]), for the
// benchmark's backpropagation shapes. Same return convention.
bool openblas_sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                    const float* B, int64_t ldb, float* C, int64_t ldc, int threads);

}  // namespace de
