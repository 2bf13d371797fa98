// de_bench_moments: moment accumulation rate on the ensemble sampler's shape: 10,000 samples
// of the paper's 4,810 neurons (1200·4 + 10), fed one layer at a time in batches, as the sampler
// does. Prints ns per neuron-sample per thread (wall time × threads, and CPU time) (lower is better; the target is about 2.5) for
// logits (logistic units: mean, M2, M3, min, max and both log sums), without logs (ReLU/linear/tanh
// layers), and with a 64-bin histogram, on 1 and 2 threads. Best and median of several repetitions.
//   de_bench_moments [--reps N] [--samples N] [--batch N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>


#include "core/moments.h"
#include "core/thread_pool.h"
#include "tools/bench_cpu_time.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Layer {
  std::vector<float> z, o;  // batch × units
  int64_t units;
};

struct Case {
  const char* name;
  bool logits, logs;
  int bins;
};

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  int64_t samples = 10000, batch = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--samples")) samples = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--batch")) batch = std::atoll(argv[i + 1]);
  }
  const std::vector<int64_t> units = {1200, 1200, 1200, 1200, 10};
  int64_t neurons = 0;
  std::vector<Layer> layers;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (int64_t n : units) {
    Layer l;
    l.units = n;
    neurons += n;
    l.z.resize(static_cast<size_t>(batch * n));
    l.o.resize(l.z.size());
    for (size_t k = 0; k < l.z.size(); ++k) {
      l.z[k] = normal(rng);
      l.o[k] = 1.0f / (1.0f + std::exp(-l.z[k]));
    }
    layers.push_back(std::move(l));
  }
  de::ThreadPool pool(2);
  const Case cases[] = {{"logits", true, true, 0}, {"no logs", false, false, 0}, {"logits + 64-bin histogram", true, true, 64}};
  std::printf("moment accumulation, %lld samples x %lld neurons, batch %lld: ns per neuron-sample per thread\n",
              static_cast<long long>(samples), static_cast<long long>(neurons), static_cast<long long>(batch));
  for (const Case& c : cases) {
    for (int threads : {1, 2}) {
      std::vector<double> ns, cpu;
      for (int r = 0; r < reps; ++r) {
        std::vector<de::MomentAccumulator> acc;
        for (const Layer& l : layers) acc.emplace_back(l.units, c.bins, 0.0, 1.0, c.logs);
        const auto t0 = Clock::now();
        const double c0 = cpu_seconds();
        for (int64_t s = 0; s < samples; s += batch) {
          const int64_t rows = std::min(batch, samples - s);
          for (size_t k = 0; k < layers.size(); ++k) {
            const Layer& l = layers[k];
            acc[k].add(l.o.data(), rows, l.units, c.logits ? l.z.data() : nullptr, l.units, &pool, threads);
          }
        }
        const double sec = std::chrono::duration<double>(Clock::now() - t0).count();
        ns.push_back(sec * 1e9 * threads / (static_cast<double>(samples) * neurons));
        cpu.push_back((cpu_seconds() - c0) * 1e9 / (static_cast<double>(samples) * neurons));
      }
      std::sort(ns.begin(), ns.end());
      std::sort(cpu.begin(), cpu.end());
      std::printf("  %-26s threads %d: wall x threads best %6.2f median %6.2f ns | cpu best %6.2f ns | wall %.1f ms\n",
                  c.name, threads, ns.front(), ns[ns.size() / 2], cpu.front(),
                  ns.front() * samples * neurons / threads * 1e-6);
    }
  }
  return 0;
}
