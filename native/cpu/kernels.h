// The CPU micro-kernels behind the packed masked GEMM (native/core/gemm.cpp), one per instruction
// set, reached through the dispatch table (dispatch.h).
// A kernel is: a register-blocked micro-kernel on packed panels, the two packing routines that apply
// the dropout masks and the weight scale while they copy, and its cache block sizes (one table, in
// kernel_table.cpp). ISA flags are set only on the kernel's own file (sources.json "cpu_avx2", "cpu_avx512",
// "cpu_avx512bf16").
// The bf16 kernels (GemmArgs::precision, core/gemm.h) round every packed operand value to bfloat16
// and accumulate in fp32: natively (vdpbf16ps, kernel_avx512_bf16.cpp: two bf16 values per 32-bit
// slot), or emulated on a CPU without AVX512-BF16 by the fp32 micro-kernels over bf16-rounded floats
// (pack_bf16_emulated.cpp). Both form every element's sum in the same order (see the packers), so
// the two give the same bits.
#pragma once
#include <cstdint>

namespace de {

// One operand as the packer sees it: element (r, p) of a matrix with R "outer" rows (rows of op(A),
// or columns of op(B)) and K along the product dimension. kContiguous: (r, p) is x[r*ld + p];
// otherwise x[p*ld + r]. mask has the same layout as x (0/1 bytes, optional); scale[p] optional.
struct PackSource {
  const float* x = nullptr;
  int64_t ld = 0;
  bool kContiguous = false;
  const uint8_t* mask = nullptr;
  int64_t ldMask = 0;
  const float* scale = nullptr;
};

// Packs rows [r0, r0+rows) × [p0, p0+k) into ceil(rows/R) micro-panels of R·k floats each, laid out
// p-major (dst[panel*R*k + p*R + r]), rows beyond `rows` zero-filled; value = x · mask · scale.
// dst must be 64-byte aligned and have R·k·ceil(rows/R) + kPackSlack floats.
// A kernel whose panels are laid out otherwise (k_pad, k_per_slot below) packs R·packed_slots(k)
// 32-bit slots per panel instead of R·k floats.
using PackFn = void (*)(const PackSource& src, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);
constexpr int64_t kPackSlack = 16;

// c[0..m)×[0..n) (row stride ldc) = (accumulate ? c : 0) + Σ_p a[p*MR + i]·b[p*NR + j] over p < k,
// for the packed micro-panels a (MR·k) and b (NR·k). m <= MR, n <= NR; c is never read unless
// accumulate. Each element's sum is formed in the same order whatever m, n and the tile's place.
// k counts the packed values along the product dimension, padding included (a multiple of k_pad).
using MicroKernelFn = void (*)(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                               bool accumulate);

struct CpuKernel {
  const char* name;   // "avx512", "avx2-fma" or "reference"
  int mr, nr;         // register tile
  int mc, kc, nc;     // cache blocks: A block mc×kc (L2), B panel kc×nc (L3), B micro-panel kc×nr (L1)
  MicroKernelFn micro;
  PackFn pack_a;      // R = mr
  PackFn pack_b;      // R = nr
  // Packed layout along K: a kc block is padded with zeros to a multiple of k_pad values, and
  // k_per_slot of them share one 32-bit slot. fp32: 1 and 1. bf16: 2 and 2 natively (a pair of
  // consecutive k per slot, the operand vdpbf16ps multiplies), 2 and 1 emulated (floats in pairs).
  int k_pad = 1, k_per_slot = 1;
};

// 32-bit slots per row of a packed block of k values (the row stride of its panels).
inline int64_t packed_slots(const CpuKernel& ker, int64_t k) {
  return (k + ker.k_pad - 1) / ker.k_pad * ker.k_pad / ker.k_per_slot;
}
// Packed values per row of a block of k values, padding included: the micro-kernel's k.
inline int64_t packed_k(const CpuKernel& ker, int64_t k) { return (k + ker.k_pad - 1) / ker.k_pad * ker.k_pad; }

// The GEMM entry of each instruction set's dispatch table (dispatch.h), from kernel_table.cpp.
// kernel_avx2() and kernel_avx512() are null where they are not compiled in.
const CpuKernel& kernel_reference();
const CpuKernel* kernel_avx2();
const CpuKernel* kernel_avx512();

// The bf16 products of each table: the ISA's fp32 micro-kernel over bf16-rounded floats, and the
// native AVX512-BF16 kernel (null where the compiler could not build it; whether the CPU runs it is
// dispatch.cpp's question). All share one kc, so their sums run in the same blocks.
const CpuKernel& kernel_reference_bf16();
const CpuKernel* kernel_avx2_bf16();
const CpuKernel* kernel_avx512_bf16_emulated();
const CpuKernel* kernel_avx512_bf16();

}  // namespace de
