// AVX2 scans behind validation (core/finite.h): the first NaN/±Infinity of a float array and the
// first byte of a mask that is not 0 or 1. They answer exactly as the portable loops do; only the
// speed differs (validating the 1200×1200 weights of a batch-100 product cost a fifth of the product).
#pragma once
#include <cstdint>

namespace de {
namespace cpu {

// The portable loops (scan_ref.cpp).
int64_t first_non_finite_portable(const float* x, int64_t n);
int64_t first_not_binary_portable(const uint8_t* x, int64_t n);

extern const bool kScanAvx2Compiled;  // scan_avx2.cpp was compiled with AVX2 (x86-64)
int64_t first_non_finite_avx2(const float* x, int64_t n);
int64_t first_not_binary_avx2(const uint8_t* x, int64_t n);

}  // namespace cpu
}  // namespace de
