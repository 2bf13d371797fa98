// Fast scans behind argument validation (src/validate.ts): NaN / ±Infinity in float arrays and bytes
// other than 0/1 in masks, so that validating large typed arrays (done before any product runs)
// costs a small fraction of the product instead of a JS loop over every element. The kernels come from
// the dispatch table (cpu/dispatch.h): AVX2 where the CPU has it (cpu/scan_avx2.cpp), the portable
// loops (cpu/scan_ref.cpp) elsewhere; both give the same answer.
#pragma once
#include <cstdint>

namespace de {

class ThreadPool;

// Index of the first element that is NaN or ±Infinity, or −1 when all are finite.
int64_t first_non_finite(const float* x, int64_t n);
// The same, with a large array split over the pool's threads (the answer is the same: the first).
int64_t first_non_finite(const float* x, int64_t n, ThreadPool* pool, int threads);

// Index of the first byte that is neither 0 nor 1, or −1 when all are.
int64_t first_not_binary(const uint8_t* x, int64_t n);

}  // namespace de
