// Philox-4x32-10: Random123 known-answer vectors, the mask addressing contract, and the AVX2
// eight-lane kernel against the scalar one on many counters.
#include <cstdint>

#include "common/philox.h"
#include "cpu/kernels.h"
#include "cpu/philox_simd.h"
#include "tests/kernel_variants.h"
#include "tests/test_framework.h"

namespace {

void check_kat(de::U32x4 ctr, uint32_t k0, uint32_t k1, de::U32x4 want) {
  const de::U32x4 got = de::philox4x32_10(ctr, k0, k1);
  for (int i = 0; i < 4; ++i) CHECK_MSG(got.v[i] == want.v[i], "word " << i << ": " << std::hex << got.v[i] << " vs " << want.v[i]);
}

// SplitMix64, to draw test counters and keys without touching the generator under test.
uint64_t splitmix(uint64_t* s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

TEST(philox_known_answers_random123) {
  check_kat({{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}});
  check_kat({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu,
            {{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}});
  check_kat({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u,
            {{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}});
}

TEST(philox_mask_word_follows_contract) {
  uint64_t s = 1;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t seed = splitmix(&s), row = splitmix(&s), col = splitmix(&s) >> 30;
    const uint32_t stream = static_cast<uint32_t>(splitmix(&s));
    const de::U32x4 ctr{{static_cast<uint32_t>(col >> 2), static_cast<uint32_t>(row), static_cast<uint32_t>(row >> 32), stream}};
    const de::U32x4 w = de::philox4x32_10(ctr, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
    CHECK(de::mask_word(seed, stream, row, col) == w.v[col & 3]);
    const uint32_t x = w.v[col & 3];
    CHECK(de::mask_keep(seed, stream, row, col, uint64_t{x} + 1));
    CHECK(!de::mask_keep(seed, stream, row, col, x));
    CHECK(de::mask_keep(seed, stream, row, col, uint64_t{1} << 32));
    CHECK(!de::mask_keep(seed, stream, row, col, 0));
  }
}

TEST(philox_avx2_matches_scalar) {
  if (!de::cpu::kMaskAvx2Compiled || !de::cpu::cpu_has_avx2_fma()) SKIP("no AVX2 kernel on this machine");
  uint64_t s = 42;
  // Random counters and keys, plus the extremes (all zero / all ones words) in some lanes.
  for (int it = 0; it < 20000; ++it) {
    uint32_t ctr[4][8], out[4][8];
    for (int w = 0; w < 4; ++w)
      for (int l = 0; l < 8; ++l) {
        const uint64_t r = splitmix(&s);
        ctr[w][l] = (it % 7 == 0 && l < 2) ? (l == 0 ? 0u : 0xffffffffu) : static_cast<uint32_t>(r);
      }
    const uint64_t key = it % 11 == 0 ? ~uint64_t{0} : splitmix(&s);
    const uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
    de::cpu::philox8_avx2(ctr, k0, k1, out);
    for (int l = 0; l < 8; ++l) {
      const de::U32x4 w = de::philox4x32_10({{ctr[0][l], ctr[1][l], ctr[2][l], ctr[3][l]}}, k0, k1);
      for (int q = 0; q < 4; ++q) CHECK_MSG(out[q][l] == w.v[q], "iteration " << it << " lane " << l << " word " << q);
    }
  }
  // The known-answer vectors through the eight-lane kernel too.
  uint32_t ctr[4][8] = {}, out[4][8];
  for (int l = 0; l < 8; ++l) ctr[0][l] = ctr[1][l] = ctr[2][l] = ctr[3][l] = l == 1 ? 0xffffffffu : 0u;
  de::cpu::philox8_avx2(ctr, 0, 0, out);
  CHECK(out[0][0] == 0x6627e8d5u && out[1][0] == 0xe169c58du && out[2][0] == 0xbc57ac4cu && out[3][0] == 0x9b00dbd8u);
}
