// The machine's fp32 FMA peak, measured rather than looked up: each thread runs 12 independent
// FMA chains held in registers (more than latency × pipes = 4 × 2 on Zen 4), so the loop is bound
// by FMA throughput alone. The benchmarks print every GEMM rate as a ratio to this number.
// The AVX2 and AVX-512 loops (fma_loop.h) are compiled in files of their own ISA and run only
// after cpuid said yes; elsewhere a portable loop measures what the baseline ISA can do. Where the
// CPU has AVX-512F the chunks alternate between the two widths and the faster counts: on Zen 4 they
// tie (its 512-bit FMAs are two 256-bit halves), on a CPU with two 512-bit FMA units the wide loop
// is the real peak, and on one that lowers its clock for 512-bit work the narrow loop is.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "cpu/dispatch.h"
#include "tools/fma_peak.h"

namespace de {
namespace tools {

namespace {

constexpr int kChains = 12;

double fma_loop_portable(int64_t iters, float seed, float* sink) {
  constexpr int kLanes = 4 * kChains;
  float acc[kLanes];
  for (int j = 0; j < kLanes; ++j) acc[j] = seed + static_cast<float>(j);
  for (int64_t i = 0; i < iters; ++i)
    for (int j = 0; j < kLanes; ++j) acc[j] = acc[j] * 0.999999f + 1.0e-7f;
  float s = 0.0f;
  for (int j = 0; j < kLanes; ++j) s += acc[j];
  *sink = s;
  return static_cast<double>(iters) * kLanes * 2;
}

// wide: the AVX-512 loop (half the iterations, the same flops), where the CPU has it.
double fma_chunk(int64_t iters, float seed, float* sink, bool wide) {
  if (wide && cpu::cpu_has_avx512f() && fma_loop_avx512) return fma_loop_avx512(iters / 2, seed, sink);
  if (cpu::cpu_has_avx2_fma() && fma_loop_avx2) return fma_loop_avx2(iters, seed, sink);
  return fma_loop_portable(iters, seed, sink);
}

}  // namespace

// Each thread keeps the rate of its fastest ~1 ms chunk and the rates are summed: on a shared or
// virtualised machine a preempted chunk only lowers a sample, never the peak.
double measure_fma_peak_gflops(int threads, double seconds) {
  if (threads < 1) threads = 1;
  if (!(seconds > 0.0)) seconds = 0.1;
  using Clock = std::chrono::steady_clock;
  constexpr int64_t kChunk = 1 << 16;  // 12.6 MFLOP: about 0.1 ms at 100 GFLOP/s
  std::vector<double> best(static_cast<size_t>(threads), 0.0);
  std::vector<float> sinks(static_cast<size_t>(threads), 0.0f);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  Clock::time_point start;
  const auto duration = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  auto body = [&](int t) {
    ready.fetch_add(1);
    while (!go.load()) std::this_thread::yield();
    const Clock::time_point stop = start + duration;
    double top = 0.0;
    bool wide = false;
    for (Clock::time_point now = Clock::now(); now < stop; wide = !wide) {
      const double f = fma_chunk(kChunk, 1.0f + static_cast<float>(t), &sinks[static_cast<size_t>(t)], wide);
      const Clock::time_point after = Clock::now();
      const double dt = std::chrono::duration<double>(after - now).count();
      if (dt > 0.0) top = std::max(top, f / dt);
      now = after;
    }
    best[static_cast<size_t>(t)] = top;
  };
  std::vector<std::thread> pool;
  try {
    for (int t = 1; t < threads; ++t) pool.emplace_back(body, t);
  } catch (...) {  // could not start a thread: measure with the ones that started
    threads = static_cast<int>(pool.size()) + 1;
    best.resize(static_cast<size_t>(threads));
  }
  while (ready.load() < threads - 1) std::this_thread::yield();
  start = Clock::now();
  go.store(true);
  body(0);
  for (auto& th : pool) th.join();
  double total = 0.0;
  for (double b : best) total += b;
  return total * 1e-9;
}

}  // namespace tools
}  // namespace de
