// The CPU micro-kernels behind the packed masked GEMM (native/core/gemm.cpp), one per instruction
// set, reached through the dispatch table (dispatch.h).
// A kernel is: a register-blocked micro-kernel on packed panels, the two packing routines that apply
// the dropout masks and the weight scale while they copy, and its cache block sizes (one table, in
// kernel_table.cpp). ISA flags are set only on the kernel's own file (sources.json "cpu_avx2", "cpu_avx512").
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
using PackFn = void (*)(const PackSource& src, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);
constexpr int64_t kPackSlack = 16;

// c[0..m)×[0..n) (row stride ldc) = (accumulate ? c : 0) + Σ_p a[p*MR + i]·b[p*NR + j] over p < k,
// for the packed micro-panels a (MR·k) and b (NR·k). m <= MR, n <= NR; c is never read unless
// accumulate. Each element's sum is formed in the same order whatever m, n and the tile's place.
using MicroKernelFn = void (*)(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                               bool accumulate);

struct CpuKernel {
  const char* name;   // "avx512", "avx2-fma" or "reference"
  int mr, nr;         // register tile
  int mc, kc, nc;     // cache blocks: A block mc×kc (L2), B panel kc×nc (L3), B micro-panel kc×nr (L1)
  MicroKernelFn micro;
  PackFn pack_a;      // R = mr
  PackFn pack_b;      // R = nr
};

// The GEMM entry of each instruction set's dispatch table (dispatch.h), from kernel_table.cpp.
// kernel_avx2() and kernel_avx512() are null where they are not compiled in.
const CpuKernel& kernel_reference();
const CpuKernel* kernel_avx2();
const CpuKernel* kernel_avx512();

}  // namespace de
