// AVX-512F micro-kernel, 6×32: 12 zmm accumulators (6 rows × 2×16 columns), per step two loads of
// B and six broadcasts of A feed 12 FMAs (the tile of micro_tile.h, as in the AVX2 6×16 kernel, so
// the two give bit-identical products and a machine with AVX-512 trains exactly as one without).
// Why a second kernel when Zen 4's 512-bit FMAs do no more flops than its 256-bit ones: half the
// instructions per flop. The 6×16 loop issues 20 instructions per 6 FMA cycles, this one 20 per 12;
// in one-process A/B runs on this 2-vCPU Zen 4 the 10000×1200→1200 product on 2 threads ran 2–5%
// faster at the median call (the same at the best call): it loses less to the machine's neighbours.
// The packers are the AVX2 ones (A: R = 6; B: R = 32, a multiple of 8): packing is a small part of
// the time and a CPU with AVX-512F has AVX2.
// Compiled with -mavx512f -mavx2 -mfma (sources.json "cpu_avx512"), chosen at run time by cpuid.
#include "cpu/kernel_impls.h"

#if defined(DE_HAVE_AVX2_KERNEL) && defined(__AVX512F__)
#include "cpu/vec_avx512.h"  // first: it sets up <immintrin.h>
#include "cpu/micro_tile.h"

namespace de {
namespace cpu_avx512 {

namespace {
constexpr int kNR = 32;

void micro_6x32_avx512(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate) {
  // The last micro-panel of a B whose width is not a multiple of 32 often holds 16 columns or fewer
  // (N = 1200 and 784 both end so): one zmm per row does those, not two of which one multiplies zeros.
  if (n <= 16) return cpu::micro_tile<cpu::Avx512, 1, kNR>(k, a, b, c, ldc, m, n, accumulate);
  cpu::micro_tile<cpu::Avx512, 2, kNR>(k, a, b, c, ldc, m, n, accumulate);
}
}  // namespace

const MicroKernelFn micro_6x32 = micro_6x32_avx512;

}  // namespace cpu_avx512
}  // namespace de

#elif defined(DE_HAVE_AVX2_KERNEL)  // a compiler without AVX-512: the AVX2 kernel is used
namespace de {
namespace cpu_avx512 {
const MicroKernelFn micro_6x32 = nullptr;
}  // namespace cpu_avx512
}  // namespace de
#endif
