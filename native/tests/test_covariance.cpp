// The float64 covariance product W C Wᵀ (core/covariance.h) on every dispatch table, against a plain
// triple loop: sizes that leave every kind of edge (rows not a multiple of the 4-row tile, columns
// not a multiple of the vector tile, depth across the 256 block), thread counts, symmetry, abort.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/covariance.h"
#include "core/thread_pool.h"
#include "tests/kernel_variants.h"
#include "tests/test_framework.h"

namespace {

struct Case {
  std::vector<float> W;
  std::vector<double> C, expect;
  int64_t n, m;
};

Case make_case(int64_t n, int64_t m, uint32_t seed) {
  Case c{std::vector<float>(static_cast<size_t>(n * m)), std::vector<double>(static_cast<size_t>(m * m)), {}, n, m};
  uint32_t s = seed;
  auto next = [&s] { s = s * 1664525u + 1013904223u; return (static_cast<double>(s >> 8) / 16777216.0) - 0.5; };
  for (float& w : c.W) w = static_cast<float>(next());
  // C = B Bᵀ / m + diag: symmetric, positive definite, like a covariance.
  std::vector<double> B(static_cast<size_t>(m * m));
  for (double& b : B) b = next();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j) {
      double t = i == j ? 0.5 : 0.0;
      for (int64_t k = 0; k < m; ++k) t += B[i * m + k] * B[j * m + k] / static_cast<double>(m);
      c.C[i * m + j] = t;
    }
  c.expect.assign(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      long double t = 0;
      for (int64_t a = 0; a < m; ++a)
        for (int64_t b = 0; b < m; ++b) t += static_cast<long double>(c.W[i * m + a]) * c.C[a * m + b] * c.W[j * m + b];
      c.expect[i * n + j] = static_cast<double>(t);
    }
  return c;
}

}  // namespace

TEST(covariance_product_matches_a_plain_loop_on_every_kernel) {
  de::ThreadPool pool(3);
  for (auto [n, m] : {std::pair<int64_t, int64_t>{1, 1}, {5, 3}, {17, 33}, {37, 300}, {64, 70}}) {
    const Case c = make_case(n, m, static_cast<uint32_t>(n * 131 + m));
    for_each_kernel([&] {
      for (int threads : {1, 3}) {
        std::vector<double> out(static_cast<size_t>(n * n), -1.0);
        const de::Result r = de::covariance_product(c.W.data(), n, m, c.C.data(), out.data(), pool, threads, nullptr);
        CHECK(r.ok());
        double worst = 0;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < n; ++j) {
            const double e = c.expect[i * n + j], g = out[i * n + j];
            worst = std::fmax(worst, std::fabs(g - e) / (std::fabs(e) + 1e-3));
            CHECK_MSG(g == out[j * n + i], "asymmetric at " << i << "," << j);
          }
        CHECK_MSG(worst < 1e-12, de::cpu::dispatch().name << " n " << n << " m " << m << " threads " << threads << " error " << worst);
      }
    });
  }
}

TEST(covariance_product_is_the_same_for_any_thread_count) {
  const Case c = make_case(45, 260, 7);
  de::ThreadPool pool(4);
  std::vector<double> one(45 * 45), four(45 * 45);
  CHECK(de::covariance_product(c.W.data(), 45, 260, c.C.data(), one.data(), pool, 1, nullptr).ok());
  CHECK(de::covariance_product(c.W.data(), 45, 260, c.C.data(), four.data(), pool, 4, nullptr).ok());
  CHECK(one == four);
}

TEST(covariance_product_stops_when_aborted) {
  const Case c = make_case(9, 8, 3);
  de::ThreadPool pool(2);
  std::atomic<bool> abort{true};
  std::vector<double> out(81);
  const de::Result r = de::covariance_product(c.W.data(), 9, 8, c.C.data(), out.data(), pool, 0, &abort);
  CHECK(r.status == de::Status::Cancelled);
}
