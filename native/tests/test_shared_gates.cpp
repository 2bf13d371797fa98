// Training with gates shared by groups of examples (TrainOptions::maskGroup): the compact products
// equal the dense masked products with the same gates, for groups that fill a batch, groups cut by
// the batch's ends, skip connections, SGD with max-norm and Adam; bit-identical for any thread count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "core/batch_workspace.h"
#include "core/network.h"
#include "core/optimizer.h"
#include "core/trainer.h"
#include "tests/test_framework.h"

namespace {

using de::Activation;

de::NetworkSpec spec(de::DropoutMode mode, int threads) {
  de::NetworkSpec s;
  s.inputs = 12; s.inputKeep.assign(12, 0.8f); s.dropout = mode; s.seed = 9; s.threads = threads;
  de::LayerSpec a, b, top;
  a.units = 16; a.activation = Activation::Logistic; a.keep.assign(16, 0.5f);
  b.units = 10; b.activation = Activation::Tanh; b.keep.assign(10, 0.7f); b.from = {0, 1};
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

struct Data {
  int64_t count;
  std::vector<float> x;
  std::vector<int32_t> y;
  explicit Data(int64_t n) : count(n), x(static_cast<size_t>(n * 12)), y(static_cast<size_t>(n)) {
    for (int64_t i = 0; i < n; ++i) {
      y[i] = static_cast<int32_t>(i % 3);
      for (int j = 0; j < 12; ++j) x[i * 12 + j] = std::sin(0.37f * static_cast<float>(i * 12 + j)) + (j / 4 == y[i] ? 0.5f : 0.0f);
    }
  }
  de::TrainData data() const {
    de::TrainData d;
    d.inputs = x.data(); d.count = count; d.targets.labels = y.data();
    return d;
  }
};

de::TrainOptions options(de::OptimizerKind kind, int64_t batch, int64_t group) {
  de::TrainOptions o;
  o.epochs = 2; o.batchSize = batch; o.optimizer = kind; o.maskGroup = group;
  o.learningRate.assign(2, kind == de::OptimizerKind::Adam ? 0.01f : 0.5f);
  if (kind == de::OptimizerKind::Sgd) o.momentum.assign(2, 0.9f);
  o.seed = 31; o.maxNorm = 1.5f; o.weightDecay = 1e-3f;
  return o;
}

// The same training, step by step, through the dense masked passes: every example's gates are the
// per-example gates of its group's first position, given as bytes.
void train_dense_reference(de::Network& net, const Data& d, const de::TrainOptions& o) {
  const int L = net.top();
  de::BatchWorkspace ws(net, o.batchSize, true);
  std::vector<float> grad(static_cast<size_t>(net.param_count()));
  std::vector<int64_t> order;
  std::vector<std::vector<uint8_t>> gates(static_cast<size_t>(L));
  de::OptimizerState& st = net.optimizer();
  st.kind = o.optimizer;
  for (int64_t k = 0; k < o.epochs; ++k) {
    de::epoch_order(o.seed, k, d.count, &order);
    de::UpdateParams up;
    up.learningRate = o.learningRate[k]; up.momentum = o.momentum.empty() ? 0.0f : o.momentum[k];
    up.weightDecay = o.weightDecay; up.maxNorm = o.maxNorm;
    for (int64_t pos = 0; pos < d.count; pos += o.batchSize) {
      const int64_t n = std::min(o.batchSize, d.count - pos);
      std::vector<int32_t> labels(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(ws.input.data() + i * 12, d.x.data() + order[pos + i] * 12, sizeof(float) * 12);
        labels[i] = d.y[order[pos + i]];
      }
      de::MaskSource m;
      m.mode = de::MaskMode::Given;
      m.units.assign(static_cast<size_t>(L), nullptr);
      for (int l = 0; l < L; ++l) {
        if (net.keeps_all(l) || net.edges_from(l).empty()) continue;
        const int64_t nl = net.units(l);
        gates[l].resize(static_cast<size_t>(n * nl));
        for (int64_t i = 0; i < n; ++i) {
          const int64_t first = (pos + i) / o.maskGroup * o.maskGroup;
          CHECK(de::fill_unit_masks(net, o.seed, de::MaskPurpose::Train, static_cast<uint64_t>(k * d.count + first), 1, l,
                                    gates[l].data() + i * nl).ok());
        }
        m.units[l] = gates[l].data();
      }
      CHECK(de::forward(net, ws.input.data(), n, m, ws.fwd).ok());
      de::Targets t;
      t.labels = labels.data();
      de::LossSums sums;
      de::loss_and_delta(net.layer(L), o.loss, ws.S[L].data(), ws.O[L].data(), n, 3, t, 1.0f / static_cast<float>(n),
                         ws.dS[L].data(), &sums);
      CHECK(de::backward(net, ws.input.data(), n, m, ws.fwd, ws.dSPtr, grad.data()).ok());
      CHECK(de::optimizer_step(net, st, grad.data(), up).ok());
    }
  }
}

void check_equals_dense(de::OptimizerKind kind, int64_t batch, int64_t group) {
  Data d(90);
  auto shared = make(spec(de::DropoutMode::Units, 2)), dense = make(spec(de::DropoutMode::Units, 2));
  const de::TrainOptions o = options(kind, batch, group);
  CHECK(de::train(*shared, d.data(), o, nullptr).ok());
  train_dense_reference(*dense, d, o);
  double worst = 0, moved = 0;
  auto init = make(spec(de::DropoutMode::Units, 1));
  for (int64_t i = 0; i < shared->param_count(); ++i) {
    worst = std::max(worst, static_cast<double>(std::fabs(shared->params()[i] - dense->params()[i])));
    moved = std::max(moved, static_cast<double>(std::fabs(dense->params()[i] - init->params()[i])));
  }
  CHECK_MSG(moved > 0.05, "training moved the weights");
  CHECK_MSG(worst < 2e-5, "shared gates differ from the dense masked product by " + std::to_string(worst));
}

}  // namespace

TEST(shared_gates_whole_batch_equals_dense_sgd) { check_equals_dense(de::OptimizerKind::Sgd, 15, 15); }
TEST(shared_gates_whole_batch_equals_dense_adam) { check_equals_dense(de::OptimizerKind::Adam, 15, 15); }
TEST(shared_gates_groups_inside_batches_equal_dense) { check_equals_dense(de::OptimizerKind::Adam, 20, 5); }
TEST(shared_gates_groups_cut_by_batches_equal_dense) { check_equals_dense(de::OptimizerKind::Sgd, 20, 7); }
TEST(shared_gates_group_of_one_equals_per_example) { check_equals_dense(de::OptimizerKind::Sgd, 10, 1); }

TEST(shared_gates_bit_identical_across_threads) {
  Data d(120);
  auto n1 = make(spec(de::DropoutMode::Units, 1)), n2 = make(spec(de::DropoutMode::Units, 2));
  for (int64_t group : {12, 5}) {
    const de::TrainOptions o = options(de::OptimizerKind::Adam, 12, group);
    CHECK(de::train(*n1, d.data(), o, nullptr).ok());
    CHECK(de::train(*n2, d.data(), o, nullptr).ok());
    CHECK(std::memcmp(n1->params(), n2->params(), sizeof(float) * n1->param_count()) == 0);
  }
}

TEST(shared_gates_refused_for_connection_dropout) {
  Data d(30);
  auto n = make(spec(de::DropoutMode::Connections, 1));
  const std::vector<float> before(n->params(), n->params() + n->param_count());
  CHECK(de::train(*n, d.data(), options(de::OptimizerKind::Sgd, 10, 10), nullptr).status == de::Status::Unsupported);
  CHECK(std::memcmp(before.data(), n->params(), sizeof(float) * before.size()) == 0);
  de::TrainOptions bad = options(de::OptimizerKind::Sgd, 10, 0);
  CHECK(de::train(*n, d.data(), bad, nullptr).status == de::Status::InvalidArgument);
}
