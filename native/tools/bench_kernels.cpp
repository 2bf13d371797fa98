// de_bench_kernels: the peers of bench/suite-1-kernels.mjs, as one JSON line on stdout, so that the
// addon exports no benchmark code.
//   de_bench_kernels peak [--threads 1,2] [--seconds S]
//     {"peak":{"1":GFLOP/s,"2":GFLOP/s}}: this machine's fp32 FMA peak (tools/fma_peak.cpp).
//   de_bench_kernels gemm [--threads 1,2] [--seconds S]
//     {"kernel":…, "openblas":bool, "shapes":[{m,k,n,threads, ours:{mean,median,best}, openblas:{…}|null}]}
//     GFLOP/s of the engine's masked product C = (A⊙mask)·Bᵀ on the suite's shapes (m 100 and 10,000;
//     784→1200 and 1200→1200; the mask at keep 0.5) and of OpenBLAS sgemm on the same shape and
//     threads: `mean` over calls of each alone for about a second, `median` and `best` per call with
//     the two called in turn for S seconds (a burst of load from a neighbour then spoils both alike).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/gemm.h"
#include "core/masks.h"
#include "core/thread_pool.h"
#include "cpu/dispatch.h"
#include "tools/bench_args.h"
#include "tools/bench_data.h"
#include "tools/fma_peak.h"
#include "tools/openblas_probe.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Rates {
  double mean = 0, median = 0, best = 0;
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Calls per second of fn alone for about `seconds`, after one warm-up call.
template <class Fn>
double calls_per_second(Fn fn, double seconds) {
  fn();
  const auto t0 = Clock::now();
  int64_t calls = 0;
  do {
    fn();
    ++calls;
  } while (seconds_since(t0) < seconds);
  return calls / seconds_since(t0);
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int peak(const std::vector<int>& threads, double seconds) {
  std::printf("{\"peak\":{");
  for (size_t i = 0; i < threads.size(); ++i)
    std::printf("%s\"%d\":%.3f", i ? "," : "", threads[i], de::tools::measure_fma_peak_gflops(threads[i], seconds));
  std::printf("}}\n");
  return 0;
}

int gemm(const std::vector<int>& threads, double seconds) {
  const bool blas = de::openblas_available();
  int maxThreads = 1;
  for (int t : threads) maxThreads = std::max(maxThreads, t);
  de::ThreadPool pool(maxThreads);
  std::printf("{\"kernel\":\"%s\",\"openblas\":%s,\"shapes\":[", de::cpu::dispatch().gemm->name, blas ? "true" : "false");
  bool first = true;
  for (int64_t m : {int64_t{100}, int64_t{10000}}) {
    for (const auto& kn : {std::pair<int64_t, int64_t>{784, 1200}, std::pair<int64_t, int64_t>{1200, 1200}}) {
      const int64_t k = kn.first, n = kn.second;
      const std::vector<float> a = de::tools::random_floats(static_cast<size_t>(m * k), 1), b = de::tools::random_floats(static_cast<size_t>(n * k), 2);
      std::vector<uint8_t> mask(static_cast<size_t>(m * k));
      de::MaskArgs ma;
      ma.seed = 1, ma.rows = m, ma.cols = k, ma.threshold = de::keep_threshold(0.5), ma.out = mask.data(), ma.ld = k;
      if (!de::bernoulli_mask_u8(ma, &pool, maxThreads).ok()) return 1;
      std::vector<float> c(static_cast<size_t>(m * n));
      for (int t : threads) {
        de::GemmArgs g;
        g.M = m, g.N = n, g.K = k, g.ta = de::Trans::No, g.tb = de::Trans::Yes;
        g.A = a.data(), g.lda = k, g.aMask = mask.data(), g.ldaMask = k;
        g.B = b.data(), g.ldb = k, g.C = c.data(), g.ldc = n;
        bool failed = false;
        auto ours = [&] { failed |= !de::masked_gemm(g, &pool, t).ok(); };
        auto peer = [&] { de::openblas_sgemm_nt(m, n, k, a.data(), k, b.data(), k, c.data(), n, t); };
        const double flop = 2.0 * m * n * k;
        Rates o, p;
        o.mean = flop * calls_per_second(ours, 1.0) * 1e-9;
        if (blas) p.mean = flop * calls_per_second(peer, 1.0) * 1e-9;
        std::vector<double> ro, rp;
        const auto t0 = Clock::now();
        do {
          auto c0 = Clock::now();
          ours();
          ro.push_back(flop / seconds_since(c0) * 1e-9);
          if (blas) {
            c0 = Clock::now();
            peer();
            rp.push_back(flop / seconds_since(c0) * 1e-9);
          }
        } while (seconds_since(t0) < seconds);
        if (failed) return 1;
        o.median = median_of(ro), o.best = *std::max_element(ro.begin(), ro.end());
        if (blas) p.median = median_of(rp), p.best = *std::max_element(rp.begin(), rp.end());
        std::printf("%s{\"m\":%lld,\"k\":%lld,\"n\":%lld,\"threads\":%d,\"ours\":{\"mean\":%.3f,\"median\":%.3f,\"best\":%.3f},",
                    first ? "" : ",", static_cast<long long>(m), static_cast<long long>(k), static_cast<long long>(n), t, o.mean,
                    o.median, o.best);
        if (blas) std::printf("\"openblas\":{\"mean\":%.3f,\"median\":%.3f,\"best\":%.3f}}", p.mean, p.median, p.best);
        else std::printf("\"openblas\":null}");
        std::fflush(stdout);
        first = false;
      }
    }
  }
  std::printf("]}\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* what = argc > 1 ? argv[1] : "";
  std::vector<int> threads{1, 2};
  double seconds = -1;
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = de::tools::parse_thread_list(argv[++i]);
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atof(argv[++i]);
    else what = "";
  }
  if (!std::strcmp(what, "peak")) return peak(threads, seconds > 0 ? seconds : 0.5);
  if (!std::strcmp(what, "gemm")) return gemm(threads, seconds > 0 ? seconds : 4.0);
  std::fprintf(stderr, "usage: %s peak|gemm [--threads 1,2] [--seconds S]\n", argv[0]);
  return 2;
}
