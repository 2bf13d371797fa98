// Philox-4x32-10 (Salmon et al., SC'11; Random123), counter-based: the same (key, counter) gives the
// same four words on the CPU and in CUDA. This header is shared by both backends.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define DE_HD __host__ __device__ __forceinline__
#else
#define DE_HD inline
#endif

namespace de {

struct U32x4 {
  uint32_t v[4];
};

DE_HD U32x4 philox4x32_10(U32x4 ctr, uint32_t k0, uint32_t k1);  // defined below

// ---- the mask addressing contract (CPU and CUDA must both follow it) ----
// key     = (seed & 0xffffffff, seed >> 32)
// counter = (col >> 2, row & 0xffffffff, row >> 32, stream);  word = col & 3
// keep    = word < threshold, threshold = keep_threshold(keep) in [0, 2^32]
// row is the absolute example / sample index, col the unit (or connection) index, stream names the
// layer and purpose; so any element can be computed alone, whatever the batch, thread or backend.
DE_HD uint32_t mask_word(uint64_t seed, uint32_t stream, uint64_t row, uint64_t col);
DE_HD bool mask_keep(uint64_t seed, uint32_t stream, uint64_t row, uint64_t col, uint64_t threshold) {
  return static_cast<uint64_t>(mask_word(seed, stream, row, col)) < threshold;
}

}  // namespace de

#include "common/philox_impl.h"
