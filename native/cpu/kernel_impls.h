// The functions each kernel file provides, gathered into CpuKernel descriptors by kernel_table.cpp.
#pragma once
#include "cpu/kernels.h"

namespace de {
namespace cpu_ref {
void micro_4x8(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n, bool accumulate);
void pack_a(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);  // R = 4
void pack_b(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst);  // R = 8
}  // namespace cpu_ref

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
#endif

}  // namespace de
