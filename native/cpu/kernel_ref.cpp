// The portable reference micro-kernel: plain C++ that any compiler vectorises for the baseline ISA
// (SSE2 on x86-64, NEON on ARM). A 4×8 tile keeps its 32 accumulators in 8 128-bit registers.
// It is the fallback where AVX2+FMA is missing and the kernel the tests compare the fast one with.
#include "cpu/kernels.h"
#include "cpu/pack_generic.h"

namespace de {
namespace cpu_ref {

constexpr int kMR = 4, kNR = 8;

void micro_4x8(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate) {
  float acc[kMR * kNR] = {};
  for (int64_t p = 0; p < k; ++p) {
    const float* ap = a + p * kMR;
    const float* bp = b + p * kNR;
    for (int i = 0; i < kMR; ++i)
      for (int j = 0; j < kNR; ++j) acc[i * kNR + j] += ap[i] * bp[j];
  }
  store_partial_tile<kMR, kNR>(acc, c, ldc, m, n, accumulate);
}

void pack_a(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  pack_generic<kMR>(s, r0, rows, p0, k, dst);
}
void pack_b(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  pack_generic<kNR>(s, r0, rows, p0, k, dst);
}

}  // namespace cpu_ref
}  // namespace de
