// The CUDA backend against the CPU engine, loaded through cuda_loader (no link-time CUDA): masks bit for
// bit, the three products of gemm.h and the moments within 1e-4 relative, a training run and a Monte
// Carlo statistics run against the CPU engine. Without a usable GPU every test is SKIPPED with the
// reason, so CI stays green on machines with no GPU, driver or CUDA runtime.
#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/activations.h"
#include "cuda/host/cuda_loader.h"
#include "core/gemm.h"
#include "common/mask_streams.h"
#include "core/masks.h"
#include "core/moments.h"
#include "core/network.h"
#include "core/trainer.h"
#include "tests/test_framework.h"

namespace {

// A context on GPU 0, or SKIP with the loader's reason; device buffers freed at the end of the test.
struct Gpu {
  const DeCudaApi* api = nullptr;
  DeCudaContext* ctx = nullptr;
  std::vector<void*> buffers;
  Gpu() {
    const de::CudaBackend* b = nullptr;
    de::Result r = de::load_cuda_backend(&b);
    if (!r.ok()) SKIP(r.message);
    api = b->api;
    char msg[512];
    if (api->create(0, &ctx, msg, sizeof msg) != 0) throw detest::Failure(std::string("create: ") + msg);
  }
  ~Gpu() {
    for (void* p : buffers) api->free(ctx, p);
    api->destroy(ctx);
  }
  void ok(DeCudaStatus s) {
    if (s != 0) throw detest::Failure(std::string("CUDA backend: ") + api->last_error(ctx));
  }
  template <typename T>
  T* to_device(const std::vector<T>& h) {
    T* d = alloc<T>(h.size());
    ok(api->upload(ctx, d, h.data(), sizeof(T) * h.size()));
    return d;
  }
  template <typename T>
  T* alloc(size_t n) {
    void* d = nullptr;
    ok(api->alloc(ctx, sizeof(T) * std::max<size_t>(n, 1), &d));
    buffers.push_back(d);
    return static_cast<T*>(d);
  }
  template <typename T>
  std::vector<T> to_host(const T* d, size_t n) {
    std::vector<T> h(n);
    ok(api->download(ctx, h.data(), d, sizeof(T) * n));
    return h;
  }
};

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(g);
  return v;
}

std::vector<uint8_t> random_mask(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(g() & 1);
  return v;
}

// max |a − b| / max(max |b|, tiny): the norm-wise relative error METHOD.md asks for.
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 1e-30;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i])) return INFINITY;
    num = std::max(num, std::fabs(static_cast<double>(a[i]) - b[i]));
    den = std::max(den, std::fabs(static_cast<double>(b[i])));
  }
  return num / den;
}

}  // namespace

TEST(cuda_loader_reports_status) {
  const de::CudaBackend* b = nullptr;
  de::Result r = de::load_cuda_backend(&b);
  if (!r.ok()) {
    CHECK(r.status == de::Status::Unsupported);
    CHECK(r.message.find("CUDA") != std::string::npos);
    de::Result again = de::load_cuda_backend(&b);  // the outcome is cached, not re-probed
    CHECK(again.status == r.status && again.message == r.message);
    SKIP(r.message);
  }
  CHECK(b && b->api && b->api->version == DE_CUDA_API_VERSION && !b->device.empty());
}

TEST(cuda_masks_match_cpu_bit_for_bit) {
  Gpu gpu;
  struct Case {
    uint64_t seed;
    uint32_t stream;
    uint64_t row0, col0;
    int64_t rows, cols;
    double keep;
    bool perColumn;
  };
  const Case cases[] = {{1, 0, 0, 0, 64, 1200, 0.5, false},
                        {0xfeedbeefcafeull, de::unit_stream(de::MaskPurpose::Train, 3), 123456789012ull, 0, 33, 785, 0.8, false},
                        {42, de::unit_stream(de::MaskPurpose::MonteCarlo, 0), (1ull << 32) - 5, 3, 17, 61, 0.1, true},
                        {7, 9, 5, 1, 9, 7, 0.999, false},
                        {9, 2, 0, 0, 4, 10, 1.0, false},
                        {9, 2, 0, 0, 4, 10, 0.0, false}};
  for (const Case& c : cases) {
    std::vector<uint64_t> thr(c.cols);
    for (int64_t j = 0; j < c.cols; ++j)
      thr[j] = de::keep_threshold(c.perColumn ? static_cast<float>((j % 10 + 0.5) / 10.0) : static_cast<float>(c.keep));
    de::MaskArgs a;
    a.seed = c.seed;
    a.stream = c.stream;
    a.row0 = c.row0;
    a.col0 = c.col0;
    a.rows = c.rows;
    a.cols = c.cols;
    a.thresholds = c.perColumn ? thr.data() : nullptr;
    a.threshold = thr[0];
    std::vector<uint8_t> cpu(c.rows * c.cols);
    a.out = cpu.data();
    a.ld = c.cols;
    CHECK(de::bernoulli_mask_u8(a, nullptr, 1).ok());

    DeCudaMaskArgs g{};
    g.seed = c.seed;
    g.stream = c.stream;
    g.row0 = c.row0;
    g.col0 = c.col0;
    g.rows = c.rows;
    g.cols = c.cols;
    g.d_thresholds = c.perColumn ? gpu.to_device(thr) : nullptr;
    g.threshold = thr[0];
    g.d_out = gpu.alloc<uint8_t>(cpu.size());
    g.ld = c.cols;
    gpu.ok(gpu.api->mask_u8(gpu.ctx, &g));
    const std::vector<uint8_t> dev = gpu.to_host(g.d_out, cpu.size());
    CHECK_MSG(dev == cpu, "seed " << c.seed << " stream " << c.stream << " keep " << c.keep);
  }
}

// The three products of gemm.h (forward, weight gradient, input gradient), masked, against the
// float64 reference.
TEST(cuda_products_match_cpu) {
  Gpu gpu;
  struct Shape {
    int64_t m, n, k;
  };
  for (const Shape s : {Shape{7, 17, 33}, Shape{100, 1200, 784}, Shape{1023, 129, 65}, Shape{1, 10, 1200}}) {
    for (int use = 0; use < 3; ++use) {
      de::GemmArgs g;
      g.M = s.m;
      g.N = s.n;
      g.K = s.k;
      std::vector<float> A, B, bias, scale, C;
      std::vector<uint8_t> aMask, bMask, cMask;
      if (use == 0) {  // C[m×n] = (A ⊙ mask)·diag(scale)·Wᵀ + b
        A = random_floats(s.m * s.k, 1);
        aMask = random_mask(s.m * s.k, 2);
        scale = random_floats(s.k, 3, 0.f, 1.f);
        B = random_floats(s.n * s.k, 4);
        bias = random_floats(s.n, 5);
        g.ta = de::Trans::No; g.lda = s.k; g.tb = de::Trans::Yes; g.ldb = s.k;
      } else if (use == 1) {  // dW[m×n] = Gᵀ·(A ⊙ mask): A = G [k×m], B = activations [k×n]
        A = random_floats(s.k * s.m, 6);
        B = random_floats(s.k * s.n, 7);
        bMask = random_mask(s.k * s.n, 8);
        g.ta = de::Trans::Yes; g.lda = s.m; g.tb = de::Trans::No; g.ldb = s.n;
      } else {  // dA[m×n] = (G·W) ⊙ mask: G [m×k], W [k×n]
        A = random_floats(s.m * s.k, 9);
        B = random_floats(s.k * s.n, 10);
        cMask = random_mask(s.m * s.n, 11);
        g.ta = de::Trans::No; g.lda = s.k; g.tb = de::Trans::No; g.ldb = s.n;
      }
      std::vector<float> ref(s.m * s.n, NAN);
      g.A = A.data(); g.B = B.data(); g.C = ref.data(); g.ldc = s.n;
      g.aMask = aMask.empty() ? nullptr : aMask.data(); g.ldaMask = g.lda;
      g.bMask = bMask.empty() ? nullptr : bMask.data(); g.ldbMask = g.ldb;
      g.aScale = scale.empty() ? nullptr : scale.data();
      g.bias = bias.empty() ? nullptr : bias.data();
      g.cMask = cMask.empty() ? nullptr : cMask.data(); g.ldcMask = s.n;
      CHECK(de::masked_gemm_reference(g).ok());

      DeCudaGemmArgs d{};
      d.M = s.m; d.N = s.n; d.K = s.k;
      d.ta = g.ta == de::Trans::Yes; d.tb = g.tb == de::Trans::Yes;
      d.d_A = gpu.to_device(A); d.lda = g.lda;
      d.d_B = gpu.to_device(B); d.ldb = g.ldb;
      d.d_aMask = aMask.empty() ? nullptr : gpu.to_device(aMask); d.ldaMask = g.lda;
      d.d_bMask = bMask.empty() ? nullptr : gpu.to_device(bMask); d.ldbMask = g.ldb;
      d.d_aScale = scale.empty() ? nullptr : gpu.to_device(scale);
      d.d_bias = bias.empty() ? nullptr : gpu.to_device(bias);
      d.d_cMask = cMask.empty() ? nullptr : gpu.to_device(cMask); d.ldcMask = s.n;
      d.d_C = gpu.to_device(std::vector<float>(s.m * s.n, NAN));  // poisoned: beta 0 must not read it
      d.ldc = s.n;
      gpu.ok(gpu.api->gemm(gpu.ctx, &d));
      const double err = relative_error(gpu.to_host(d.d_C, ref.size()), ref);
      CHECK_MSG(err <= 1e-4, "use " << use << " shape " << s.m << "x" << s.k << "->" << s.n << ": " << err);
    }
  }
}

TEST(cuda_moments_match_cpu) {
  Gpu gpu;
  const int64_t neurons = 300, bins = 16;
  de::MomentAccumulator cpu(neurons, bins, 0.0, 1.0);
  DeCudaMoments* m = nullptr;
  gpu.ok(gpu.api->moments_create(gpu.ctx, neurons, bins, 0.0, 1.0, &m));
  std::unique_ptr<DeCudaMoments, void (*)(DeCudaMoments*)> guard(m, gpu.api->moments_destroy);
  // Three batches of different sizes (one larger than a GPU chunk), merged into the running state.
  for (int64_t rows : {5, 1000, 77}) {
    const std::vector<float> z = random_floats(rows * neurons, static_cast<uint32_t>(rows), -6.f, 6.f);
    std::vector<float> o(z.size());
    for (size_t i = 0; i < z.size(); ++i) o[i] = de::sigmoid(z[i]);
    cpu.add(o.data(), rows, neurons, z.data(), neurons);
    const float* dO = gpu.to_device(o);
    const float* dZ = gpu.to_device(z);
    // Two column blocks, as the Monte Carlo run adds one layer at a time.
    gpu.ok(gpu.api->moments_add(gpu.ctx, m, 0, 120, dO, rows, neurons, dZ, neurons));
    gpu.ok(gpu.api->moments_add(gpu.ctx, m, 120, neurons - 120, dO + 120, rows, neurons, dZ + 120, neurons));
  }
  std::vector<double> mean(neurons), m2(neurons), m3(neurons), sl(neurons), sl1(neurons), mn(neurons), mx(neurons);
  std::vector<uint64_t> hist(neurons * bins);
  DeCudaMomentsHost h{0, mean.data(), m2.data(), m3.data(), sl.data(), sl1.data(), mn.data(), mx.data(), hist.data()};
  gpu.ok(gpu.api->moments_read(gpu.ctx, m, &h));
  CHECK(h.count == cpu.count());
  for (int64_t i = 0; i < neurons; ++i) {
    CHECK_NEAR(mean[i], cpu.mean()[i], 1e-10);
    CHECK_NEAR(m2[i], cpu.m2()[i], 1e-9);
    // M3 is a difference of like-sized terms: compare on the scale of M2^1.5 / sqrt(n).
    CHECK(std::fabs(m3[i] - cpu.m3()[i]) <= 1e-9 * std::pow(cpu.m2()[i], 1.5) + 1e-9);
    // The CPU's vectorised log-sigmoid and the GPU's libdevice one differ in the last bits (seen on an
    // H100: 1.4e-9 relative over 1,082 terms).
    CHECK_NEAR(sl[i], cpu.sum_log()[i], 1e-7);
    CHECK_NEAR(sl1[i], cpu.sum_log1m()[i], 1e-7);
    CHECK(mn[i] == cpu.min()[i] && mx[i] == cpu.max()[i]);
    int64_t differ = 0;  // a value on a bin edge may fall either side of it under float rounding
    for (int64_t b = 0; b < bins; ++b) differ += std::llabs(static_cast<long long>(hist[i * bins + b]) -
                                                            static_cast<long long>(cpu.histogram()[i * bins + b]));
    CHECK(differ <= 2);
  }
}

namespace {

// A small network with a skip connection (layer 3 reads 0 and 2), every activation the GPU offers.
de::NetworkSpec small_spec(de::Activation top) {
  de::NetworkSpec s;
  s.inputs = 23;
  s.inputKeep.assign(23, 0.8f);
  s.seed = 5;
  s.threads = 1;
  de::LayerSpec l1, l2, l3;
  l1.units = 19; l1.activation = de::Activation::Logistic; l1.c = 2.0; l1.lambda = 1.5; l1.keep.assign(19, 0.5f);
  l2.units = 13; l2.activation = de::Activation::Tanh; l2.keep.assign(13, 0.7f);
  l3.units = top == de::Activation::Softmax ? 5 : 1; l3.activation = top; l3.from = {0, 2};
  s.layers = {l1, l2, l3};
  return s;
}

// The C description of a normalised spec (vectors kept alive by the caller's spec).
struct CSpec {
  std::vector<DeCudaLayer> layers;
  std::vector<std::vector<int32_t>> from;
  DeCudaNetSpec spec{};
  CSpec(const de::Network& net, int64_t maxRows) {
    const de::NetworkSpec& s = net.spec();
    from.resize(s.layers.size());
    for (size_t i = 0; i < s.layers.size(); ++i) {
      const de::LayerSpec& y = s.layers[i];
      from[i].assign(y.from.begin(), y.from.end());
      DeCudaLayer c{};
      c.units = y.units;
      c.activation = static_cast<int32_t>(y.activation);
      c.c = y.c;
      c.lambda = y.lambda;
      c.h_keep = y.keep.empty() ? nullptr : y.keep.data();
      c.n_from = static_cast<int32_t>(from[i].size());
      c.h_from = from[i].data();
      layers.push_back(c);
    }
    spec.inputs = s.inputs;
    spec.h_input_keep = s.inputKeep.data();
    spec.dropout = 0;
    spec.n_layers = static_cast<int32_t>(layers.size());
    spec.layers = layers.data();
    spec.max_rows = maxRows;
  }
};

}  // namespace

// Two minibatches of SGD with momentum through de::train (shuffle, Train gates, update) and through
// the GPU engine with the same order and rows: the same weights within float tolerance.
TEST(cuda_training_matches_cpu) {
  Gpu gpu;
  for (de::Activation top : {de::Activation::Softmax, de::Activation::Logistic}) {
    std::unique_ptr<de::Network> net;
    CHECK(de::Network::create(small_spec(top), &net).ok());
    const int64_t count = 40, outputs = net->units(net->top());
    const std::vector<float> x = random_floats(count * 23, 21, 0.f, 1.f);
    std::vector<int32_t> labels(count);
    for (int64_t i = 0; i < count; ++i) labels[i] = static_cast<int32_t>(outputs == 1 ? i % 2 : (i * 7) % outputs);
    const std::vector<float> start(net->params(), net->params() + net->param_count());

    CSpec c(*net, 20);
    DeCudaNet* g = nullptr;
    gpu.ok(gpu.api->net_create(gpu.ctx, &c.spec, &g));
    std::unique_ptr<DeCudaNet, void (*)(DeCudaNet*)> guard(g, gpu.api->net_destroy);
    gpu.ok(gpu.api->net_set_params(g, start.data(), net->param_count()));
    gpu.ok(gpu.api->net_set_data(g, x.data(), count, labels.data(), nullptr));

    de::TrainData data;
    data.inputs = x.data();
    data.count = count;
    data.targets.labels = labels.data();
    de::TrainOptions o;
    o.epochs = 1;
    o.batchSize = 20;
    o.optimizer = de::OptimizerKind::Sgd;
    o.learningRate = {0.5f};
    o.momentum = {0.5f};
    o.seed = 77;
    o.threads = 1;
    std::vector<de::EpochRecord> history;
    de::Result r = de::train(*net, data, o, &history);
    CHECK_MSG(r.ok(), r.message);

    std::vector<int64_t> order;
    de::epoch_order(o.seed, 0, count, &order);
    DeCudaTrainArgs t{};
    t.optimizer = 0;
    t.loss = 0;
    t.learning_rate = 0.5f;
    t.momentum = 0.5f;
    t.seed = o.seed;
    t.mask_purpose = static_cast<uint32_t>(de::MaskPurpose::Train);
    double loss = 0;
    gpu.ok(gpu.api->net_train(g, &t, order.data(), 0, count, 20, 0, 0, &loss, nullptr));
    std::vector<float> after(net->param_count());
    gpu.ok(gpu.api->net_get_params(g, after.data(), net->param_count()));
    const std::vector<float> cpu(net->params(), net->params() + net->param_count());
    std::vector<float> moved(cpu.size()), movedGpu(cpu.size());
    for (size_t i = 0; i < cpu.size(); ++i) {
      moved[i] = cpu[i] - start[i];
      movedGpu[i] = after[i] - start[i];
    }
    CHECK_MSG(relative_error(movedGpu, moved) <= 1e-4, "update differs: " << relative_error(movedGpu, moved));
    CHECK(relative_error(moved, std::vector<float>(moved.size(), 0.f)) > 0);  // training moved the weights
    CHECK_NEAR(loss / count, history.at(0).loss, 1e-4);
  }
}

// Monte Carlo statistics of every neuron over 3,000 subnetworks: GPU against de::forward with the same
// Philox gates and de::MomentAccumulator.
TEST(cuda_monte_carlo_stats_match_cpu) {
  Gpu gpu;
  std::unique_ptr<de::Network> net;
  CHECK(de::Network::create(small_spec(de::Activation::Softmax), &net).ok());
  const int L = net->top();
  const int64_t samples = 3000, pass = 1024;  // passes of different sizes
  const std::vector<float> x = random_floats(23, 31, 0.f, 1.f);
  const uint64_t seed = 99, row0 = 12345;
  const auto purpose = de::MaskPurpose::Ensemble;

  std::vector<float> input(samples * 23);
  for (int64_t r = 0; r < samples; ++r) std::copy(x.begin(), x.end(), input.begin() + r * 23);
  std::vector<std::vector<float>> S(L + 1), O(L + 1);
  de::ForwardBuffers buf;
  buf.S.assign(L + 1, nullptr);
  buf.O.assign(L + 1, nullptr);
  buf.unitMasks.assign(L + 1, nullptr);
  for (int h = 1; h <= L; ++h) {
    S[h].resize(samples * net->units(h));
    O[h].resize(samples * net->units(h));
    buf.S[h] = S[h].data();
    buf.O[h] = O[h].data();
  }
  de::MaskSource ms;
  ms.mode = de::MaskMode::Philox;
  ms.seed = seed;
  ms.purpose = purpose;
  ms.row0 = row0;
  CHECK(de::forward(*net, input.data(), samples, ms, buf, 1).ok());

  int64_t neurons = 0;
  for (int h = 1; h <= L; ++h) neurons += net->units(h);
  CSpec c(*net, pass);
  DeCudaNet* g = nullptr;
  gpu.ok(gpu.api->net_create(gpu.ctx, &c.spec, &g));
  std::unique_ptr<DeCudaNet, void (*)(DeCudaNet*)> guard(g, gpu.api->net_destroy);
  gpu.ok(gpu.api->net_set_params(g, net->params(), net->param_count()));
  DeCudaMoments* m = nullptr;
  gpu.ok(gpu.api->moments_create(gpu.ctx, neurons, 32, 0.0, 1.0, &m));
  std::unique_ptr<DeCudaMoments, void (*)(DeCudaMoments*)> mguard(m, gpu.api->moments_destroy);
  gpu.ok(gpu.api->net_mc_stats(g, x.data(), samples, seed, static_cast<uint32_t>(purpose), row0, pass, m));
  std::vector<double> mean(neurons), m2(neurons), sl(neurons);
  DeCudaMomentsHost h{};
  h.mean = mean.data();
  h.m2 = m2.data();
  h.sum_log = sl.data();
  gpu.ok(gpu.api->moments_read(gpu.ctx, m, &h));
  CHECK(h.count == samples);

  int64_t col0 = 0;
  for (int h2 = 1; h2 <= L; ++h2) {
    const int64_t u = net->units(h2);
    de::MomentAccumulator cpu(u, 32, 0.0, 1.0);
    const de::LayerSpec& spec = net->layer(h2);
    if (spec.activation == de::Activation::Logistic) {
      const de::LogisticParams p = de::logistic_params(spec);
      std::vector<float> z(S[h2].size());
      for (size_t i = 0; i < z.size(); ++i) z[i] = p.lambda * S[h2][i] - p.lnC;
      cpu.add(O[h2].data(), samples, u, z.data(), u);
    } else if (spec.activation == de::Activation::Softmax) {
      std::vector<double> lrow(u);
      std::vector<float> logO(S[h2].size()), log1m(S[h2].size());
      for (int64_t r = 0; r < samples; ++r) {
        de::log_softmax_row(S[h2].data() + r * u, lrow.data(), u);
        for (int64_t j = 0; j < u; ++j) {
          logO[r * u + j] = static_cast<float>(lrow[j]);
          log1m[r * u + j] = static_cast<float>(std::log1p(-static_cast<double>(O[h2][r * u + j])));
        }
      }
      cpu.add_with_logs(O[h2].data(), logO.data(), log1m.data(), samples, u);
    } else {
      cpu.add(O[h2].data(), samples, u);
    }
    for (int64_t j = 0; j < u; ++j) {
      CHECK_NEAR(mean[col0 + j], cpu.mean()[j], 1e-4);
      CHECK_NEAR(m2[col0 + j] / samples, cpu.variance(j), 1e-4);
      if (spec.activation != de::Activation::Tanh) CHECK_NEAR(sl[col0 + j] / samples, cpu.sum_log()[j] / samples, 1e-4);
    }
    col0 += u;
  }
}
