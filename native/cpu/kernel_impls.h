// The functions each kernel file provides, gathered into CpuKernel descriptors by kernel_table.cpp.
#pragma once
#include "cpu/kernels.h"

namespace de {
namespace cpu_ref {
void micro_4x8(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate);
void pack_a(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);  // R = 4
void pack_b(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);  // R = 8
}  // namespace cpu_ref

// pack_bf16_emulated.cpp: bf16-rounded floats, pairs of k swapped, for the fp32 micro-kernels.
namespace cpu_bf16_emulated {
void pack_r4(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);
void pack_r6(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);
void pack_r8(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);
void pack_r16(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);
void pack_r32(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);
}  // namespace cpu_bf16_emulated

#if defined(__x86_64__) || defined(_M_X64)
#define DE_HAVE_AVX2_KERNEL 1
namespace cpu_avx2 {
void micro_6x16(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate);
void pack_a(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);  // R = 6
void pack_b(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);  // R = 16
void pack_b32(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);  // R = 32
}  // namespace cpu_avx2
namespace cpu_avx512 {
// kernel_avx512.cpp: the 6×32 micro-kernel, or null where the compiler could not build it.
extern const MicroKernelFn micro_6x32;
}  // namespace cpu_avx512
namespace cpu_avx512_bf16 {
// kernel_avx512_bf16.cpp: the vdpbf16ps 6×32 micro-kernel and its packers (A: R = 6, B: R = 32),
// or null where the compiler could not build them.
extern const MicroKernelFn micro_6x32;
extern const PackFn pack_a;
extern const PackFn pack_b;
}  // namespace cpu_avx512_bf16
#endif

}  // namespace de
