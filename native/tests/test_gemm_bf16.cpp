// The bf16 product (GemmArgs::precision = Bf16): operands rounded to bfloat16 as the packers round
// them, sums in fp32.
// - Against the float64 reference over the same bf16-rounded operands: only fp32 accumulation
//   differs, so |C − C_ref| <= (K + 4)·eps32·M̂ with M̂ = Σ|â·b̂| + |beta·C| + |bias| (as fp32 is held
//   to its reference in test_gemm.cpp).
// - Against the fp32 product's float64 reference: each operand's rounding is at most u = 2^-8
//   relative (bf16 keeps 8 significant bits), so |â·b̂ − a·b| <= (2u + u²)·|a·b|, and
//   |C − C_exact| <= (2u + u²)·Σ|a·b| + (K + 4)·eps32·(M̂ + |beta·C| + |bias|) — and the product does
//   differ from fp32 by more than fp32 rounding, or the option would be doing nothing.
// - Native (vdpbf16ps) and emulated (fp32 kernels over rounded operands) give the same bits, as do
//   1, 2 and 3 threads.
// The native kernel's tests skip, saying why, where the CPU lacks AVX512-BF16; the emulated ones run
// everywhere.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/gemm.h"
#include "core/thread_pool.h"
#include "cpu/bf16_round.h"
#include "cpu/dispatch.h"
#include "tests/gemm_problem.h"
#include "tests/kernel_variants.h"
#include "tests/test_framework.h"

namespace {

using de::Precision;

constexpr double kEps32 = std::numeric_limits<float>::epsilon();
constexpr double kBf16Unit = 1.0 / 256.0;  // 2^-8: bf16 keeps 8 significant bits

// The tables this machine runs, with the name their bf16 kernel should have.
std::vector<const char*> tables_here() {
  std::vector<const char*> t{"portable"};
  if (de::cpu::dispatch_for(de::cpu::Isa::Avx2)) t.push_back("avx2");
  if (de::cpu::dispatch_for(de::cpu::Isa::Avx512)) t.push_back("avx512");
  return t;
}

bool native_bf16_here() {
  const de::cpu::Dispatch* d = de::cpu::dispatch_for(de::cpu::Isa::Avx512);
  return d && std::string(d->gemm_bf16->name) == "avx512-bf16";
}

const char* kNoNative = "this CPU (or compiler) has no AVX512-BF16 (cpuid leaf 7 sub-leaf 1, EAX bit 5): "
                        "the native bf16 kernel cannot run here; the emulated one is tested";

Problem bf16_problem(int64_t M, int64_t N, int64_t K, Trans ta, Trans tb, Options o, uint32_t seed) {
  Problem p(M, N, K, ta, tb, o, seed);
  p.precision = Precision::Bf16;
  return p;
}

// The bf16 product against the float64 reference over the same bf16-rounded operands.
void check_against_bf16_reference(const Problem& p, de::ThreadPool* pool, int threads, const std::string& what) {
  std::vector<float> fast = p.C0, ref = p.C0;
  de::Result r = de::masked_gemm(p.args(fast.data()), pool, threads);
  CHECK_MSG(r.ok(), what << ": " << r.message);
  CHECK(de::masked_gemm_reference(p.args(ref.data())).ok());
  const std::vector<float> mag = p.magnitude();
  for (int64_t i = 0; i < p.M; ++i) {
    for (int64_t j = 0; j < p.N; ++j) {
      const size_t at = static_cast<size_t>(i * p.ldc + j);
      const double tol = (static_cast<double>(p.K) + 4.0) * kEps32 * (mag[at] + 1e-30);
      CHECK_MSG(std::fabs(static_cast<double>(fast[at]) - ref[at]) <= tol,
                what << " at (" << i << "," << j << "): bf16 " << fast[at] << " bf16 reference " << ref[at] << " tol " << tol);
    }
    for (int64_t j = p.N; j < p.ldc; ++j) {
      const size_t at = static_cast<size_t>(i * p.ldc + j);
      CHECK_MSG(std::memcmp(&fast[at], &p.C0[at], sizeof(float)) == 0, what << ": wrote into the padding of C");
    }
  }
}

// The bf16 product against the exact (float64) product of the fp32 operands, within the bound of
// the file's comment. Returns the largest error relative to Σ|a·b| + |beta·C| + |bias|.
double check_against_fp32_reference(const Problem& p, de::ThreadPool* pool, int threads, const std::string& what) {
  std::vector<float> fast = p.C0, exact = p.C0;
  CHECK(de::masked_gemm(p.args(fast.data()), pool, threads).ok());
  Problem fp32 = p;
  fp32.precision = Precision::Fp32;
  CHECK(de::masked_gemm_reference(fp32.args(exact.data())).ok());
  const std::vector<float> mag = fp32.magnitude();  // Σ|a·b| + |beta·C| + |bias|
  const double grow = 2.0 * kBf16Unit + kBf16Unit * kBf16Unit;
  double worst = 0.0;
  for (int64_t i = 0; i < p.M; ++i) {
    for (int64_t j = 0; j < p.N; ++j) {
      const size_t at = static_cast<size_t>(i * p.ldc + j);
      // (1 + grow)·mag bounds M̂ as well, so one magnitude serves both terms.
      const double tol = (grow + (static_cast<double>(p.K) + 4.0) * kEps32 * (1.0 + grow)) * (mag[at] + 1e-30);
      const double err = std::fabs(static_cast<double>(fast[at]) - exact[at]);
      CHECK_MSG(err <= tol, what << " at (" << i << "," << j << "): bf16 " << fast[at] << " exact " << exact[at] << " tol " << tol);
      if (mag[at] > 0) worst = std::max(worst, err / mag[at]);
    }
  }
  return worst;
}

}  // namespace

// The rounding itself: round to nearest, ties to even, carries into the exponent, overflow to
// infinity, subnormals to zero, NaN kept; seen through products of one term (x · 1), both operand
// positions and both layouts, on every table.
TEST(gemm_bf16_rounds_each_operand_to_nearest_even) {
  struct Case {
    float x, rounded;
  };
  const float inf = std::numeric_limits<float>::infinity();
  const Case cases[] = {
      {1.0f, 1.0f},
      {1.0f + 0x1p-8f, 1.0f},                     // a tie: to the even neighbour 1
      {1.0f + 3 * 0x1p-8f, 1.0f + 0x1p-6f},       // a tie: to the even neighbour 1 + 2^-6
      {1.0f + 0x1p-8f + 0x1p-20f, 1.0f + 0x1p-7f},  // just above the tie: up
      {-(1.0f + 0x1p-7f - 0x1p-20f), -(1.0f + 0x1p-7f)},
      {2.0f - 0x1p-20f, 2.0f},                    // carries into the exponent
      {3.14159265f, 3.140625f},
      {0x1.fffffep127f, inf},                     // the largest float rounds to infinity
      {0x1p-130f, 0.0f},                          // subnormal operands are zero
      {-0x1.8p-140f, -0.0f},
      {0x1p-126f, 0x1p-126f},                     // the smallest normal stays
  };
  for (const Case& c : cases) CHECK_MSG(de::cpu::round_to_bf16(c.x) == c.rounded, c.x);
  CHECK(std::isnan(de::cpu::round_to_bf16(std::numeric_limits<float>::quiet_NaN())));
  CHECK(std::signbit(de::cpu::round_to_bf16(-0x1p-130f)));

  for (const char* table : tables_here()) {
    IsaScope scope(table);
    CHECK(scope.ok);
    for (const Case& c : cases) {
      for (int t = 0; t < 4; ++t) {
        const float one = 1.0f;
        float out = -7.0f;
        GemmArgs g;
        g.M = g.N = g.K = 1, g.ta = (t & 1) ? Trans::Yes : Trans::No, g.tb = (t & 2) ? Trans::Yes : Trans::No;
        g.lda = g.ldb = g.ldc = 1, g.C = &out, g.precision = Precision::Bf16;
        g.A = &c.x, g.B = &one;  // x as A
        CHECK(de::masked_gemm(g, nullptr, 1).ok());
        CHECK_MSG(out == c.rounded, table << " A = " << c.x << " gave " << out << " want " << c.rounded);
        g.A = &one, g.B = &c.x;  // x as B
        CHECK(de::masked_gemm(g, nullptr, 1).ok());
        CHECK_MSG(out == c.rounded, table << " B = " << c.x << " gave " << out << " want " << c.rounded);
      }
    }
  }
}

TEST(gemm_bf16_every_flag_combination_matches_bf16_reference) {
  for (const char* table : tables_here()) {
    IsaScope scope(table);
    CHECK(scope.ok);
    uint32_t seed = 3000;
    for (int t = 0; t < 4; ++t) {
      const Trans ta = (t & 1) ? Trans::Yes : Trans::No, tb = (t & 2) ? Trans::Yes : Trans::No;
      for (int bits = 0; bits < 64; ++bits) {
        // Odd and even K, one value, across kc blocks (K = 1100 is 3 blocks, the last padded when odd).
        const int64_t M = 5 + (bits * 7) % 23, N = 9 + (bits * 5) % 37;
        const int64_t K = bits % 8 == 0 ? 1100 + bits % 3 : bits % 8 == 4 ? 1 : 1 + bits % 33;
        Problem p = bf16_problem(M, N, K, ta, tb, options_from_bits(bits), seed++);
        check_against_bf16_reference(p, nullptr, 1, describe(table, p));
      }
    }
  }
}

// The network's three products, with their masks and the weight scale, at the paper's layer
// sizes and at ragged ones; the bf16 product within its bound of the fp32 one, and not equal to it.
TEST(gemm_bf16_three_uses_of_backprop_within_bound_of_fp32) {
  de::ThreadPool pool(2);
  struct Use {
    const char* name;
    int64_t M, N, K;
    Trans ta, tb;
    Options o;
  };
  Options fwd;
  fwd.aMask = fwd.scale = fwd.bias = true;
  Options fwdMore = fwd;  // a second edge into the layer: beta = 1, no bias
  fwdMore.bias = false, fwdMore.beta = true, fwdMore.pad = 3;
  Options wgrad;
  wgrad.bMask = true;
  Options igrad;
  igrad.cMask = true, igrad.beta = true;
  const Use uses[] = {
      {"forward 100x784->1200", 100, 1200, 784, Trans::No, Trans::Yes, fwd},
      {"forward, second edge", 37, 131, 257, Trans::No, Trans::Yes, fwdMore},
      {"weight gradient 1200x784 over 100", 1200, 784, 100, Trans::Yes, Trans::No, wgrad},
      {"weight gradient, odd batch", 61, 45, 33, Trans::Yes, Trans::No, wgrad},
      {"input gradient 100x1200 from 1200", 100, 1200, 1200, Trans::No, Trans::No, igrad},
      {"input gradient, ragged", 17, 29, 601, Trans::No, Trans::No, igrad},
  };
  for (const char* table : tables_here()) {
    IsaScope scope(table);
    uint32_t seed = 4000;
    for (const Use& u : uses) {
      Problem p = bf16_problem(u.M, u.N, u.K, u.ta, u.tb, u.o, seed++);
      const std::string what = std::string(table) + " " + u.name;
      check_against_bf16_reference(p, &pool, 2, what);
      const double worst = check_against_fp32_reference(p, &pool, 2, what);
      // fp32 sums of these sizes err by < K·eps32 ≈ 1e-4 of the magnitude at most, and far less in
      // practice; bf16 operands move some element by more than 2^-12 of it.
      CHECK_MSG(worst > 0x1p-12, what << ": the bf16 product is as close to fp32 as fp32 itself (" << worst << ")");
    }
  }
}

TEST(gemm_bf16_edge_shapes_match_bf16_reference) {
  struct Shape {
    int64_t M, N, K;
  };
  const Shape shapes[] = {{1, 1, 1}, {7, 17, 1}, {17, 7, 2}, {6, 32, 3}, {7, 33, 1023}, {1023, 17, 7},
                          {301, 161, 530}, {9, 4100, 5}, {13, 16, 64}, {5, 48, 31}};
  for (const char* table : tables_here()) {
    IsaScope scope(table);
    uint32_t seed = 5000;
    for (const Shape& s : shapes) {
      for (int t = 0; t < 4; ++t) {
        const Trans ta = (t & 1) ? Trans::Yes : Trans::No, tb = (t & 2) ? Trans::Yes : Trans::No;
        Problem p = bf16_problem(s.M, s.N, s.K, ta, tb, options_from_bits(static_cast<int>(seed % 64)), seed);
        ++seed;
        check_against_bf16_reference(p, nullptr, 1, describe(table, p));
      }
    }
  }
}

// One thread, two or three: the same bits (tiles of C split, never K), with A or B packed whole and
// shared (the batch-100 layers and the tall products).
TEST(gemm_bf16_bit_identical_for_1_2_3_threads) {
  de::ThreadPool pool(3);
  struct Shape {
    int64_t M, N, K;
    Trans ta, tb;
  };
  const Shape shapes[] = {{100, 1200, 784, Trans::No, Trans::Yes},  // columns split: A shared
                          {2000, 50, 601, Trans::No, Trans::Yes},   // rows split: B shared, K odd
                          {1200, 784, 100, Trans::Yes, Trans::No},  // the weight gradient
                          {100, 784, 1200, Trans::No, Trans::No},   // the input gradient
                          {37, 53, 601, Trans::Yes, Trans::No}};
  for (const char* table : tables_here()) {
    IsaScope scope(table);
    uint32_t seed = 6000;
    for (const Shape& s : shapes) {
      Options o;
      o.aMask = o.bMask = o.scale = o.bias = o.cMask = true;
      Problem p = bf16_problem(s.M, s.N, s.K, s.ta, s.tb, o, seed++);
      std::vector<float> one(p.C0.size()), other(p.C0.size());
      CHECK(de::masked_gemm(p.args(one.data()), &pool, 1).ok());
      for (int rep = 0; rep < 3; ++rep) {
        for (int threads : {2, 3}) {
          std::fill(other.begin(), other.end(), -1.0f);
          CHECK(de::masked_gemm(p.args(other.data()), &pool, threads).ok());
          CHECK_MSG(std::memcmp(one.data(), other.data(), one.size() * sizeof(float)) == 0,
                    describe(table, p) << " differs at threads=" << threads);
        }
      }
    }
  }
}

// Every table's bf16 product forms the same sums in the same order: the emulations (each ISA's fp32
// kernel over rounded operands, pairs of k swapped) and, where the CPU has it, vdpbf16ps. Compares
// the tables named with the first of them, bit for bit, at 1 and 2 threads.
static void check_same_bits(const std::vector<const char*>& tables) {
  de::ThreadPool pool(2);
  struct Shape {
    int64_t M, N, K;
  };
  const Shape shapes[] = {{100, 1200, 784}, {13, 47, 301}, {7, 16, 1201}, {61, 1023, 77}, {300, 33, 529}, {1, 1, 5}};
  uint32_t seed = 7000;
  for (const Shape& s : shapes) {
    for (int t = 0; t < 4; ++t) {
      const Trans ta = (t & 1) ? Trans::Yes : Trans::No, tb = (t & 2) ? Trans::Yes : Trans::No;
      for (int bits : {0, 63, static_cast<int>(seed % 64)}) {
        Problem p = bf16_problem(s.M, s.N, s.K, ta, tb, options_from_bits(bits), seed++);
        for (int threads : {1, 2}) {
          std::vector<float> first;
          for (const char* table : tables) {
            IsaScope scope(table);
            CHECK(scope.ok);
            std::vector<float> c = p.C0;
            CHECK(de::masked_gemm(p.args(c.data()), &pool, threads).ok());
            if (first.empty()) first = c;
            else
              CHECK_MSG(std::memcmp(first.data(), c.data(), c.size() * sizeof(float)) == 0,
                        describe(table, p) << " threads=" << threads << ": " << de::cpu::dispatch().gemm_bf16->name
                                           << " differs from " << tables[0]);
          }
        }
      }
    }
  }
}

TEST(gemm_bf16_emulations_give_the_same_bits) {
  std::vector<const char*> emulated;
  for (const char* table : tables_here())
    if (std::string(table) != "avx512" || !native_bf16_here()) emulated.push_back(table);
  if (emulated.size() < 2) SKIP("only the portable table runs here");
  check_same_bits(emulated);
}

TEST(gemm_bf16_native_kernel_gives_the_emulations_bits) {
  if (!native_bf16_here()) SKIP(kNoNative);
  check_same_bits({"avx512", "avx2"});
  check_same_bits({"avx512", "portable"});
}

// The AVX-512 table runs vdpbf16ps exactly where cpuid reports AVX512_BF16; every other table
// emulates.
TEST(gemm_bf16_dispatch) {
  CHECK(std::string(de::cpu::dispatch_for(de::cpu::Isa::Portable)->gemm_bf16->name) == "reference-bf16-emulated");
  if (const de::cpu::Dispatch* d = de::cpu::dispatch_for(de::cpu::Isa::Avx2))
    CHECK(std::string(d->gemm_bf16->name) == "avx2-fma-bf16-emulated");
  const de::cpu::Dispatch* wide = de::cpu::dispatch_for(de::cpu::Isa::Avx512);
  if (!wide) SKIP("no AVX-512F here");
  const bool native = de::cpu::cpu_has_avx512_bf16() && de::kernel_avx512_bf16();
  CHECK(std::string(wide->gemm_bf16->name) == (native ? "avx512-bf16" : "avx512-bf16-emulated"));
  CHECK(wide->gemm_bf16->k_pad == 2 && wide->gemm_bf16->k_per_slot == (native ? 2 : 1));
  if (!native) SKIP(kNoNative);
}
