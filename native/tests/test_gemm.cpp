// The packed masked GEMM against the float64 reference: every trans/mask/scale/bias/beta combination,
// edge shapes, both CPU kernels, bit-identity across thread counts, and argument errors.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/gemm.h"
#include "core/thread_pool.h"
#include "cpu/kernels.h"
#include "cpu/activation_simd.h"
#include "cpu/scan_simd.h"
#include "tests/gemm_problem.h"
#include "tests/kernel_variants.h"
#include "tests/test_framework.h"

namespace {

using KernelScope = IsaScope;

std::vector<const char*> kernels_here() {
  std::vector<const char*> k{"ref"};
  if (de::cpu::dispatch_for(de::cpu::Isa::Avx2)) k.push_back("avx2");
  if (de::cpu::dispatch_for(de::cpu::Isa::Avx512)) k.push_back("avx512");
  return k;
}

// Runs the fast product and the float64 reference; fails with the worst element when they differ by
// more than (K + 4) float epsilons of the magnitude of the terms.
void check_against_reference(const Problem& p, de::ThreadPool* pool, int threads, const std::string& what) {
  std::vector<float> fast = p.C0, ref = p.C0;
  de::Result r = de::masked_gemm(p.args(fast.data()), pool, threads);
  CHECK_MSG(r.ok(), what << ": " << r.message);
  r = de::masked_gemm_reference(p.args(ref.data()));
  CHECK_MSG(r.ok(), what << ": " << r.message);
  const std::vector<float> mag = p.magnitude();
  const double eps = std::numeric_limits<float>::epsilon();
  for (int64_t i = 0; i < p.M; ++i) {
    for (int64_t j = 0; j < p.N; ++j) {
      const size_t at = static_cast<size_t>(i * p.ldc + j);
      const double tol = (static_cast<double>(p.K) + 4.0) * eps * (mag[at] + 1e-30);
      const bool ok = std::fabs(static_cast<double>(fast[at]) - ref[at]) <= tol;
      CHECK_MSG(ok, what << " at (" << i << "," << j << "): fast " << fast[at] << " reference " << ref[at]
                         << " tol " << tol);
    }
    for (int64_t j = p.N; j < p.ldc; ++j) {  // padding between rows is never written
      const size_t at = static_cast<size_t>(i * p.ldc + j);
      CHECK_MSG(std::memcmp(&fast[at], &p.C0[at], sizeof(float)) == 0, what << ": wrote into the padding of C");
    }
  }
}

}  // namespace

TEST(gemm_every_flag_combination_matches_reference) {
  for (const char* kernel : kernels_here()) {
    KernelScope scope(kernel);
    CHECK(scope.ok);
    uint32_t seed = 1;
    for (int t = 0; t < 4; ++t) {
      const Trans ta = (t & 1) ? Trans::Yes : Trans::No, tb = (t & 2) ? Trans::Yes : Trans::No;
      for (int bits = 0; bits < 64; ++bits) {
        // Shapes that are not multiples of any tile, K across two kc blocks now and then.
        const int64_t M = 5 + (bits * 7) % 23, N = 9 + (bits * 5) % 37, K = (bits % 4 == 0) ? 300 : 1 + bits % 29;
        Problem p(M, N, K, ta, tb, options_from_bits(bits), seed++);
        check_against_reference(p, nullptr, 1, describe(kernel, p));
      }
    }
  }
}

TEST(gemm_edge_shapes_match_reference) {
  const int64_t small[] = {1, 7, 17};
  struct Shape {
    int64_t M, N, K;
  };
  std::vector<Shape> shapes;
  for (int64_t m : small)
    for (int64_t n : small)
      for (int64_t k : small) shapes.push_back({m, n, k});
  // 1023 along each dimension; blocks beyond one mc, kc and nc; the paper's batch-100 layer.
  shapes.insert(shapes.end(), {{1023, 17, 7}, {7, 1023, 17}, {17, 7, 1023}, {1, 1, 1023}, {1023, 1, 1},
                               {301, 161, 530}, {9, 4100, 5}, {100, 120, 784}});
  uint32_t seed = 100;
  for (const char* kernel : kernels_here()) {
    KernelScope scope(kernel);
    CHECK(scope.ok);
    for (const Shape& s : shapes) {
      for (int t = 0; t < 4; ++t) {
        const Trans ta = (t & 1) ? Trans::Yes : Trans::No, tb = (t & 2) ? Trans::Yes : Trans::No;
        Options o = options_from_bits(static_cast<int>(seed % 64));
        Problem p(s.M, s.N, s.K, ta, tb, o, seed++);
        check_against_reference(p, nullptr, 1, describe(kernel, p));
      }
    }
  }
}

TEST(gemm_three_uses_of_backprop_match_reference) {
  // Forward NT with aMask + scale + bias, weight gradient TN with bMask, input gradient NN with cMask.
  de::ThreadPool pool(2);
  for (const char* kernel : kernels_here()) {
    KernelScope scope(kernel);
    Options fwd;
    fwd.aMask = fwd.scale = fwd.bias = true;
    check_against_reference(Problem(100, 130, 200, Trans::No, Trans::Yes, fwd, 7), &pool, 2, "forward");
    Options wgrad;
    wgrad.bMask = true;
    check_against_reference(Problem(130, 200, 100, Trans::Yes, Trans::No, wgrad, 8), &pool, 2, "weight gradient");
    Options igrad;
    igrad.cMask = true;
    check_against_reference(Problem(100, 200, 130, Trans::No, Trans::No, igrad, 9), &pool, 2, "input gradient");
  }
}

TEST(gemm_zero_sizes) {
  for (int bits = 0; bits < 64; ++bits) {
    Options o = options_from_bits(bits);
    Problem p(6, 11, 0, Trans::No, Trans::Yes, o, 40u + bits);  // K = 0: C = beta·C + bias, ⊙ cMask
    check_against_reference(p, nullptr, 1, describe("k0", p));
  }
  float c = 5.0f;
  GemmArgs g;
  g.M = 0, g.N = 3, g.K = 4, g.C = &c, g.ldc = 3;
  CHECK(de::masked_gemm(g, nullptr, 1).ok());
  g.M = 3, g.N = 0, g.ldc = 0;
  CHECK(de::masked_gemm(g, nullptr, 1).ok());
  CHECK(c == 5.0f);
}

TEST(gemm_bit_identical_for_1_2_3_threads) {
  de::ThreadPool pool(3);
  struct Shape {
    int64_t M, N, K;
    Trans ta, tb;
  };
  const Shape shapes[] = {{100, 1200, 300, Trans::No, Trans::Yes},   // batch 100: split over columns
                          {1000, 40, 300, Trans::No, Trans::Yes},    // tall: split over rows
                          {37, 53, 601, Trans::Yes, Trans::No},
                          {61, 290, 77, Trans::No, Trans::No}};
  for (const char* kernel : kernels_here()) {
    KernelScope scope(kernel);
    uint32_t seed = 500;
    for (const Shape& s : shapes) {
      Options o;
      o.aMask = o.scale = o.bias = o.cMask = true;
      Problem p(s.M, s.N, s.K, s.ta, s.tb, o, seed++);
      std::vector<float> one(p.C0.size()), other(p.C0.size());
      CHECK(de::masked_gemm(p.args(one.data()), &pool, 1).ok());
      for (int threads : {2, 3, 0}) {
        std::fill(other.begin(), other.end(), -1.0f);
        CHECK(de::masked_gemm(p.args(other.data()), &pool, threads).ok());
        CHECK_MSG(std::memcmp(one.data(), other.data(), one.size() * sizeof(float)) == 0,
                  kernel << " M=" << s.M << " N=" << s.N << " K=" << s.K << " differs at threads=" << threads);
      }
    }
  }
}

// Products split over rows only share B packed whole, over columns only share A (gemm.cpp): the
// same bits as one thread packing per block, with ragged kc blocks, both transposes and every mask.
TEST(gemm_shared_packing_is_bit_identical) {
  de::ThreadPool pool(3);
  struct Shape {
    int64_t M, N, K;
    Trans ta, tb;
  };
  const Shape shapes[] = {{2000, 50, 601, Trans::No, Trans::Yes},   // rows: B shared, K = 3 blocks of 201/201/199
                          {1500, 33, 130, Trans::Yes, Trans::No},   // rows, transposed A
                          {64, 3000, 601, Trans::No, Trans::Yes},   // columns: A shared
                          {90, 2000, 257, Trans::No, Trans::No},    // columns, B not transposed
                          {7, 1023, 1023, Trans::No, Trans::Yes}};  // columns, A one and a bit micro-panels
  for (const char* kernel : kernels_here()) {
    KernelScope scope(kernel);
    uint32_t seed = 900;
    for (const Shape& s : shapes) {
      Options o;
      o.aMask = o.bMask = o.scale = o.bias = o.cMask = true;
      Problem p(s.M, s.N, s.K, s.ta, s.tb, o, seed++);
      std::vector<float> one(p.C0.size()), other(p.C0.size());
      CHECK(de::masked_gemm(p.args(one.data()), &pool, 1).ok());
      // Repeated: threads packing side by side must never write over each other's panels (a
      // packer's store past its panel once did, now and then).
      for (int rep = 0; rep < 20; ++rep) {
        for (int threads : {2, 3}) {
          std::fill(other.begin(), other.end(), -1.0f);
          CHECK(de::masked_gemm(p.args(other.data()), &pool, threads).ok());
          CHECK_MSG(std::memcmp(one.data(), other.data(), one.size() * sizeof(float)) == 0,
                    kernel << " M=" << s.M << " N=" << s.N << " K=" << s.K << " differs at threads=" << threads);
        }
      }
      check_against_reference(p, &pool, 2, describe(kernel, p));
    }
  }
}

// The AVX-512 6×32 kernel forms every element's sum as the AVX2 6×16 one does (the same FMA chain
// over each kc block, the same blocks, the same add into C), so a machine with AVX-512 computes the
// very bits a machine without it does: every flag, both transposes, ragged edges (n <= 16 takes the
// half-width path), 1 and 2 threads.
TEST(gemm_avx512_and_avx2_products_are_bit_identical) {
  if (!de::cpu::dispatch_for(de::cpu::Isa::Avx512)) SKIP("no AVX-512F kernel on this machine");
  de::ThreadPool pool(2);
  struct Shape {
    int64_t M, N, K;
  };
  const Shape shapes[] = {{100, 1200, 784}, {13, 47, 300}, {7, 16, 601}, {61, 1023, 77}, {300, 33, 529}, {1, 1, 5}};
  uint32_t seed = 1300;
  for (const Shape& s : shapes) {
    for (int t = 0; t < 4; ++t) {
      const Trans ta = (t & 1) ? Trans::Yes : Trans::No, tb = (t & 2) ? Trans::Yes : Trans::No;
      for (int bits : {0, 63, static_cast<int>(seed % 64)}) {
        Problem p(s.M, s.N, s.K, ta, tb, options_from_bits(bits), seed++);
        for (int threads : {1, 2}) {
          std::vector<float> narrow = p.C0, wide = p.C0;
          {
            KernelScope k("avx2");
            CHECK(de::masked_gemm(p.args(narrow.data()), &pool, threads).ok());
          }
          {
            KernelScope k("avx512");
            CHECK(k.ok);
            CHECK(de::masked_gemm(p.args(wide.data()), &pool, threads).ok());
          }
          CHECK_MSG(std::memcmp(narrow.data(), wide.data(), narrow.size() * sizeof(float)) == 0,
                    describe("avx512 vs avx2", p) << " threads=" << threads);
        }
      }
    }
  }
}

TEST(gemm_kernels_agree_within_tolerance) {
  if (kernels_here().size() < 2) SKIP("no AVX2+FMA on this machine");
  Options o;
  o.aMask = o.bias = true;
  Problem p(50, 70, 1000, Trans::No, Trans::Yes, o, 77);
  std::vector<float> ref(p.C0.size()), fast(p.C0.size());
  {
    KernelScope s("ref");
    CHECK(de::masked_gemm(p.args(ref.data()), nullptr, 1).ok());
  }
  {
    KernelScope s("avx2");
    CHECK(de::masked_gemm(p.args(fast.data()), nullptr, 1).ok());
  }
  const std::vector<float> mag = p.magnitude();
  for (size_t i = 0; i < ref.size(); ++i)
    CHECK_MSG(std::fabs(ref[i] - fast[i]) <= 2.0 * 1004 * 1.2e-7 * mag[i], "element " << i);
}

// One hook switches the whole table: GEMM, moments, activations, scans, masks and gates together.
TEST(dispatch_selection) {
  const de::cpu::Dispatch& automatic = de::cpu::dispatch();
  const std::string name = automatic.gemm->name;
  CHECK(name == "avx512" || name == "avx2-fma" || name == "reference");
  {
    KernelScope s("ref");
    CHECK(s.ok);
    const de::cpu::Dispatch& d = de::cpu::dispatch();
    CHECK(std::string(d.gemm->name) == "reference" && std::string(d.moments_name) == "portable");
    CHECK(d.moments_block == de::cpu::moments_block_portable && d.logistic_row == de::cpu::logistic_row_portable);
    CHECK(d.mask_blocks == de::cpu::mask_blocks_portable && d.gates->masked_dot == de::cpu::masked_dot_portable);
    CHECK(d.first_non_finite == de::cpu::first_non_finite_portable);
  }
  CHECK(!de::cpu::force_isa_for_testing("sse9"));
  CHECK(&de::cpu::dispatch() == &automatic);
  if (de::cpu::cpu_has_avx2_fma()) {
    KernelScope s("avx2");
    CHECK(s.ok);
    const de::cpu::Dispatch& d = de::cpu::dispatch();
    CHECK(std::string(d.gemm->name) == "avx2-fma" && std::string(d.moments_name) == "avx2");
    CHECK(d.mask_blocks == de::cpu::mask_blocks_avx2 && d.gates->masked_dot == de::cpu::masked_dot_avx2);
  }
  {
    KernelScope s("avx512");
    CHECK(s.ok == (de::cpu::dispatch_for(de::cpu::Isa::Avx512) != nullptr));
    if (s.ok) CHECK(std::string(de::cpu::dispatch().gemm->name) == "avx512" && std::string(de::cpu::dispatch().moments_name) == "avx512");
  }
  CHECK(&de::cpu::dispatch() == &automatic);
  // The automatic choice is the widest table this machine runs (unless DE_CPU_KERNEL says otherwise).
  if (!std::getenv("DE_CPU_KERNEL")) {
    const de::cpu::Dispatch* widest = de::cpu::dispatch_for(de::cpu::Isa::Avx512);
    if (!widest) widest = de::cpu::dispatch_for(de::cpu::Isa::Avx2);
    if (!widest) widest = de::cpu::dispatch_for(de::cpu::Isa::Portable);
    CHECK(&automatic == widest);
  }
}

TEST(gemm_rejects_bad_arguments) {
  std::vector<float> a(64, 1.0f), b(64, 1.0f), c(64, 0.0f);
  auto base = [&] {
    GemmArgs g;
    g.M = 4, g.N = 4, g.K = 4, g.ta = Trans::No, g.tb = Trans::Yes;
    g.A = a.data(), g.lda = 4, g.B = b.data(), g.ldb = 4, g.C = c.data(), g.ldc = 4;
    return g;
  };
  CHECK(de::masked_gemm(base(), nullptr, 1).ok());
  CHECK(c[0] == 4.0f);
  std::vector<GemmArgs> bad;
  GemmArgs g = base(); g.M = -1; bad.push_back(g);
  g = base(); g.K = -2; bad.push_back(g);
  g = base(); g.C = nullptr; bad.push_back(g);
  g = base(); g.A = nullptr; bad.push_back(g);
  g = base(); g.ldc = 3; bad.push_back(g);
  g = base(); g.lda = 3; bad.push_back(g);
  g = base(); g.ldb = 2; bad.push_back(g);
  g = base(); g.beta = 0.5f; bad.push_back(g);
  std::vector<uint8_t> mask(64, 1);
  g = base(); g.aMask = mask.data(); g.ldaMask = 1; bad.push_back(g);
  g = base(); g.cMask = mask.data(); g.ldcMask = 2; bad.push_back(g);
  for (size_t i = 0; i < bad.size(); ++i) {
    const de::Result r = de::masked_gemm(bad[i], nullptr, 1);
    CHECK_MSG(r.status == de::Status::InvalidArgument, "case " << i);
    CHECK_MSG(!r.message.empty(), "case " << i);
  }
}
