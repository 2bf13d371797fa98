// The training loop and prediction: determinism across thread counts, resume ≡ uninterrupted run,
// abort, weight scaling (Eq. 4/13), Monte Carlo prediction, and that training actually learns.
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "core/network.h"
#include "core/optimizer.h"
#include "common/philox.h"
#include "core/predict.h"
#include "core/trainer.h"
#include "tests/test_framework.h"

namespace {

using de::Activation;

// A synthetic 3-class problem: class = which of three input blocks has the largest mean.
struct Problem {
  int64_t count, inputs = 12;
  std::vector<float> x;
  std::vector<int32_t> y;
  explicit Problem(int64_t n, uint64_t seed) : count(n), x(static_cast<size_t>(n * 12)), y(static_cast<size_t>(n)) {
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    auto u = [&] { s = s * 6364136223846793005ull + 1442695040888963407ull; return static_cast<float>((s >> 40) * (1.0 / 16777216.0)); };
    for (int64_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(u() * 3) % 3;
      y[i] = c;
      for (int j = 0; j < 12; ++j) x[i * 12 + j] = 0.6f * u() + (j / 4 == c ? 0.4f : 0.0f);
    }
  }
  de::TrainData data() const {
    de::TrainData d;
    d.inputs = x.data(); d.count = count; d.targets.labels = y.data();
    return d;
  }
};

de::NetworkSpec spec(de::DropoutMode mode, int threads) {
  de::NetworkSpec s;
  s.inputs = 12; s.inputKeep.assign(12, 0.8f); s.dropout = mode; s.seed = 5; s.threads = threads;
  de::LayerSpec a, b, top;
  a.units = 16; a.activation = Activation::Logistic; a.keep.assign(16, 0.5f);
  b.units = 10; b.activation = Activation::Relu; b.keep.assign(10, 0.7f); b.from = {0, 1};
  top.units = 3; top.activation = Activation::Softmax; top.from = {1, 2};
  s.layers = {a, b, top};
  return s;
}

std::unique_ptr<de::Network> make(const de::NetworkSpec& s) {
  std::unique_ptr<de::Network> n;
  de::Result r = de::Network::create(s, &n);
  CHECK_MSG(r.ok(), r.message);
  return n;
}

de::TrainOptions options(int64_t epochs, int64_t batch) {
  de::TrainOptions o;
  o.epochs = epochs; o.batchSize = batch; o.optimizer = de::OptimizerKind::Adam;
  o.learningRate.assign(static_cast<size_t>(epochs), 0.01f);
  o.seed = 77; o.maxNorm = 3.0f; o.weightDecay = 1e-4f;
  return o;
}

std::vector<float> params(const de::Network& n) { return std::vector<float>(n.params(), n.params() + n.param_count()); }

void check_threads_identical(de::DropoutMode mode) {
  Problem p(300, 1);
  auto n1 = make(spec(mode, 1)), n2 = make(spec(mode, 2)), n3 = make(spec(mode, 3));
  de::TrainOptions o = options(2, 32);
  CHECK(de::train(*n1, p.data(), o, nullptr).ok());
  CHECK(de::train(*n2, p.data(), o, nullptr).ok());
  o.threads = 2;  // a 3-thread pool asked to use 2: another split of the same work
  CHECK(de::train(*n3, p.data(), o, nullptr).ok());
  const auto a = params(*n1), b = params(*n2), c = params(*n3);
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) == 0);
  // and training moved the weights away from the initialisation
  auto fresh = make(spec(mode, 1));
  CHECK(std::memcmp(a.data(), params(*fresh).data(), a.size() * sizeof(float)) != 0);
}

}  // namespace

TEST(network_train_bit_identical_across_threads_units) { check_threads_identical(de::DropoutMode::Units); }
TEST(network_train_bit_identical_across_threads_connections) { check_threads_identical(de::DropoutMode::Connections); }

// train(3) ≡ train(1) + train(2) ≡ a run aborted mid-epoch and continued.
TEST(network_train_resume_equals_uninterrupted) {
  Problem p(250, 2);
  auto whole = make(spec(de::DropoutMode::Units, 2)), split = make(spec(de::DropoutMode::Units, 2)),
       aborted = make(spec(de::DropoutMode::Units, 1));
  CHECK(de::train(*whole, p.data(), options(3, 40), nullptr).ok());
  CHECK(de::train(*split, p.data(), options(1, 40), nullptr).ok());
  CHECK(de::train(*split, p.data(), options(2, 40), nullptr).ok());
  std::atomic<bool> stop{false};
  de::TrainOptions o = options(3, 40);
  o.abort = &stop;
  int batches = 0;
  o.onBatch = [&](const de::BatchProgress&) { if (++batches == 9) stop = true; };  // mid-epoch 2
  std::vector<de::EpochRecord> h;
  de::Result r = de::train(*aborted, p.data(), o, &h);
  CHECK(r.status == de::Status::Cancelled);
  CHECK(aborted->optimizer().step == 9 && aborted->optimizer().epoch == 1 && aborted->optimizer().position == 80);
  CHECK(h.size() == 1);
  // Snapshot/restore the optimizer state through a fresh network, as a checkpoint would.
  auto restored = make(spec(de::DropoutMode::Units, 2));
  std::memcpy(restored->params(), aborted->params(), sizeof(float) * aborted->param_count());
  restored->optimizer() = aborted->optimizer();
  CHECK(de::train(*restored, p.data(), options(2, 40), nullptr).ok());
  const auto a = params(*whole), b = params(*split), c = params(*restored);
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(a.data(), c.data(), a.size() * sizeof(float)) == 0);
}

// learningRateScale multiplies one layer's step and nothing else: after one update, layer 2's
// weights (both of its matrices) and biases moved 4× as far as without it, every other parameter
// bit for bit as far; all-ones factors are the unscaled update; a wrong count is refused untouched.
void check_learning_rate_scale(de::OptimizerKind kind, int64_t maskGroup) {
  Problem p(40, 4);
  auto plain = make(spec(de::DropoutMode::Units, 2)), ones = make(spec(de::DropoutMode::Units, 2)),
       scaled = make(spec(de::DropoutMode::Units, 2));
  const auto start = params(*plain);
  de::TrainOptions o = options(1, 40);  // one update
  o.optimizer = kind;
  o.maskGroup = maskGroup;
  o.maxNorm = 0.0f;  // a cap would make the step's size non-linear in the factor
  o.momentum.assign(1, 0.5f);
  CHECK(de::train(*plain, p.data(), o, nullptr).ok());
  o.learningRateScale = {1.0f, 1.0f, 1.0f};
  CHECK(de::train(*ones, p.data(), o, nullptr).ok());
  o.learningRateScale = {1.0f, 4.0f, 1.0f};
  CHECK(de::train(*scaled, p.data(), o, nullptr).ok());
  const auto a = params(*plain), b = params(*ones), c = params(*scaled);
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  std::vector<bool> layer2(a.size(), false);
  for (int e : plain->edges_into(2)) {
    const de::Network::Edge& ed = plain->edges()[e];
    const int64_t n = plain->units(ed.h) * plain->units(ed.l);
    for (int64_t i = 0; i < n; ++i) layer2[static_cast<size_t>(ed.offset + i)] = true;
  }
  for (int64_t i = 0; i < plain->units(2); ++i) layer2[static_cast<size_t>(plain->bias_offset(2) + i)] = true;
  int moved = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - start[i], dc = static_cast<double>(c[i]) - start[i];
    if (!layer2[i]) {
      CHECK(a[i] == c[i]);
      continue;
    }
    CHECK_MSG(std::fabs(dc - 4.0 * d) <= 1e-6 + 1e-5 * std::fabs(4.0 * d), "layer 2's step is not 4x");
    moved += d != 0.0;
  }
  CHECK(moved > 100);  // the comparison saw real steps
  o.learningRateScale = {1.0f, 4.0f};
  const auto before = params(*scaled);
  CHECK(de::train(*scaled, p.data(), o, nullptr).status == de::Status::InvalidArgument);
  o.learningRateScale = {1.0f, 0.0f, 1.0f};
  CHECK(de::train(*scaled, p.data(), o, nullptr).status == de::Status::InvalidArgument);
  CHECK(std::memcmp(before.data(), params(*scaled).data(), before.size() * sizeof(float)) == 0);
}
TEST(network_train_learning_rate_scale_adam) { check_learning_rate_scale(de::OptimizerKind::Adam, 1); }
TEST(network_train_learning_rate_scale_sgd) { check_learning_rate_scale(de::OptimizerKind::Sgd, 1); }
TEST(network_train_learning_rate_scale_shared_gates) { check_learning_rate_scale(de::OptimizerKind::Adam, 40); }

TEST(network_train_abort_before_first_batch) {
  Problem p(100, 3);
  auto n = make(spec(de::DropoutMode::Units, 1));
  const auto before = params(*n);
  std::atomic<bool> stop{true};
  de::TrainOptions o = options(1, 10);
  o.abort = &stop;
  CHECK(de::train(*n, p.data(), o, nullptr).status == de::Status::Cancelled);
  CHECK(std::memcmp(before.data(), params(*n).data(), before.size() * sizeof(float)) == 0);
}

// Training learns: the weight-scaled network classifies held-out data well (a broken gradient
// stays near the 67% error of chance).
TEST(network_train_learns_and_validates) {
  Problem train(600, 4), test(300, 5);
  for (auto optimizer : {de::OptimizerKind::Adam, de::OptimizerKind::Sgd}) {
    auto n = make(spec(de::DropoutMode::Units, 2));
    de::TrainOptions o = options(8, 20);
    o.optimizer = optimizer;
    if (optimizer == de::OptimizerKind::Sgd) {
      o.learningRate.assign(8, 0.2f);
      o.momentum.assign(8, 0.9f);
    }
    o.validation = test.data();
    std::vector<de::EpochRecord> h;
    de::Result r = de::train(*n, train.data(), o, &h);
    CHECK_MSG(r.ok(), r.message);
    CHECK(h.size() == 8);
    CHECK_MSG(h.back().validationError < 0.1, "validation error " << h.back().validationError);
    CHECK(h.back().loss < h.front().loss);
    std::vector<float> out(static_cast<size_t>(test.count * 3));
    de::PredictOptions po;
    CHECK(de::predict(*n, test.x.data(), test.count, po, out.data()).ok());
    int64_t wrong = 0;
    for (int64_t i = 0; i < test.count; ++i) {
      int best = 0;
      for (int k = 1; k < 3; ++k) best = out[i * 3 + k] > out[i * 3 + best] ? k : best;
      wrong += best != test.y[i];
    }
    CHECK_NEAR(static_cast<double>(wrong) / test.count, h.back().validationError, 1e-12);
  }
}

// Eq. 4/13: the weight-scaled pass equals the plain pass of a network whose weights were
// multiplied by their source's keep.
TEST(network_weight_scaled_forward_equals_scaled_weights) {
  for (auto mode : {de::DropoutMode::Units, de::DropoutMode::Connections}) {
    auto n = make(spec(mode, 2));
    de::NetworkSpec plainSpec = spec(mode, 1);
    auto plain = make(plainSpec);
    std::memcpy(plain->params(), n->params(), sizeof(float) * n->param_count());
    for (size_t e = 0; e < n->edges().size(); ++e) {
      const int h = n->edges()[e].h, l = n->edges()[e].l;
      for (int64_t o = 0; o < n->units(h); ++o) {
        for (int64_t j = 0; j < n->units(l); ++j) plain->weights(static_cast<int>(e))[o * n->units(l) + j] *= n->keep(l)[j];
      }
    }
    Problem p(7, 6);
    std::vector<float> a(21), b(21);
    de::PredictOptions po;
    CHECK(de::predict(*n, p.x.data(), 7, po, a.data()).ok());
    const int L = n->top();
    std::vector<std::vector<float>> S(L + 1), O(L + 1);
    de::ForwardBuffers fb;
    fb.S.assign(L + 1, nullptr); fb.O.assign(L + 1, nullptr);
    for (int h = 1; h <= L; ++h) {
      S[h].resize(7 * n->units(h)); O[h].resize(7 * n->units(h));
      fb.S[h] = S[h].data(); fb.O[h] = O[h].data();
    }
    CHECK(de::forward(*plain, p.x.data(), 7, de::MaskSource(), fb).ok());
    for (int i = 0; i < 21; ++i) CHECK_NEAR(a[i], O[L][i], 1e-6);
  }
}

// Monte Carlo prediction: reproducible, independent of the batch split, and near the
// weight-scaled prediction for a network this small (a loose sanity bound).
TEST(network_predict_monte_carlo) {
  auto n = make(spec(de::DropoutMode::Units, 2));
  Problem p(20, 7);
  std::vector<float> a(60), b(60), ws(60);
  de::PredictOptions o;
  o.monteCarlo = true; o.samples = 200; o.seed = 3;
  CHECK(de::predict(*n, p.x.data(), 20, o, a.data()).ok());
  o.batch = 7;
  CHECK(de::predict(*n, p.x.data(), 20, o, b.data()).ok());
  CHECK(std::memcmp(a.data(), b.data(), sizeof(float) * 60) == 0);
  CHECK(de::predict(*n, p.x.data(), 20, de::PredictOptions(), ws.data()).ok());
  double diff = 0;
  for (int i = 0; i < 60; ++i) diff = std::fmax(diff, std::fabs(a[i] - ws[i]));
  CHECK(diff > 0 && diff < 0.1);
  for (int i = 0; i < 20; ++i) CHECK_NEAR(a[i * 3] + a[i * 3 + 1] + a[i * 3 + 2], 1.0, 1e-5);
}

// The unit gates the trainer replays (Given) are the gates forward() draws with Philox, and a
// shuffle is a permutation.
TEST(network_masks_and_shuffle) {
  auto n = make(spec(de::DropoutMode::Units, 2));
  std::vector<uint8_t> g(5 * 16);
  CHECK(de::fill_unit_masks(*n, 9, de::MaskPurpose::Train, 100, 5, 1, g.data()).ok());
  int ones = 0;
  for (int64_t i = 0; i < 5 * 16; ++i) {
    CHECK(g[i] == de::mask_keep(9, de::unit_stream(de::MaskPurpose::Train, 1), 100 + i / 16, i % 16, n->thresholds(1)[i % 16]));
    ones += g[i];
  }
  CHECK(ones > 10 && ones < 70);
  std::vector<int64_t> order;
  de::epoch_order(4, 2, 1000, &order);
  std::vector<int> seen(1000, 0);
  for (int64_t v : order) seen[v]++;
  for (int v : seen) CHECK(v == 1);
  std::vector<int64_t> other;
  de::epoch_order(4, 3, 1000, &other);
  CHECK(order != other);
}

TEST(network_spec_validation) {
  std::unique_ptr<de::Network> n;
  de::NetworkSpec s = spec(de::DropoutMode::Units, 1);
  s.layers[2].keep.assign(3, 0.5f);
  CHECK(de::Network::create(s, &n).status == de::Status::InvalidArgument);  // top layer keep
  s = spec(de::DropoutMode::Units, 1);
  s.layers[1].from = {1, 0};
  CHECK(de::Network::create(s, &n).status == de::Status::InvalidArgument);  // not ascending
  s = spec(de::DropoutMode::Units, 1);
  s.layers[0].keep[3] = 1.5f;
  CHECK(de::Network::create(s, &n).status == de::Status::InvalidArgument);
  s = spec(de::DropoutMode::Units, 1);
  s.layers[0].c = 0;
  CHECK(de::Network::create(s, &n).status == de::Status::InvalidArgument);
  CHECK(de::Network::create(spec(de::DropoutMode::Units, 1), &n).ok());
  std::vector<float> w(10);
  CHECK(n->set_weights(2, 1, w.data(), 10).status == de::Status::InvalidArgument);  // wrong length
  CHECK(n->get_weights(3, 0, w.data(), 10).status == de::Status::InvalidArgument);  // no such edge
}
