// Masked matrix products, BLIS style (packed panels, cache blocking, register-blocked micro-kernel).
//   C[M x N] = beta * C + op(A ⊙ aMask) · diag(aScale) · op(B ⊙ bMask) + bias,   then C ⊙= cMask
// op(X) = X or Xᵀ as given by the trans flag; masks have the *stored* layout of their operand and are
// applied while packing; aScale runs along the K dimension (e.g. weight scaling by keep).
// Forward of a layer:  C[batch x out] = (A[batch x in] ⊙ mask) · W[out x in]ᵀ + b  → ta=No, tb=Yes.
// Weight gradient:     dW[out x in] = Gᵀ · (A ⊙ mask)   → A=G (ta=Yes), B=A (tb=No, bMask=mask).
// Input gradient:      dA[batch x in] = (G · W) ⊙ mask   → ta=No, tb=No, cMask=mask.
// Work is split over tiles of C only, never over K, so the result is bit-identical for any thread count.
// Precision::Bf16 rounds every packed operand value (A ⊙ aMask · aScale, B ⊙ bMask) to bfloat16 and
// accumulates in fp32 (cpu/kernels.h); C, beta, bias and cMask are as in fp32.
#pragma once
#include <cstdint>

#include "common/status.h"

namespace de {

class ThreadPool;

enum class Trans : uint8_t { No = 0, Yes = 1 };

// The operands of the product: fp32, or rounded to bfloat16 (round to nearest even, subnormals to
// zero) with the products summed in fp32. The bf16 product is the same bits on every CPU: natively
// with AVX512-BF16, emulated by the fp32 kernels elsewhere (cpu/dispatch.h).
enum class Precision : uint8_t { Fp32 = 0, Bf16 = 1 };

struct GemmArgs {
  int64_t M = 0, N = 0, K = 0;
  Trans ta = Trans::No, tb = Trans::No;
  const float* A = nullptr; int64_t lda = 0;            // stored [M x K] (No) or [K x M] (Yes)
  const uint8_t* aMask = nullptr; int64_t ldaMask = 0;  // same stored layout as A; 0/1 bytes
  const float* aScale = nullptr;                        // [K], optional
  const float* B = nullptr; int64_t ldb = 0;            // stored [K x N] (No) or [N x K] (Yes)
  const uint8_t* bMask = nullptr; int64_t ldbMask = 0;  // same stored layout as B
  float* C = nullptr; int64_t ldc = 0;                  // [M x N]
  float beta = 0.0f;                                    // 0: overwrite C (never read), 1: accumulate
  const float* bias = nullptr;                          // [N], added once, optional
  const uint8_t* cMask = nullptr; int64_t ldcMask = 0;  // [M x N], applied last, optional
  Precision precision = Precision::Fp32;                // of the operands A and B
};

// Checks shapes and leading dimensions; returns InvalidArgument with a message when they are wrong.
Result check_gemm_args(const GemmArgs& g);

// threads: how many of the pool's threads to use (0 = all). pool may be null (single thread).
Result masked_gemm(const GemmArgs& g, ThreadPool* pool, int threads);

// The same product computed naively in float64 accumulation (reference for tests and fallbacks);
// with Precision::Bf16 its operands are rounded to bfloat16 first, exactly as the packers round them.
Result masked_gemm_reference(const GemmArgs& g);

}  // namespace de
