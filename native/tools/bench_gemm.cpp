// de_bench_gemm: GFLOP/s of the masked product on the paper's shapes, each beside this machine's
// fp32 FMA peak measured in the same run (tools/fma_peak.cpp) and beside OpenBLAS sgemm when
// libopenblas.so.0 is installed (looked up at run time). Each rate is the best and the median of
// the single calls timed, so a noisy shared machine shows up as a gap between the two.
//   de_bench_gemm [--reps N] [--threads 1,2] [--m M] [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/gemm.h"
#include "tools/openblas_probe.h"
#include "core/thread_pool.h"
#include "cpu/dispatch.h"
#include "tools/bench_args.h"
#include "tools/bench_data.h"
#include "tools/fma_peak.h"

namespace {

using Clock = std::chrono::steady_clock;
using de::Trans;

struct Stats {
  double best = 0, median = 0;
};

// Times single calls of fn for `reps` rounds of at least `minSeconds` each; returns the best and the
// median per-call GFLOP/s. On a busy machine the best is the rate of a call nobody interrupted.
template <class Fn>
Stats time_gflops(double flops, int reps, double minSeconds, Fn fn) {
  fn();  // warm caches, packing buffers and pool threads
  std::vector<double> rates;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    for (;;) {
      const auto c0 = Clock::now();
      fn();
      const auto c1 = Clock::now();
      rates.push_back(flops / std::chrono::duration<double>(c1 - c0).count() * 1e-9);
      if (std::chrono::duration<double>(c1 - t0).count() >= minSeconds) break;
    }
  }
  std::sort(rates.begin(), rates.end());
  return {rates.back(), rates[rates.size() / 2]};
}

struct Shape {
  const char* use;  // forward NT (aMask, bias), weight gradient TN (bMask), input gradient NN (cMask)
  int64_t M, N, K;
  Trans ta, tb;
  bool masked;
};

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  bool quick = false;
  long long onlyM = 0;  // --m 100: only the shapes with this M
  std::vector<int> threadList{1, 2};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--m") && i + 1 < argc) onlyM = std::atoll(argv[++i]);
    else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threadList = de::tools::parse_thread_list(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--reps N] [--threads 1,2] [--m M] [--quick]\n", argv[0]);
      return 2;
    }
  }
  const double minSeconds = quick ? 0.03 : 0.1;
  std::vector<Shape> shapes;
  for (int64_t M : {int64_t{100}, int64_t{10000}})
    for (int64_t K : {int64_t{784}, int64_t{1200}}) shapes.push_back({"fwd NT", M, 1200, K, Trans::No, Trans::Yes, true});
  for (int64_t in : {int64_t{784}, int64_t{1200}}) {
    shapes.push_back({"dW  TN", 1200, in, 100, Trans::Yes, Trans::No, true});  // dW[out×in] = Gᵀ·(A⊙mask)
    shapes.push_back({"dA  NN", 100, in, 1200, Trans::No, Trans::No, true});   // dA = (G·W)⊙mask
  }
  int maxThreads = 1;
  for (int t : threadList) maxThreads = std::max(maxThreads, t);
  de::ThreadPool pool(maxThreads);
  const bool haveBlas = de::openblas_available();
  std::printf("kernel %s, %d hardware threads, OpenBLAS %s\n", de::cpu::dispatch().gemm->name, de::hardware_threads(),
              haveBlas ? "found (libopenblas.so.0)" : "not installed: peer column skipped");
  std::printf("%-7s %6s %5s %5s %3s | %8s %8s %6s | %8s %8s %6s | %8s %6s\n", "use", "M", "K", "N", "thr",
              "best", "median", "%peak", "plain", "%peak", "", "openblas", "ours/ob");
  struct Row {
    const Shape* s;
    Stats ours, bare, blas;
  };
  for (int threads : threadList) {
    // The peak before and after the shapes, the higher taken: a neighbour holding a vCPU through one
    // window would otherwise lower it, and raise every ratio below.
    const double peakBefore = de::tools::measure_fma_peak_gflops(threads, quick ? 0.2 : 0.5);
    std::vector<Row> rows;
    for (const Shape& s : shapes) {
      if (onlyM && s.M != onlyM) continue;
      de::tools::GemmOperands ops(s.M, s.N, s.K, s.ta, s.tb);
      const de::GemmArgs& g = ops.masked;
      const de::GemmArgs& plain = ops.plain;
      const double flops = 2.0 * s.M * s.N * s.K;
      bool failed = false;
      const Stats ours = time_gflops(flops, reps, minSeconds, [&] { failed |= !de::masked_gemm(g, &pool, threads).ok(); });
      const Stats bare = time_gflops(flops, reps, minSeconds, [&] { failed |= !de::masked_gemm(plain, &pool, threads).ok(); });
      if (failed) {
        std::printf("masked_gemm failed\n");
        return 1;
      }
      Stats ob;
      if (haveBlas) {
        ob = time_gflops(flops, reps, minSeconds, [&] {
          de::openblas_sgemm(s.ta == Trans::Yes, s.tb == Trans::Yes, s.M, s.N, s.K, ops.A.data(), plain.lda, ops.B.data(),
                             plain.ldb, ops.C.data(), s.N, threads);
        });
      }
      rows.push_back({&s, ours, bare, ob});
    }
    const double peakAfter = de::tools::measure_fma_peak_gflops(threads, quick ? 0.2 : 0.5);
    const double peak = std::max(peakBefore, peakAfter);
    std::printf("-- %d thread%s: measured fp32 FMA peak %.1f GFLOP/s (before %.1f, after %.1f)\n", threads,
                threads > 1 ? "s" : "", peak, peakBefore, peakAfter);
    for (const Row& r : rows) {
      const Shape& s = *r.s;
      std::printf("%-7s %6lld %5lld %5lld %3d | %8.1f %8.1f %5.0f%% | %8.1f %5.0f%% %6s |", s.use,
                  static_cast<long long>(s.M), static_cast<long long>(s.K), static_cast<long long>(s.N), threads,
                  r.ours.best, r.ours.median, 100.0 * r.ours.best / peak, r.bare.best, 100.0 * r.bare.best / peak, "");
      if (haveBlas) std::printf(" %8.1f %6.2f\n", r.blas.best, r.ours.best / r.blas.best);
      else std::printf(" %8s %6s\n", "-", "-");
    }
    std::fflush(stdout);
  }
  std::printf("columns: best/median per-call GFLOP/s of the masked product (%d rounds), %%peak = best/peak; plain = no masks,\n"
              "no bias; openblas = cblas_sgemm best, same shape and threads; ours/ob = masked best / openblas best.\n",
              reps);
  return 0;
}
