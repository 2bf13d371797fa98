// The Philox mask kernel behind bernoulli_mask_u8 / bernoulli_mask_bits: vectorised (AVX2, eight
// Philox counters per register) and its portable reference (philox_ref.cpp). It produces exactly the words of the scalar
// philox4x32_10 (checked by the tests), so the choice of kernel never changes a mask.
#pragma once
#include <cstdint>

namespace de {
namespace cpu {

// Thresholds of 32 consecutive columns in the order the kernel compares them: for a block of
// columns 0..31 the order is 0-3,16-19, 4-7,20-23, 8-11,24-27, 12-15,28-31 (the two 128-bit halves
// of the four transposed word registers). `biased` holds (min(t, 2^32−1) ^ 0x80000000) as int32 so a
// signed compare decides word < t; `always` is −1 where t ≥ 2^32 (keep whatever the word).
struct MaskThresholdBlock {
  int32_t biased[32];
  int32_t always[32];
};
int mask_block_position(int col);  // where column col (0..31) of a block sits in MaskThresholdBlock

// Bytes (0/1) for columns 4·group0 .. 4·group0 + 32·blocks − 1 of one row: out[j] = keep of column
// 4·group0 + j. thr points at one MaskThresholdBlock per block, or at a single one when uniform.
struct MaskBlockArgs {
  uint64_t seed = 0;
  uint32_t stream = 0;
  uint64_t row = 0;
  uint64_t group0 = 0;  // absolute column / 4 of the first column
  int64_t blocks = 0;
  const MaskThresholdBlock* thr = nullptr;
  bool uniform = false;
  uint8_t* out = nullptr;
};

// True when philox_avx2.cpp was compiled with AVX2 (x86-64); the CPU must still be checked.
extern const bool kMaskAvx2Compiled;
void mask_blocks_avx2(const MaskBlockArgs& a);

// Raw Philox words in column order, for callers that compare them with their own thresholds (the
// connection gates of Eq. 3): out[32·b + c] = mask_word(seed, stream, row, 4·group0 + 32·b + c) for
// b < blocks, c < 32 (the counter word 0 wraps at 2^32 like the scalar contract's col >> 2).
void philox_words_avx2(uint64_t seed, uint32_t stream, uint64_t row, uint64_t group0, int64_t blocks, uint32_t* out);

// Raw eight-lane Philox for tests: out[w][lane] = word w of philox4x32_10(ctr[lane], key).
void philox8_avx2(const uint32_t ctr[4][8], uint32_t k0, uint32_t k1, uint32_t out[4][8]);

// The portable build of mask_blocks_avx2 (philox_ref.cpp): the same bytes from the scalar Philox.
void mask_blocks_portable(const MaskBlockArgs& a);

}  // namespace cpu
}  // namespace de
