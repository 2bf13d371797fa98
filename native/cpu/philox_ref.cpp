// The portable mask kernel (philox_simd.h): each 32-column block of a row from the scalar
// philox4x32_10 of the contract (common/philox.h), compared with the thresholds in the layout the
// AVX2 kernel reads. The reference that mask_blocks_avx2 is tested against: the same bytes.
#include "common/philox.h"
#include "cpu/biased_threshold.h"
#include "cpu/philox_simd.h"

namespace de {
namespace cpu {

int mask_block_position(int col) {
  const int lane = col >> 2, word = col & 3;
  return (lane & 3) * 8 + (lane >> 2) * 4 + word;
}

void mask_blocks_portable(const MaskBlockArgs& a) {
  const uint32_t k0 = static_cast<uint32_t>(a.seed), k1 = static_cast<uint32_t>(a.seed >> 32);
  for (int64_t b = 0; b < a.blocks; ++b) {
    const MaskThresholdBlock& t = a.thr[a.uniform ? 0 : b];
    uint8_t* out = a.out + 32 * b;
    for (int g = 0; g < 8; ++g) {
      const uint64_t col = 4 * (a.group0 + 8 * static_cast<uint64_t>(b) + static_cast<uint64_t>(g));
      const U32x4 w = philox4x32_10(mask_counter(a.stream, a.row, col), k0, k1);
      for (int q = 0; q < 4; ++q) {
        const int p = mask_block_position(4 * g + q);
        out[4 * g + q] = static_cast<uint8_t>(biased_keeps(w.v[q], t.biased[p], t.always[p]));
      }
    }
  }
}

}  // namespace cpu
}  // namespace de
