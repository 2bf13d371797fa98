// Bernoulli masks: the contract element by element, independence from the split into calls and
// threads, both kernels, bit masks, argument checks, and the statistics (frequency, independence of
// neighbouring columns and rows, seeds and streams).
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/masks.h"
#include "core/thread_pool.h"
#include "cpu/philox_simd.h"
#include "tests/kernel_variants.h"
#include "tests/test_framework.h"

namespace {

std::vector<uint8_t> make_mask(uint64_t seed, uint32_t stream, int64_t rows, int64_t cols, double keep,
                               uint64_t row0 = 0, uint64_t col0 = 0) {
  std::vector<uint8_t> m(static_cast<size_t>(rows * cols), 7);
  de::MaskArgs a;
  a.seed = seed;
  a.stream = stream;
  a.row0 = row0;
  a.col0 = col0;
  a.rows = rows;
  a.cols = cols;
  a.threshold = de::keep_threshold(keep);
  a.out = m.data();
  a.ld = cols;
  const de::Result r = de::bernoulli_mask_u8(a, nullptr, 1);
  CHECK_MSG(r.ok(), r.message);
  return m;
}


// Pearson correlation of pairs (x_i, y_i) of 0/1 values.
double correlation(const std::vector<uint8_t>& x, const std::vector<uint8_t>& y) {
  double n = static_cast<double>(x.size()), sx = 0, sy = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxy += x[i] * y[i];
  }
  const double mx = sx / n, my = sy / n;
  return (sxy / n - mx * my) / std::sqrt(mx * (1 - mx) * my * (1 - my));
}

}  // namespace

TEST(masks_keep_threshold) {
  CHECK(de::keep_threshold(0.0) == 0);
  CHECK(de::keep_threshold(-0.5) == 0);
  CHECK(de::keep_threshold(std::nan("")) == 0);
  CHECK(de::keep_threshold(1.0) == (uint64_t{1} << 32));
  CHECK(de::keep_threshold(2.0) == (uint64_t{1} << 32));
  CHECK(de::keep_threshold(0.5) == (uint64_t{1} << 31));
  CHECK(de::keep_threshold(static_cast<double>(0.8f)) ==
        static_cast<uint64_t>(std::floor(static_cast<double>(0.8f) * 4294967296.0)));
  CHECK(de::keep_threshold(1.0 - 1e-16) < (uint64_t{1} << 32));
}

TEST(masks_every_element_follows_contract) {
  for_each_kernel([] {
    // Offsets that are and are not multiples of 4 and 32, and widths around the 32-column block.
    const uint64_t col0s[] = {0, 1, 3, 4, 31, 33, 1000003};
    const int64_t widths[] = {1, 3, 4, 5, 31, 32, 33, 67, 100, 129};
    const uint64_t seed = 0x123456789abcdefull, row0 = (uint64_t{5} << 32) - 3;  // crosses the row-lo wrap
    for (uint64_t col0 : col0s)
      for (int64_t cols : widths) {
        const int64_t rows = 6;
        std::vector<uint64_t> thr(static_cast<size_t>(cols));
        for (int64_t c = 0; c < cols; ++c) thr[c] = (c % 5 == 0) ? (uint64_t{1} << 32) : (c % 5 == 1 ? 0 : de::keep_threshold(0.1 + 0.2 * (c % 5)));
        for (int perCol = 0; perCol < 2; ++perCol) {
          std::vector<uint8_t> m(static_cast<size_t>(rows * (cols + 2)), 9);
          de::MaskArgs a;
          a.seed = seed;
          a.stream = 17;
          a.row0 = row0;
          a.col0 = col0;
          a.rows = rows;
          a.cols = cols;
          a.thresholds = perCol ? thr.data() : nullptr;
          a.threshold = de::keep_threshold(0.37);
          a.out = m.data();
          a.ld = cols + 2;
          CHECK(de::bernoulli_mask_u8(a, nullptr, 1).ok());
          for (int64_t r = 0; r < rows; ++r) {
            for (int64_t c = 0; c < cols; ++c) {
              const uint64_t t = perCol ? thr[c] : a.threshold;
              const bool want = de::mask_keep(seed, 17, row0 + r, col0 + c, t);
              CHECK_MSG(m[r * (cols + 2) + c] == (want ? 1 : 0), "col0 " << col0 << " cols " << cols << " r " << r << " c " << c);
            }
            CHECK(m[r * (cols + 2) + cols] == 9 && m[r * (cols + 2) + cols + 1] == 9);  // padding untouched
          }
        }
      }
  });
}

TEST(masks_pieces_and_threads_equal_whole) {
  const int64_t rows = 100, cols = 1200;
  const uint64_t seed = 99;
  std::vector<uint64_t> thr(cols);
  for (int64_t c = 0; c < cols; ++c) thr[c] = de::keep_threshold(0.2 + 0.6 * c / cols);
  auto run = [&](uint8_t* out, int64_t ld, uint64_t r0, uint64_t c0, int64_t nr, int64_t nc, de::ThreadPool* pool, int threads) {
    de::MaskArgs a;
    a.seed = seed;
    a.stream = 3;
    a.row0 = r0;
    a.col0 = c0;
    a.rows = nr;
    a.cols = nc;
    a.thresholds = thr.data() + c0;
    a.out = out;
    a.ld = ld;
    const de::Result r = de::bernoulli_mask_u8(a, pool, threads);
    CHECK_MSG(r.ok(), r.message);
  };
  std::vector<uint8_t> whole(rows * cols);
  run(whole.data(), cols, 0, 0, rows, cols, nullptr, 1);
  for_each_kernel([&] {
    std::vector<uint8_t> pieces(rows * cols, 5);
    const int64_t rcut[] = {0, 1, 38, 39, 100};
    const int64_t ccut[] = {0, 5, 37, 38, 700, 731, 1200};
    for (int i = 0; i + 1 < 5; ++i)
      for (int j = 0; j + 1 < 7; ++j)
        run(pieces.data() + rcut[i] * cols + ccut[j], cols, rcut[i], ccut[j], rcut[i + 1] - rcut[i], ccut[j + 1] - ccut[j], nullptr, 1);
    CHECK(pieces == whole);
    for (int t = 1; t <= 3; ++t) {
      de::ThreadPool pool(t);
      std::vector<uint8_t> threaded(rows * cols, 5);
      run(threaded.data(), cols, 0, 0, rows, cols, &pool, t);
      CHECK_MSG(threaded == whole, "threads " << t);
    }
  });
}

TEST(masks_bits_equal_bytes) {
  for_each_kernel([] {
    const int64_t widths[] = {1, 63, 64, 65, 130, 2047, 2048, 2049, 4200};
    de::ThreadPool pool(2);
    for (int64_t cols : widths) {
      const int64_t rows = 5, ldw = (cols + 63) / 64 + 1;
      std::vector<uint64_t> thr(cols);
      for (int64_t c = 0; c < cols; ++c) thr[c] = de::keep_threshold((c % 10) / 9.0);
      for (int perCol = 0; perCol < 2; ++perCol) {
        de::MaskArgs a;
        a.seed = 5;
        a.stream = 2;
        a.row0 = 11;
        a.col0 = 13;
        a.rows = rows;
        a.cols = cols;
        a.thresholds = perCol ? thr.data() : nullptr;
        a.threshold = de::keep_threshold(0.6);
        std::vector<uint8_t> bytes(rows * cols);
        a.out = bytes.data();
        a.ld = cols;
        CHECK(de::bernoulli_mask_u8(a, nullptr, 1).ok());
        std::vector<uint64_t> bits(rows * ldw, ~uint64_t{0});
        CHECK(de::bernoulli_mask_bits(a, bits.data(), ldw, &pool, 2).ok());
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t c = 0; c < cols; ++c)
            CHECK_MSG(((bits[r * ldw + c / 64] >> (c % 64)) & 1) == bytes[r * cols + c], "cols " << cols << " c " << c);
          if (cols % 64) CHECK((bits[r * ldw + cols / 64] >> (cols % 64)) == 0);  // unused bits are zero
          CHECK(bits[r * ldw + ldw - 1] == ~uint64_t{0});                        // beyond the row untouched
        }
      }
    }
  });
}

TEST(masks_reject_bad_arguments) {
  uint8_t buf[64];
  uint64_t words[4];
  de::MaskArgs a;
  a.rows = 2;
  a.cols = 8;
  a.out = buf;
  a.ld = 8;
  a.threshold = 1;
  CHECK(de::bernoulli_mask_u8(a, nullptr, 1).ok());
  de::MaskArgs b = a;
  b.out = nullptr;
  CHECK(de::bernoulli_mask_u8(b, nullptr, 1).status == de::Status::InvalidArgument);
  b = a;
  b.ld = 7;
  CHECK(de::bernoulli_mask_u8(b, nullptr, 1).status == de::Status::InvalidArgument);
  b = a;
  b.rows = -1;
  CHECK(de::bernoulli_mask_u8(b, nullptr, 1).status == de::Status::InvalidArgument);
  b = a;
  b.cols = -3;
  CHECK(de::bernoulli_mask_u8(b, nullptr, 1).status == de::Status::InvalidArgument);
  b = a;
  b.col0 = uint64_t{1} << 34;
  CHECK(de::bernoulli_mask_u8(b, nullptr, 1).status == de::Status::InvalidArgument);
  b = a;
  b.row0 = ~uint64_t{0};
  CHECK(de::bernoulli_mask_u8(b, nullptr, 1).status == de::Status::InvalidArgument);
  CHECK(de::bernoulli_mask_bits(a, words, 1, nullptr, 1).ok());
  CHECK(de::bernoulli_mask_bits(a, nullptr, 1, nullptr, 1).status == de::Status::InvalidArgument);
  CHECK(de::bernoulli_mask_bits(a, words, 0, nullptr, 1).status == de::Status::InvalidArgument);
  b = a;
  b.rows = 0;  // empty: nothing to write, nothing to check
  b.out = nullptr;
  CHECK(de::bernoulli_mask_u8(b, nullptr, 1).ok());
}

TEST(masks_keep_zero_and_one_exact) {
  for_each_kernel([] {
    const auto zeros = make_mask(1, 0, 50, 333, 0.0, 7, 9);
    const auto ones = make_mask(1, 0, 50, 333, 1.0, 7, 9);
    for (uint8_t v : zeros) CHECK(v == 0);
    for (uint8_t v : ones) CHECK(v == 1);
  });
}

TEST(masks_frequency_within_4_sigma) {
  const double keeps[] = {0.1, 0.5, 0.8, 0.999};
  for (double keep : keeps) {
    const int64_t rows = 1000, cols = 1000;
    const auto m = make_mask(2024, 1, rows, cols, keep);
    double kept = 0;
    for (uint8_t v : m) kept += v;
    const double n = static_cast<double>(rows * cols), sigma = std::sqrt(keep * (1 - keep) / n);
    CHECK_MSG(std::fabs(kept / n - keep) < 4 * sigma, "keep " << keep << " frequency " << kept / n);
  }
  // Per-column keeps: each column's frequency over 4000 rows.
  const int64_t rows = 4000, cols = 40;
  std::vector<uint64_t> thr(cols);
  std::vector<double> keep(cols);
  for (int64_t c = 0; c < cols; ++c) thr[c] = de::keep_threshold(keep[c] = 0.05 + 0.9 * c / (cols - 1));
  std::vector<uint8_t> m(rows * cols);
  de::MaskArgs a;
  a.seed = 77;
  a.rows = rows;
  a.cols = cols;
  a.thresholds = thr.data();
  a.out = m.data();
  a.ld = cols;
  CHECK(de::bernoulli_mask_u8(a, nullptr, 1).ok());
  for (int64_t c = 0; c < cols; ++c) {
    double kept = 0;
    for (int64_t r = 0; r < rows; ++r) kept += m[r * cols + c];
    const double sigma = std::sqrt(keep[c] * (1 - keep[c]) / rows);
    CHECK_MSG(std::fabs(kept / rows - keep[c]) < 4 * sigma, "column " << c);
  }
}

TEST(masks_seed_and_stream_reproducible_and_distinct) {
  const auto a = make_mask(7, 0, 200, 300, 0.5);
  const auto b = make_mask(7, 0, 200, 300, 0.5);
  CHECK(a == b);
  const std::vector<uint8_t> others[] = {make_mask(8, 0, 200, 300, 0.5), make_mask(7, 1, 200, 300, 0.5),
                                         make_mask(7ull | (1ull << 32), 0, 200, 300, 0.5)};
  for (const auto& o : others) {
    // Independent masks at keep 0.5 differ in half the places: 60000 elements, σ ≈ 0.002.
    double diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff += a[i] != o[i];
    CHECK_NEAR(diff / a.size(), 0.5, 4 * std::sqrt(0.25 / a.size()));
  }
}

TEST(masks_no_correlation_between_neighbours) {
  const double keeps[] = {0.5, 0.8};
  for (double keep : keeps) {
    const int64_t rows = 1000, cols = 1000;
    const auto m = make_mask(31337, 4, rows, cols, keep);
    // Columns c, c + d for lags inside one Philox call (1, 2, 3) and across calls (4, 5); rows r, r + 1.
    for (int lag : {1, 2, 3, 4, 5}) {
      std::vector<uint8_t> x, y;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c + lag < cols; ++c) {
          x.push_back(m[r * cols + c]);
          y.push_back(m[r * cols + c + lag]);
        }
      const double rho = correlation(x, y);
      CHECK_MSG(std::fabs(rho) < 4 / std::sqrt(static_cast<double>(x.size())), "keep " << keep << " column lag " << lag << " rho " << rho);
    }
    std::vector<uint8_t> x, y;
    for (int64_t r = 0; r + 1 < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        x.push_back(m[r * cols + c]);
        y.push_back(m[(r + 1) * cols + c]);
      }
    const double rho = correlation(x, y);
    CHECK_MSG(std::fabs(rho) < 4 / std::sqrt(static_cast<double>(x.size())), "keep " << keep << " row lag 1 rho " << rho);
  }
}
