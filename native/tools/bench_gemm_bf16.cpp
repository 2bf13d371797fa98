// de_bench_gemm_bf16: GFLOP/s of the bf16 product (GemmArgs::precision = Bf16) beside the fp32 one at
// the paper's shapes (forward 100 × 784→1200, 100 × 1200→1200, 10000 × 1200→1200, and the batch-100
// backward products), 1 and 2 threads. The machine is shared, so fp32 and bf16 alternate within
// every round (each sees the same neighbours), and each round reports the median of its calls;
// the output gives the range of those medians over the rounds, the best call, and the per-round
// ratio bf16/fp32.
//   de_bench_gemm_bf16 [--rounds N] [--threads 1,2] [--seconds S]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/gemm.h"
#include "core/thread_pool.h"
#include "cpu/dispatch.h"
#include "tools/bench_args.h"
#include "tools/bench_data.h"

namespace {

using Clock = std::chrono::steady_clock;
using de::Precision;
using de::Trans;

struct Shape {
  const char* use;  // forward NT (aMask, bias), weight gradient TN (bMask), input gradient NN (cMask)
  int64_t M, N, K;
  Trans ta, tb;
};

// Calls fn for at least `seconds`; the median and the best per-call GFLOP/s.
template <class Fn>
void time_calls(double flops, double seconds, Fn fn, double* median, double* best) {
  std::vector<double> rates;
  const auto t0 = Clock::now();
  do {
    const auto c0 = Clock::now();
    fn();
    const auto c1 = Clock::now();
    rates.push_back(flops / std::chrono::duration<double>(c1 - c0).count() * 1e-9);
  } while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds || rates.size() < 3);
  std::sort(rates.begin(), rates.end());
  *median = rates[rates.size() / 2];
  *best = rates.back();
}

struct Range {
  double lo = 1e300, hi = 0, best = 0;
  void add(double median, double b) {
    lo = std::min(lo, median), hi = std::max(hi, median), best = std::max(best, b);
  }
};

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  double seconds = 0.3;
  std::vector<int> threadList{1, 2};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threadList = de::tools::parse_thread_list(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--rounds N] [--threads 1,2] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  const Shape shapes[] = {{"fwd NT", 100, 1200, 784, Trans::No, Trans::Yes},
                          {"fwd NT", 100, 1200, 1200, Trans::No, Trans::Yes},
                          {"fwd NT", 10000, 1200, 1200, Trans::No, Trans::Yes},
                          {"dW  TN", 1200, 1200, 100, Trans::Yes, Trans::No},
                          {"dA  NN", 100, 1200, 1200, Trans::No, Trans::No}};
  int maxThreads = 1;
  for (int t : threadList) maxThreads = std::max(maxThreads, t);
  de::ThreadPool pool(maxThreads);
  const de::cpu::Dispatch& d = de::cpu::dispatch();
  std::printf("fp32 kernel %s, bf16 kernel %s, %d rounds of >= %.2f s per precision\n", d.gemm->name, d.gemm_bf16->name,
              rounds, seconds);
  std::printf("%-7s %6s %5s %5s %3s | %-21s %7s | %-21s %7s | %s\n", "use", "M", "K", "N", "thr",
              "fp32 median range", "best", "bf16 median range", "best", "bf16/fp32 per round");
  for (int threads : threadList) {
    for (const Shape& s : shapes) {
      de::tools::GemmOperands ops(s.M, s.N, s.K, s.ta, s.tb);
      const de::GemmArgs& g = ops.masked;
      de::GemmArgs h = g;
      h.precision = Precision::Bf16;
      const double flops = 2.0 * s.M * s.N * s.K;
      bool failed = false;
      auto fp32 = [&] { failed |= !de::masked_gemm(g, &pool, threads).ok(); };
      auto bf16 = [&] { failed |= !de::masked_gemm(h, &pool, threads).ok(); };
      fp32(), bf16();  // warm caches, packing buffers and pool threads
      Range r32, r16;
      std::string ratios;
      for (int r = 0; r < rounds; ++r) {
        double m32, b32, m16, b16;
        // Alternate which goes first, so neither always follows the other's cache state.
        if (r % 2 == 0) time_calls(flops, seconds, fp32, &m32, &b32), time_calls(flops, seconds, bf16, &m16, &b16);
        else time_calls(flops, seconds, bf16, &m16, &b16), time_calls(flops, seconds, fp32, &m32, &b32);
        r32.add(m32, b32);
        r16.add(m16, b16);
        char buf[16];
        std::snprintf(buf, sizeof buf, "%s%.2f", r ? " " : "", m16 / m32);
        ratios += buf;
      }
      if (failed) {
        std::printf("masked_gemm failed\n");
        return 1;
      }
      std::printf("%-7s %6lld %5lld %5lld %3d | %8.1f .. %8.1f %7.1f | %8.1f .. %8.1f %7.1f | %s\n", s.use,
                  static_cast<long long>(s.M), static_cast<long long>(s.K), static_cast<long long>(s.N), threads,
                  r32.lo, r32.hi, r32.best, r16.lo, r16.hi, r16.best, ratios.c_str());
      std::fflush(stdout);
    }
  }
  std::printf("GFLOP/s = 2·M·N·K per call; range = lowest .. highest of the rounds' median calls; best = fastest call.\n");
  return 0;
}
