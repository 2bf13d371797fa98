// de_bench_connection_dropout: training throughput (examples/s) with connection dropout (Eq. 3) on
// the paper's network 784-1200-1200-1200-1200-10 (logistic hidden units, softmax top, keep 0.8 input
// / 0.5 hidden), batch 100, Adam, on 1 and 2 threads; random inputs (the rate does not depend on the
// data). Also the time of each connection kernel on the 1200→1200 layer at batch 100, recording the
// gates in the forward pass and replaying them in the gradients as training does.
//   de_bench_connection_dropout [--examples N] [--threads 1,2]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/connection_dropout.h"
#include "core/masks.h"
#include "common/mask_streams.h"
#include "core/network.h"
#include "core/thread_pool.h"
#include "core/trainer.h"
#include "tools/bench_args.h"
#include "tools/bench_cpu_time.h"

namespace {

using Clock = std::chrono::steady_clock;

de::NetworkSpec paper_spec(int threads) {
  de::NetworkSpec s;
  s.inputs = 784;
  s.inputKeep.assign(784, 0.8f);
  s.dropout = de::DropoutMode::Connections;
  s.seed = 1;
  s.threads = threads;
  for (int h = 0; h < 4; ++h) {
    de::LayerSpec l;
    l.units = 1200;
    l.activation = de::Activation::Logistic;
    l.keep.assign(1200, 0.5f);
    s.layers.push_back(l);
  }
  de::LayerSpec top;
  top.units = 10;
  top.activation = de::Activation::Softmax;
  s.layers.push_back(top);
  return s;
}

template <class F>
double seconds(F f) {
  const auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t examples = 1000;
  std::vector<int> threadList = {1, 2};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--examples")) examples = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--threads")) threadList = de::tools::parse_thread_list(argv[i + 1]);
  }
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(examples * 784));
  for (auto& v : x) v = u(rng);
  std::vector<int32_t> y(static_cast<size_t>(examples));
  for (auto& v : y) v = static_cast<int32_t>(rng() % 10);

  std::printf("connection dropout, 784-1200x4-10, batch 100, Adam, %lld examples\n", static_cast<long long>(examples));
  for (int threads : threadList) {
    std::unique_ptr<de::Network> net;
    de::Result r = de::Network::create(paper_spec(threads), &net);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.message.c_str());
      return 1;
    }
    de::TrainData d;
    d.inputs = x.data();
    d.count = examples;
    d.targets.labels = y.data();
    de::TrainOptions o;
    o.epochs = 1;
    o.batchSize = 100;
    o.learningRate = {1e-3f};
    o.seed = 7;
    o.threads = threads;
    std::vector<de::EpochRecord> h;
    const double c0 = cpu_seconds();
    const double sec = seconds([&] { r = de::train(*net, d, o, &h); });
    const double cpu = cpu_seconds() - c0;
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.message.c_str());
      return 1;
    }
    std::printf("  train, threads %d: %8.1f examples/s (wall), %8.1f examples/s per CPU-second\n", threads,
                examples / sec, examples / cpu);

    // The three kernels on the 1200→1200 layer, batch 100.
    const int64_t rows = 100, n = 1200;
    std::vector<float> A(rows * n), W(n * n), S(rows * n), dS(rows * n), dW(n * n), dA(rows * n);
    for (auto& v : A) v = u(rng);
    for (auto& v : W) v = u(rng) - 0.5f;
    for (auto& v : dS) v = u(rng) - 0.5f;
    std::vector<uint64_t> thr(n, de::keep_threshold(0.5));
    de::ConnectionGates g;
    g.unitsH = n;
    g.unitsL = n;
    g.seed = 9;
    g.stream = de::connection_stream(de::MaskPurpose::Train, 2, 1);
    g.thresholds = thr.data();
    de::ThreadPool* pool = net->pool();
    std::vector<uint64_t> bits(static_cast<size_t>(rows * n * de::gate_words(n)));
    g.record = bits.data();  // as in training: forward records the gates, the gradients replay them
    const double f = seconds([&] { de::connection_forward(g, rows, A.data(), W.data(), nullptr, false, S.data(), pool, threads); });
    g.record = nullptr;
    g.replay = bits.data();
    const double w = seconds([&] { de::connection_weight_grad(g, rows, dS.data(), A.data(), dW.data(), pool, threads); });
    const double a = seconds([&] { de::connection_input_grad(g, rows, dS.data(), W.data(), false, dA.data(), pool, threads); });
    g.replay = nullptr;
    const double redraw = seconds([&] { de::connection_input_grad(g, rows, dS.data(), W.data(), false, dA.data(), pool, threads); });
    const double gates = static_cast<double>(rows) * n * n;
    std::printf("  1200->1200 x 100, threads %d: forward (draw + record) %.1f ms, weight grad (replay) %.1f ms, input grad "
                "(replay) %.1f ms, input grad (redraw) %.1f ms; %.2f ns per gate per thread in all\n",
                threads, f * 1e3, w * 1e3, a * 1e3, redraw * 1e3, (f + w + a) / gates * 1e9 * threads);
  }
  return 0;
}
