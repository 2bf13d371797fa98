// MomentAccumulator's fast paths: the AVX2 and AVX-512 column-group kernels against the portable one (ragged
// neuron counts, several row blocks, NaN and huge logits, histogram counts equal exactly), and the
// logs = false option (log sums NaN, everything else bit-identical to logs = true; merge and
// serialisation keep the flag).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/moments.h"
#include "core/thread_pool.h"
#include "cpu/kernels.h"
#include "cpu/moments_simd.h"
#include "tests/kernel_variants.h"
#include "tests/test_framework.h"

namespace {

struct Batch {
  int64_t rows, neurons;
  std::vector<float> z, o;
};

// Logits around per-neuron offsets; a few NaN values and logits past ±80 (the exact double path).
Batch make_batch(int64_t rows, int64_t neurons, uint32_t seed) {
  Batch b{rows, neurons, {}, {}};
  std::mt19937 g(seed);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < neurons; ++j) {
      float z = nd(g) + static_cast<float>(j % 9) - 4.0f;
      if ((r * 31 + j) % 997 == 5) z = (j & 1) ? 95.0f : -120.0f;
      b.z.push_back(z);
      b.o.push_back(static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(z)))));
    }
  b.o[b.o.size() / 3] = NAN;  // ignored by min / max / histogram, propagates into the sums
  return b;
}

de::MomentAccumulator accumulate(const Batch& b, int bins, bool logs, bool logits, de::ThreadPool* pool, int threads,
                                 double lo = 0.0, double hi = 1.0) {
  de::MomentAccumulator acc(b.neurons, bins, lo, hi, logs);
  acc.add(b.o.data(), b.rows, b.neurons, logits ? b.z.data() : nullptr, b.neurons, pool, threads);
  return acc;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

bool close(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::fabs(a - b) <= rel * std::fabs(b) + 1e-300;
}

}  // namespace

// Each column-group build this CPU runs (AVX2, AVX-512) against the portable loops.
TEST(moments_group_kernels_match_portable) {
  if (!de::cpu::cpu_has_avx2_fma()) SKIP("no AVX2 on this CPU");
  de::ThreadPool pool(2);
  struct Restore {  // the automatic choice again, even when a check below throws
    ~Restore() { de::cpu::force_isa_for_testing(""); }
  } restore;
  int kernels = 0;
  for (const char* kernel : {"avx2", "avx512"}) {
    if (!de::cpu::force_isa_for_testing(kernel)) continue;  // not built, or not this CPU
    ++kernels;
    for (int64_t neurons : {1, 7, 13, 17, 264, 301}) {
      const Batch b = make_batch(600, neurons, static_cast<uint32_t>(neurons));  // 600 rows: three row blocks
      // No histogram; [0, 1) in 16 bins (binned in float: exact); [−0.1, 1.2) in 13 (binned in double).
      for (const auto& [bins, lo, hi] : {std::tuple<int, double, double>{0, 0.0, 1.0}, {16, 0.0, 1.0}, {13, -0.1, 1.2}}) {
        CHECK(de::cpu::force_isa_for_testing(kernel));
        const de::MomentAccumulator fast = accumulate(b, bins, true, true, &pool, 2, lo, hi);
        CHECK(de::cpu::force_isa_for_testing("portable"));
        const de::MomentAccumulator portable = accumulate(b, bins, true, true, nullptr, 1, lo, hi);
        for (int64_t j = 0; j < neurons; ++j) {
          CHECK_MSG(close(fast.mean()[j], portable.mean()[j], 1e-14), kernel << ": mean of neuron " << j);
          CHECK(close(fast.m2()[j], portable.m2()[j], 1e-12));
          // M3 may be near 0; Σ|d|³ <= (Σd²)^1.5 is its scale.
          CHECK(std::isnan(portable.m3()[j]) || std::fabs(fast.m3()[j] - portable.m3()[j]) <= 1e-12 * std::pow(portable.m2()[j], 1.5) + 1e-300);
          CHECK(close(fast.sum_log()[j], portable.sum_log()[j], 1e-7) && close(fast.sum_log1m()[j], portable.sum_log1m()[j], 1e-7));
          CHECK(fast.min()[j] == portable.min()[j] && fast.max()[j] == portable.max()[j]);
        }
        CHECK_MSG(fast.histogram() == portable.histogram(), kernel << ": histogram of " << neurons << " neurons");
      }
    }
  }
  CHECK(kernels >= 1);
}

TEST(moments_kernel_choice_follows_the_cpu_and_the_override) {
  const std::string automatic = de::cpu::dispatch().moments_name;
  const char* env = std::getenv("DE_CPU_KERNEL");
  const std::string forced = env ? env : "";
  const char* best = forced == "ref" || forced == "portable"                        ? "portable"
                     : forced == "avx2" && de::cpu::dispatch_for(de::cpu::Isa::Avx2) ? "avx2"
                     : de::cpu::dispatch_for(de::cpu::Isa::Avx512)                   ? "avx512"
                     : de::cpu::dispatch_for(de::cpu::Isa::Avx2)                     ? "avx2"
                                                                                     : "portable";
  CHECK_MSG(automatic == best, automatic << " vs " << best);
  CHECK(!de::cpu::force_isa_for_testing("sse9"));
  CHECK(de::cpu::dispatch().moments_name == automatic);
  CHECK(de::cpu::force_isa_for_testing("ref"));  // DE_CPU_KERNEL=ref: the portable loops, moments included
  CHECK(std::string(de::cpu::dispatch().moments_name) == "portable");
  de::cpu::force_isa_for_testing("");
  CHECK(de::cpu::dispatch().moments_name == automatic);
}

TEST(moments_logs_off_skips_only_the_log_sums) {
  de::ThreadPool pool(2);
  const Batch b = make_batch(300, 37, 5);
  for (bool logits : {true, false}) {
    const de::MomentAccumulator on = accumulate(b, 8, true, logits, &pool, 2);
    const de::MomentAccumulator off = accumulate(b, 8, false, logits, &pool, 2);
    CHECK(on.logs() && !off.logs());
    CHECK(same_bits(on.mean(), off.mean()) && same_bits(on.m2(), off.m2()) && same_bits(on.m3(), off.m3()));
    CHECK(same_bits(on.min(), off.min()) && same_bits(on.max(), off.max()) && on.histogram() == off.histogram());
    for (int64_t j = 0; j < 37; ++j) CHECK(std::isnan(off.sum_log()[j]) && std::isnan(off.sum_log1m()[j]));
  }
  // A shard without log sums leaves the merged whole without them.
  de::MomentAccumulator whole = accumulate(b, 8, true, true, nullptr, 1);
  CHECK(whole.merge(accumulate(b, 8, false, true, nullptr, 1)).ok());
  CHECK(!whole.logs() && std::isnan(whole.sum_log()[0]) && whole.count() == 600);
  // The flag survives serialisation; a buffer with an unknown flag is still rejected.
  const de::MomentAccumulator off = accumulate(b, 8, false, true, nullptr, 1);
  std::vector<uint8_t> bytes = off.serialize();
  de::MomentAccumulator back(0, 0);
  CHECK(de::MomentAccumulator::deserialize(bytes.data(), bytes.size(), &back).ok());
  CHECK(!back.logs() && same_bits(back.mean(), off.mean()) && std::isnan(back.sum_log()[3]));
  bytes[12] = 2;
  CHECK(!de::MomentAccumulator::deserialize(bytes.data(), bytes.size(), &back).ok());
}

TEST(moments_logs_off_threads_bit_identical) {
  de::ThreadPool pool(3);
  const Batch b = make_batch(700, 529, 8);
  const de::MomentAccumulator one = accumulate(b, 4, false, false, nullptr, 1);
  for (int threads : {2, 3}) {
    const de::MomentAccumulator t = accumulate(b, 4, false, false, &pool, threads);
    CHECK(same_bits(t.mean(), one.mean()) && same_bits(t.m2(), one.m2()) && same_bits(t.m3(), one.m3()));
    CHECK(same_bits(t.min(), one.min()) && same_bits(t.max(), one.max()) && t.histogram() == one.histogram());
  }
}
