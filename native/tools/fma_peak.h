// The machine's fp32 FMA peak, which the benchmarks print every GEMM rate as a ratio to.
#pragma once
#include <cstdint>

namespace de {
namespace tools {

// GFLOP/s of `threads` threads each running independent FMA chains held in registers for about
// `seconds`. Uses the widest loop the CPU runs (AVX-512F, AVX2+FMA), else a portable loop.
double measure_fma_peak_gflops(int threads, double seconds);

// The loop (fma_loop.h) built for one ISA, in a file compiled with that ISA's flags; null where
// the compiler could not build it. Each returns the flops done.
extern double (*const fma_loop_avx2)(int64_t iters, float seed, float* sink);
extern double (*const fma_loop_avx512)(int64_t iters, float seed, float* sink);

}  // namespace tools
}  // namespace de
