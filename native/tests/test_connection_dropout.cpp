// The connection-dropout kernels (Eq. 3) against a float64 reference whose gates come straight from
// the scalar Philox contract (mask_keep, philox.h): ragged shapes, per-unit keeps including 0 and 1,
// a 64-bit row offset; gates recorded by the forward pass equal the contract bit for bit, replaying
// them gives the gradients of drawing them again; AVX2 and portable builds; threads 1, 2, 3.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/connection_dropout.h"
#include "common/mask_streams.h"
#include "core/masks.h"
#include "core/thread_pool.h"
#include "cpu/kernels.h"
#include "tests/kernel_variants.h"
#include "tests/test_framework.h"

namespace {

struct Case {
  int64_t rows, nh, nl;
  std::vector<uint64_t> thr;
  std::vector<float> A, W, bias, dS;
  de::ConnectionGates gates;

  Case(int64_t rows, int64_t nh, int64_t nl, uint32_t seed) : rows(rows), nh(nh), nl(nl) {
    std::mt19937 g(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    const float keeps[] = {0.0f, 1.0f, 0.5f, 0.8f, 0.3f, 0.999f};
    for (int64_t j = 0; j < nl; ++j) thr.push_back(de::keep_threshold(keeps[(j * 7 + seed) % 6]));
    for (int64_t i = 0; i < rows * nl; ++i) A.push_back(u(g));
    for (int64_t i = 0; i < nh * nl; ++i) W.push_back(u(g));
    for (int64_t i = 0; i < nh; ++i) bias.push_back(u(g));
    for (int64_t i = 0; i < rows * nh; ++i) dS.push_back(i % 5 == 3 ? 0.0f : u(g));  // exact zeros are skipped
    gates.unitsH = nh;
    gates.unitsL = nl;
    gates.seed = 0x123456789abcdefull + seed;
    gates.stream = de::connection_stream(de::MaskPurpose::Train, 3, 2);
    gates.row0 = (uint64_t{1} << 33) + 5;
    gates.thresholds = thr.data();
  }
  bool keep(int64_t r, int64_t o, int64_t j) const {
    return de::mask_keep(gates.seed, gates.stream, gates.row0 + r, static_cast<uint64_t>(o * nl + j), thr[j]);
  }
};

struct Outputs {
  std::vector<float> S, dW, dA;
  std::vector<uint64_t> bits;
};

// forward (records the gates), then both gradients replaying them (replay) or drawing them again.
Outputs run(Case& c, de::ThreadPool* pool, int threads, bool replay) {
  Outputs out;
  out.S.assign(c.rows * c.nh, 0.5f);
  out.dW.assign(c.nh * c.nl, 7.0f);  // overwritten
  out.dA.assign(c.rows * c.nl, 0.25f);
  out.bits.assign(c.rows * c.nh * de::gate_words(c.nl), ~uint64_t{0});
  de::ConnectionGates g = c.gates;
  g.record = out.bits.data();
  de::connection_forward(g, c.rows, c.A.data(), c.W.data(), c.bias.data(), false, out.S.data(), pool, threads);
  de::connection_forward(g, c.rows, c.A.data(), c.W.data(), nullptr, true, out.S.data(), pool, threads);  // S = b + 2·Σ
  g.record = nullptr;
  if (replay) g.replay = out.bits.data();
  de::connection_weight_grad(g, c.rows, c.dS.data(), c.A.data(), out.dW.data(), pool, threads);
  de::connection_input_grad(g, c.rows, c.dS.data(), c.W.data(), true, out.dA.data(), pool, threads);  // dA = 0.25 + Σ
  return out;
}

void check_against_reference(const Case& c, const Outputs& out) {
  const int64_t words = de::gate_words(c.nl);
  for (int64_t r = 0; r < c.rows; ++r)
    for (int64_t o = 0; o < c.nh; ++o)
      for (int64_t w = 0; w < words; ++w) {
        uint64_t want = 0;
        for (int64_t j = 64 * w; j < std::min(c.nl, 64 * w + 64); ++j) want |= static_cast<uint64_t>(c.keep(r, o, j)) << (j - 64 * w);
        CHECK_MSG(out.bits[(r * c.nh + o) * words + w] == want, "gate bits of row " << r << " unit " << o);
      }
  for (int64_t r = 0; r < c.rows; ++r)
    for (int64_t o = 0; o < c.nh; ++o) {
      double s = 0, mag = 0;
      for (int64_t j = 0; j < c.nl; ++j)
        if (c.keep(r, o, j)) {
          s += static_cast<double>(c.W[o * c.nl + j]) * c.A[r * c.nl + j];
          mag += std::fabs(static_cast<double>(c.W[o * c.nl + j]) * c.A[r * c.nl + j]);
        }
      CHECK_NEAR(out.S[r * c.nh + o], c.bias[o] + 2 * s, 1e-5 * (1 + 2 * mag));
    }
  for (int64_t o = 0; o < c.nh; ++o)
    for (int64_t j = 0; j < c.nl; ++j) {
      double s = 0, mag = 0;
      for (int64_t r = 0; r < c.rows; ++r)
        if (c.keep(r, o, j)) {
          s += static_cast<double>(c.dS[r * c.nh + o]) * c.A[r * c.nl + j];
          mag += std::fabs(static_cast<double>(c.dS[r * c.nh + o]) * c.A[r * c.nl + j]);
        }
      CHECK_NEAR(out.dW[o * c.nl + j], s, 1e-5 * (1 + mag));
    }
  for (int64_t r = 0; r < c.rows; ++r)
    for (int64_t j = 0; j < c.nl; ++j) {
      double s = 0.25, mag = 0;
      for (int64_t o = 0; o < c.nh; ++o)
        if (c.keep(r, o, j)) {
          s += static_cast<double>(c.dS[r * c.nh + o]) * c.W[o * c.nl + j];
          mag += std::fabs(static_cast<double>(c.dS[r * c.nh + o]) * c.W[o * c.nl + j]);
        }
      CHECK_NEAR(out.dA[r * c.nl + j], s, 1e-5 * (1 + mag));
    }
}

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}


const int64_t kShapes[][3] = {{3, 5, 7}, {2, 3, 33}, {4, 37, 100}, {2, 2, 1}, {3, 33, 130}, {1, 1, 64}};

}  // namespace

TEST(connection_dropout_matches_reference_gates_and_products) {
  de::ThreadPool pool(3);
  for_each_kernel([&] {
    uint32_t seed = 1;
    for (const auto& s : kShapes) {
      Case c(s[0], s[1], s[2], seed++);
      check_against_reference(c, run(c, &pool, 2, true));
      check_against_reference(c, run(c, nullptr, 1, false));
    }
  });
}

// Replaying recorded bits must give exactly the gradients of drawing the gates again, and every
// result must be bit-identical for 1, 2 and 3 threads.
TEST(connection_dropout_replay_and_threads_bit_identical) {
  de::ThreadPool pool(3);
  for_each_kernel([&] {
    uint32_t seed = 11;
    for (const auto& s : kShapes) {
      Case c(s[0], s[1], s[2], seed++);
      const Outputs ref = run(c, nullptr, 1, false);
      for (int threads : {1, 2, 3})
        for (bool replay : {false, true}) {
          const Outputs o = run(c, &pool, threads, replay);
          CHECK(same(o.S, ref.S) && same(o.dW, ref.dW) && same(o.dA, ref.dA) && o.bits == ref.bits);
        }
      // The same gates handed over as bytes (MaskMode::Given) give the very same sums.
      std::vector<uint8_t> bytes(static_cast<size_t>(c.rows * c.nh * c.nl));
      const int64_t words = de::gate_words(c.nl);
      for (int64_t ro = 0; ro < c.rows * c.nh; ++ro)
        for (int64_t j = 0; j < c.nl; ++j) bytes[ro * c.nl + j] = (ref.bits[ro * words + (j >> 6)] >> (j & 63)) & 1;
      c.gates.given = bytes.data();
      const Outputs given = run(c, &pool, 2, false);
      c.gates.given = nullptr;
      CHECK(same(given.S, ref.S) && same(given.dW, ref.dW) && same(given.dA, ref.dA));
    }
  });
}

// The AVX2 and portable builds draw the very same gates (the products may round differently).
TEST(connection_dropout_kernels_draw_the_same_gates) {
  if (!de::cpu::cpu_has_avx2_fma()) SKIP("no AVX2 on this CPU");
  Case c(3, 33, 130, 99);
  const Outputs fast = run(c, nullptr, 1, true);
  Outputs portable;
  {
    IsaScope scope("portable");
    CHECK(scope.ok);
    portable = run(c, nullptr, 1, true);
  }
  CHECK(fast.bits == portable.bits);
  for (size_t i = 0; i < fast.S.size(); ++i) CHECK_NEAR(fast.S[i], portable.S[i], 1e-4);
}
