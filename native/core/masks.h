// Bernoulli dropout masks from the Philox stream (see the contract in philox.h).
#pragma once
#include <cstdint>

#include "common/keep_threshold.h"
#include "common/philox.h"
#include "common/status.h"

namespace de {

class ThreadPool;

struct MaskArgs {
  uint64_t seed = 0;
  uint32_t stream = 0;
  uint64_t row0 = 0;       // absolute index of the first row
  uint64_t col0 = 0;       // absolute index of the first column
  int64_t rows = 0, cols = 0;
  const uint64_t* thresholds = nullptr;  // per column [cols] (relative to col0), or null
  uint64_t threshold = 0;                // used when thresholds is null
  uint8_t* out = nullptr;  // rows x cols bytes (0/1), leading dimension ld
  int64_t ld = 0;
};

Result bernoulli_mask_u8(const MaskArgs& a, ThreadPool* pool, int threads);

// Bit masks: bit (c & 63) of word out[r * ldWords + (c >> 6)]; same decisions as the byte masks.
Result bernoulli_mask_bits(const MaskArgs& a, uint64_t* out, int64_t ldWords, ThreadPool* pool, int threads);

}  // namespace de
