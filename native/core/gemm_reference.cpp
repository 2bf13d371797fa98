// Naive masked product with float64 accumulation: the reference the fast driver is tested against.
#include <vector>

#include "core/gemm.h"
#include "cpu/bf16_round.h"

namespace de {

namespace {
inline float at(const float* X, int64_t ld, Trans t, int64_t r, int64_t c) {
  return t == Trans::No ? X[r * ld + c] : X[c * ld + r];
}
inline uint8_t mask_at(const uint8_t* X, int64_t ld, Trans t, int64_t r, int64_t c) {
  if (!X) return 1;
  return t == Trans::No ? X[r * ld + c] : X[c * ld + r];
}
}  // namespace

Result masked_gemm_reference(const GemmArgs& g) {
  Result r = check_gemm_args(g);
  if (!r.ok()) return r;
  for (int64_t i = 0; i < g.M; ++i) {
    for (int64_t j = 0; j < g.N; ++j) {
      double s = 0.0;
      for (int64_t p = 0; p < g.K; ++p) {
        double a = at(g.A, g.lda, g.ta, i, p) * mask_at(g.aMask, g.ldaMask, g.ta, i, p);
        if (g.aScale) a *= g.aScale[p];
        double b = at(g.B, g.ldb, g.tb, p, j) * mask_at(g.bMask, g.ldbMask, g.tb, p, j);
        if (g.precision == Precision::Bf16) {  // the packers' operand: (x · mask) · scale in fp32, rounded
          float af = at(g.A, g.lda, g.ta, i, p) * static_cast<float>(mask_at(g.aMask, g.ldaMask, g.ta, i, p));
          if (g.aScale) af *= g.aScale[p];
          a = cpu::round_to_bf16(af);
          b = cpu::round_to_bf16(static_cast<float>(b));
        }
        s += a * b;
      }
      float& c = g.C[i * g.ldc + j];
      double v = (g.beta != 0.0f ? static_cast<double>(g.beta) * c : 0.0) + s + (g.bias ? g.bias[j] : 0.0);
      if (g.cMask && !g.cMask[i * g.ldcMask + j]) v = 0.0;
      c = static_cast<float>(v);
    }
  }
  return Result::success();
}

Result check_gemm_args(const GemmArgs& g) {
  if (g.M < 0 || g.N < 0 || g.K < 0) return Result::error(Status::InvalidArgument, "negative matrix size");
  if (g.M == 0 || g.N == 0) return Result::success();
  if (!g.C) return Result::error(Status::InvalidArgument, "C is null");
  if (g.ldc < g.N) return Result::error(Status::InvalidArgument, "ldc < N");
  if (g.K > 0) {
    if (!g.A || !g.B) return Result::error(Status::InvalidArgument, "A or B is null");
    const int64_t aCols = g.ta == Trans::No ? g.K : g.M;
    const int64_t bCols = g.tb == Trans::No ? g.N : g.K;
    if (g.lda < aCols) return Result::error(Status::InvalidArgument, "lda too small");
    if (g.ldb < bCols) return Result::error(Status::InvalidArgument, "ldb too small");
    if (g.aMask && g.ldaMask < aCols) return Result::error(Status::InvalidArgument, "ldaMask too small");
    if (g.bMask && g.ldbMask < bCols) return Result::error(Status::InvalidArgument, "ldbMask too small");
  }
  if (g.cMask && g.ldcMask < g.N) return Result::error(Status::InvalidArgument, "ldcMask too small");
  if (g.beta != 0.0f && g.beta != 1.0f) return Result::error(Status::InvalidArgument, "beta must be 0 or 1");
  return Result::success();
}

}  // namespace de
