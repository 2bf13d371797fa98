// Benchmark of the CUDA backend (through cuda_loader, as the addon uses it): masked product TFLOP/s at
// the paper's shapes (fp32, and TF32 opt-in), one training epoch of the paper's network on MNIST-shaped
// random data, and 10,000 Monte Carlo samples with every per-neuron statistic. Prints one
// "RESULT <name> <value> <unit>" line per measurement (bench/device-check.sh compares them with PyTorch).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cuda/host/cuda_loader.h"
#include "core/masks.h"

namespace {

const DeCudaApi* api = nullptr;
DeCudaContext* ctx = nullptr;

void need(DeCudaStatus s, const char* what) {
  if (s == 0) return;
  std::fprintf(stderr, "%s failed (%d): %s\n", what, s, api->last_error(ctx));
  std::exit(1);
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <typename T>
T* device_copy(const std::vector<T>& h) {
  void* d = nullptr;
  need(api->alloc(ctx, sizeof(T) * h.size(), &d), "alloc");
  need(api->upload(ctx, d, h.data(), sizeof(T) * h.size()), "upload");
  return static_cast<T*>(d);
}

std::vector<float> uniform(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(g);
  return v;
}

// C[m×n] = (A ⊙ mask)[m×k] · Wᵀ + b with a fresh unit-dropout mask (keep 0.5) per call, as a layer does.
void bench_product(int64_t m, int64_t k, int64_t n, bool tf32) {
  need(api->set_tf32(ctx, tf32 ? 1 : 0), "set_tf32");
  float* A = device_copy(uniform(m * k, 0.f, 1.f, 1));
  float* W = device_copy(uniform(n * k, -0.05f, 0.05f, 2));
  float* b = device_copy(uniform(n, -0.1f, 0.1f, 3));
  void *C = nullptr, *mask = nullptr;
  need(api->alloc(ctx, sizeof(float) * m * n, &C), "alloc");
  need(api->alloc(ctx, m * k, &mask), "alloc");
  DeCudaMaskArgs ma{};
  ma.seed = 7;
  ma.rows = m;
  ma.cols = k;
  ma.threshold = de::keep_threshold(0.5);
  ma.d_out = static_cast<uint8_t*>(mask);
  ma.ld = k;
  DeCudaGemmArgs g{};
  g.M = m; g.N = n; g.K = k; g.ta = 0; g.tb = 1;
  g.d_A = A; g.lda = k; g.d_aMask = static_cast<uint8_t*>(mask); g.ldaMask = k;
  g.d_B = W; g.ldb = k; g.d_C = static_cast<float*>(C); g.ldc = n; g.d_bias = b;
  const int reps = m >= 10000 ? 30 : 300;
  auto run = [&](int r) {
    for (int i = 0; i < r; ++i) {
      ma.row0 = static_cast<uint64_t>(i) * m;
      need(api->mask_u8(ctx, &ma), "mask_u8");
      need(api->gemm(ctx, &g), "gemm");
    }
    need(api->synchronize(ctx), "synchronize");
  };
  run(3);  // warm-up: cuBLAS heuristics, scratch allocation
  double best = 1e300;
  for (int trial = 0; trial < 3; ++trial) {
    const double t0 = now_ms();
    run(reps);
    best = std::fmin(best, (now_ms() - t0) / reps);
  }
  const double tflops = 2.0 * m * n * k / (best * 1e-3) / 1e12;
  std::printf("masked product %lldx%lld->%lld %s (mask generation included): %.3f ms, %.1f TFLOP/s\n",
              (long long)m, (long long)k, (long long)n, tf32 ? "tf32" : "fp32", best, tflops);
  std::printf("RESULT product_m%lld_%s %.4f ms\n", (long long)m, tf32 ? "tf32" : "fp32", best);
  for (void* p : {static_cast<void*>(A), static_cast<void*>(W), static_cast<void*>(b), C, mask})
    need(api->free(ctx, p), "free");
  need(api->set_tf32(ctx, 0), "set_tf32");
}

// The paper's network: 784-1200-1200-1200-1200-10, logistic hidden units, softmax top, keep 0.8 / 0.5.
struct PaperNet {
  std::vector<float> inputKeep = std::vector<float>(784, 0.8f), hiddenKeep = std::vector<float>(1200, 0.5f);
  std::vector<int32_t> from[5];
  DeCudaLayer layers[5];
  DeCudaNetSpec spec{};
  int64_t params = 0;
  explicit PaperNet(int64_t maxRows) {
    int64_t prev = 784;
    for (int h = 1; h <= 5; ++h) {
      from[h - 1] = {h - 1};
      DeCudaLayer& y = layers[h - 1];
      y = DeCudaLayer{};
      y.units = h < 5 ? 1200 : 10;
      y.activation = h < 5 ? 0 : 2;
      y.c = y.lambda = 1.0;
      y.h_keep = h < 5 ? hiddenKeep.data() : nullptr;
      y.n_from = 1;
      y.h_from = from[h - 1].data();
      params += y.units * prev + y.units;
      prev = y.units;
    }
    spec.inputs = 784;
    spec.h_input_keep = inputKeep.data();
    spec.n_layers = 5;
    spec.layers = layers;
    spec.max_rows = maxRows;
  }
};

std::vector<float> init_params(const PaperNet& p) {
  // Glorot-uniform scaled by 4 for the logistic layers (network.h's recipe), zero biases.
  std::vector<float> w;
  std::mt19937 g(11);
  int64_t prev = 784;
  for (int h = 1; h <= 5; ++h) {
    const int64_t u = p.layers[h - 1].units;
    const double a = h < 5 ? 4.0 * std::sqrt(6.0 / (prev + u)) : std::sqrt(3.0 / prev);
    std::uniform_real_distribution<float> d(static_cast<float>(-a), static_cast<float>(a));
    for (int64_t i = 0; i < u * prev; ++i) w.push_back(d(g));
    prev = u;
  }
  w.resize(p.params, 0.0f);
  return w;
}

void bench_epoch() {
  const int64_t count = 60000, batch = 100;
  PaperNet p(batch);
  DeCudaNet* net = nullptr;
  need(api->net_create(ctx, &p.spec, &net), "net_create");
  const std::vector<float> w = init_params(p);
  need(api->net_set_params(net, w.data(), static_cast<int64_t>(w.size())), "net_set_params");
  const std::vector<float> x = uniform(count * 784, 0.f, 1.f, 5);
  std::vector<int32_t> labels(count);
  std::vector<int64_t> order(count);
  std::mt19937 g(6);
  for (int64_t i = 0; i < count; ++i) {
    labels[i] = static_cast<int32_t>(g() % 10);
    order[i] = i;
  }
  std::shuffle(order.begin(), order.end(), g);
  need(api->net_set_data(net, x.data(), count, labels.data(), nullptr), "net_set_data");
  DeCudaTrainArgs t{};
  t.optimizer = 1;
  t.learning_rate = 1e-3f;
  t.beta1 = 0.9f;
  t.beta2 = 0.999f;
  t.epsilon = 1e-8f;
  t.seed = 3;
  t.mask_purpose = 1;
  double loss = 0;
  need(api->net_train(net, &t, order.data(), 0, 2000, batch, 0, 0, &loss, nullptr), "net_train (warm-up)");
  const double t0 = now_ms();
  need(api->net_train(net, &t, order.data(), 0, count, batch, count, 20, &loss, nullptr), "net_train");
  const double ms = now_ms() - t0;
  std::printf("training epoch 60000x784 batch 100 (Adam): %.1f ms, %.0f examples/s, mean loss %.4f\n", ms,
              count / (ms * 1e-3), loss / count);
  std::printf("RESULT epoch %.3f ms\n", ms);
  api->net_destroy(net);
}

void bench_monte_carlo() {
  const int64_t samples = 10000;
  PaperNet p(samples);
  DeCudaNet* net = nullptr;
  need(api->net_create(ctx, &p.spec, &net), "net_create");
  const std::vector<float> w = init_params(p);
  need(api->net_set_params(net, w.data(), static_cast<int64_t>(w.size())), "net_set_params");
  const std::vector<float> x = uniform(784, 0.f, 1.f, 9);
  DeCudaMoments* m = nullptr;
  const int64_t neurons = 4 * 1200 + 10;
  need(api->moments_create(ctx, neurons, 64, 0.0, 1.0, &m), "moments_create");
  need(api->net_mc_stats(net, x.data(), 1000, 1, 2, 0, samples, m), "net_mc_stats (warm-up)");
  api->moments_destroy(m);
  need(api->moments_create(ctx, neurons, 64, 0.0, 1.0, &m), "moments_create");
  const double t0 = now_ms();
  need(api->net_mc_stats(net, x.data(), samples, 1, 2, 0, samples, m), "net_mc_stats");
  const double ms = now_ms() - t0;
  std::vector<double> mean(neurons), m2(neurons);
  DeCudaMomentsHost h{};
  h.mean = mean.data();
  h.m2 = m2.data();
  need(api->moments_read(ctx, m, &h), "moments_read");
  std::printf("monte carlo 10000 samples, %lld neurons, mean/var/M3/log sums/min/max/64-bin histogram: %.2f ms "
              "(count %lld, top mean %.4f)\n", (long long)neurons, ms, (long long)h.count, mean[neurons - 1]);
  std::printf("RESULT mc %.3f ms\n", ms);
  api->moments_destroy(m);
  api->net_destroy(net);
}

}  // namespace

int main() {
  const de::CudaBackend* b = nullptr;
  de::Result r = de::load_cuda_backend(&b);
  if (!r.ok()) {
    std::printf("CUDA backend unavailable: %s\n", r.message.c_str());
    return 0;
  }
  api = b->api;
  char msg[512];
  if (api->create(0, &ctx, msg, sizeof msg) != 0) {
    std::printf("CUDA context: %s\n", msg);
    return 1;
  }
  std::printf("device: %s, library %s\n", b->device.c_str(), b->library.c_str());
  for (bool tf32 : {false, true}) {
    bench_product(10000, 1200, 1200, tf32);
    bench_product(100, 1200, 1200, tf32);
  }
  bench_epoch();
  bench_monte_carlo();
  api->destroy(ctx);
  return 0;
}
