// Validation scans (core/finite.h): the first NaN/±Infinity and the first non-0/1 mask byte, by the
// dispatching scan (AVX2 here when the CPU has it) and the portable loops, for every hit position in
// short arrays (tails, block edges) and a few in long ones.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/finite.h"
#include "core/thread_pool.h"
#include "cpu/activation_simd.h"
#include "cpu/scan_simd.h"
#include "tests/kernel_variants.h"
#include "tests/test_framework.h"

namespace {

const float kBad[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::quiet_NaN()};

void check_float(const std::vector<float>& x, int64_t expect) {
  const int64_t n = static_cast<int64_t>(x.size());
  CHECK_MSG(de::first_non_finite(x.data(), n) == expect, "n " << n << " expected " << expect);
  CHECK_MSG(de::cpu::first_non_finite_portable(x.data(), n) == expect, "n " << n << " expected " << expect);
}

void check_bytes(const std::vector<uint8_t>& x, int64_t expect) {
  const int64_t n = static_cast<int64_t>(x.size());
  CHECK_MSG(de::first_not_binary(x.data(), n) == expect, "n " << n << " expected " << expect);
  CHECK_MSG(de::cpu::first_not_binary_portable(x.data(), n) == expect, "n " << n << " expected " << expect);
}

}  // namespace

TEST(scan_finds_first_non_finite_at_every_position) {
  for (int64_t n : {0, 1, 7, 127, 128, 129, 300, 513}) {
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[i] = (i % 2 ? -1.0f : 1.0f) * std::ldexp(1.0f, static_cast<int>(i % 250) - 125);
    check_float(x, -1);
    for (int64_t pos = 0; pos < n; ++pos) {
      const float keep = x[pos];
      x[pos] = kBad[pos % 4];
      check_float(x, pos);
      if (pos + 3 < n) {  // a later second hit does not change the answer
        x[pos + 3] = kBad[(pos + 1) % 4];
        check_float(x, pos);
        x[pos + 3] = 1.0f;
      }
      x[pos] = keep;
    }
  }
}

TEST(scan_finds_non_finite_in_long_arrays_and_accepts_extremes) {
  std::vector<float> x(1 << 20, 0.5f);
  x[5] = std::numeric_limits<float>::max();
  x[6] = -std::numeric_limits<float>::max();
  x[7] = std::numeric_limits<float>::denorm_min();
  x[8] = -0.0f;
  check_float(x, -1);
  for (int64_t pos : {int64_t{0}, int64_t{131071}, int64_t{524288}, int64_t{(1 << 20) - 1}}) {
    x[pos] = std::numeric_limits<float>::infinity();
    check_float(x, pos);
    x[pos] = 0.5f;
  }
}

TEST(scan_finds_first_mask_byte_that_is_not_0_or_1) {
  for (int64_t n : {0, 1, 31, 255, 256, 257, 600}) {
    std::vector<uint8_t> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[i] = static_cast<uint8_t>((i * 7) % 3 == 0);
    check_bytes(x, -1);
    for (int64_t pos = 0; pos < n; ++pos) {
      const uint8_t keep = x[pos];
      x[pos] = static_cast<uint8_t>(2 + pos % 254);  // 2..255
      check_bytes(x, pos);
      x[pos] = keep;
    }
  }
}

TEST(scan_split_over_threads_finds_the_same_first_hit) {
  de::ThreadPool pool(3);
  std::vector<float> x(3 << 19, 1.0f);  // three parts of 2^19
  CHECK(de::first_non_finite(x.data(), static_cast<int64_t>(x.size()), &pool, 3) == -1);
  // Hits in the last part and the first: the first one wins whichever thread finds its own first.
  x[(3 << 19) - 1] = std::numeric_limits<float>::infinity();
  CHECK(de::first_non_finite(x.data(), static_cast<int64_t>(x.size()), &pool, 3) == (3 << 19) - 1);
  x[(1 << 19) + 5] = std::numeric_limits<float>::quiet_NaN();
  x[17] = -std::numeric_limits<float>::infinity();
  for (int threads : {0, 1, 2, 3}) CHECK(de::first_non_finite(x.data(), static_cast<int64_t>(x.size()), &pool, threads) == 17);
  x[17] = 1.0f;
  CHECK(de::first_non_finite(x.data(), static_cast<int64_t>(x.size()), &pool, 2) == (1 << 19) + 5);
}
