// Backward pass against finite differences of an independent float64 reference (fixed gates):
// every activation, both losses, skip connections, unit and connection dropout.
#include <cmath>
#include <memory>
#include <vector>

#include "core/activations.h"
#include "core/loss.h"
#include "core/network.h"
#include "tests/test_framework.h"
#include "tests/test_network_reference.h"

namespace {

using de::Activation;

struct Lcg {
  uint64_t s;
  explicit Lcg(uint64_t seed) : s(seed * 2862933555777941757ull + 3037000493ull) {}
  double uniform() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(s >> 11) * (1.0 / 9007199254740992.0);
  }
};

de::LayerSpec layer(int64_t units, Activation a, std::vector<float> keep, std::vector<int> from, double c = 1, double lambda = 1) {
  de::LayerSpec l;
  l.units = units; l.activation = a; l.keep = std::move(keep); l.from = std::move(from); l.c = c; l.lambda = lambda;
  return l;
}

std::unique_ptr<de::Network> make(de::NetworkSpec s, Lcg& rng) {
  std::unique_ptr<de::Network> net;
  de::Result r = de::Network::create(s, &net);
  CHECK_MSG(r.ok(), r.message);
  // random biases too, so that no unit sits at a trivial point
  for (int h = 1; h <= net->top(); ++h) {
    for (int64_t o = 0; o < net->units(h); ++o) net->bias(h)[o] = static_cast<float>(rng.uniform() - 0.5);
  }
  return net;
}

void check_gradient(de::NetworkSpec spec, de::Loss loss, uint64_t seed) {
  Lcg rng(seed);
  auto net = make(spec, rng);
  const int L = net->top();
  const int64_t rows = 3, ni = net->units(0), no = net->units(L);
  std::vector<float> x(static_cast<size_t>(rows * ni));
  for (auto& v : x) v = static_cast<float>(rng.uniform());
  std::vector<float> t(static_cast<size_t>(rows * no));
  const Activation top = net->layer(L).activation;
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (int64_t k = 0; k < no; ++k) sum += (t[r * no + k] = static_cast<float>(0.05 + rng.uniform()));
    if (top == Activation::Softmax && loss == de::Loss::CrossEntropy) {
      for (int64_t k = 0; k < no; ++k) t[r * no + k] = static_cast<float>(t[r * no + k] / sum);
    } else if (top == Activation::Logistic) {
      for (int64_t k = 0; k < no; ++k) t[r * no + k] = std::fmin(0.95f, t[r * no + k]);
    }
  }
  // Fixed gates drawn with each source's keep (about half of them closed at keep 0.5).
  de_test::ReferenceGates g;
  de::MaskSource m;
  m.mode = de::MaskMode::Given;
  if (net->spec().dropout == de::DropoutMode::Units) {
    g.units.resize(L);
    m.units.assign(L, nullptr);
    for (int l = 0; l < L; ++l) {
      if (net->keeps_all(l)) continue;
      g.units[l].resize(static_cast<size_t>(rows * net->units(l)));
      for (int64_t i = 0; i < rows * net->units(l); ++i) g.units[l][i] = rng.uniform() < net->keep(l)[i % net->units(l)];
      m.units[l] = g.units[l].data();
    }
  } else {
    g.connections.resize(net->edges().size());
    m.connections.assign(net->edges().size(), nullptr);
    for (size_t e = 0; e < net->edges().size(); ++e) {
      const int h = net->edges()[e].h, l = net->edges()[e].l;
      if (net->keeps_all(l)) continue;
      const int64_t nl = net->units(l), n = rows * net->units(h) * nl;
      g.connections[e].resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) g.connections[e][i] = rng.uniform() < net->keep(l)[i % nl];
      m.connections[e] = g.connections[e].data();
    }
  }
  // Engine: forward, loss delta, backward.
  std::vector<std::vector<float>> S(L + 1), O(L + 1), D(L + 1);
  de::ForwardBuffers fb;
  fb.S.assign(L + 1, nullptr); fb.O.assign(L + 1, nullptr);
  std::vector<float*> dS(L + 1, nullptr);
  for (int h = 1; h <= L; ++h) {
    const size_t n = static_cast<size_t>(rows * net->units(h));
    S[h].resize(n); O[h].resize(n); D[h].resize(n);
    fb.S[h] = S[h].data(); fb.O[h] = O[h].data(); dS[h] = D[h].data();
  }
  de::Result r = de::forward(*net, x.data(), rows, m, fb);
  CHECK_MSG(r.ok(), r.message);
  de::Targets targets;
  targets.values = t.data();
  de::LossSums sums;
  de::loss_and_delta(net->layer(L), loss, S[L].data(), O[L].data(), rows, no, targets, 1.0f / rows, D[L].data(), &sums);
  std::vector<float> grad(static_cast<size_t>(net->param_count()));
  r = de::backward(*net, x.data(), rows, m, fb, dS, grad.data());
  CHECK_MSG(r.ok(), r.message);

  // Reference: forward agrees, loss agrees, central differences of the mean loss.
  std::vector<double> p(net->params(), net->params() + net->param_count());
  std::vector<double> xd(x.begin(), x.end()), td(t.begin(), t.end());
  const auto Oref = de_test::reference_forward(*net, p, xd, rows, g, nullptr);
  for (int64_t i = 0; i < rows * no; ++i) CHECK_NEAR(O[L][i], Oref[L][i], 1e-5);
  const double E = de_test::reference_loss(*net, p, xd, rows, g, td, loss);
  CHECK_NEAR(sums.loss / rows, E, 1e-5);
  double num = 0, den = 0, gmax = 0;
  std::vector<double> fd(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    const double h = 1e-6 * std::fmax(1.0, std::fabs(p[i])), keep = p[i];
    p[i] = keep + h;
    const double up = de_test::reference_loss(*net, p, xd, rows, g, td, loss);
    p[i] = keep - h;
    const double down = de_test::reference_loss(*net, p, xd, rows, g, td, loss);
    p[i] = keep;
    fd[i] = (up - down) / (2 * h);
    num += (grad[i] - fd[i]) * (grad[i] - fd[i]);
    den += fd[i] * fd[i];
    gmax = std::fmax(gmax, std::fabs(fd[i]));
  }
  CHECK_MSG(den > 1e-12, "the gradient is zero: the test would prove nothing");
  CHECK_MSG(std::sqrt(num / den) < 1e-4, "relative gradient error " << std::sqrt(num / den));
  for (size_t i = 0; i < p.size(); ++i) {
    CHECK_MSG(std::fabs(grad[i] - fd[i]) <= 1e-4 * gmax + 1e-7, "param " << i << ": " << grad[i] << " vs " << fd[i]);
  }
}

// inputs 5 (keep .8) → logistic(c=2, λ=1.5) → tanh reading [0, 1] → softmax reading [1, 2]
de::NetworkSpec deep_softmax(de::DropoutMode mode) {
  de::NetworkSpec s;
  s.inputs = 5; s.inputKeep.assign(5, 0.8f); s.dropout = mode; s.seed = 11; s.threads = 2;
  s.layers.push_back(layer(4, Activation::Logistic, {0.6f, 0.5f, 0.7f, 0.9f}, {}, 2.0, 1.5));
  s.layers.push_back(layer(3, Activation::Tanh, std::vector<float>(3, 0.7f), {0, 1}));
  s.layers.push_back(layer(3, Activation::Softmax, {}, {1, 2}));
  return s;
}

// inputs 4 → softmax hidden (keep .5) → relu reading [0, 1] → linear reading [1, 2]
de::NetworkSpec softmax_relu_linear(de::DropoutMode mode) {
  de::NetworkSpec s;
  s.inputs = 4; s.inputKeep.assign(4, 0.9f); s.dropout = mode; s.seed = 12; s.threads = 1;
  s.layers.push_back(layer(3, Activation::Softmax, std::vector<float>(3, 0.5f), {}));
  s.layers.push_back(layer(4, Activation::Relu, std::vector<float>(4, 0.7f), {0, 1}));
  s.layers.push_back(layer(2, Activation::Linear, {}, {1, 2}));
  return s;
}

// inputs 4 → linear (keep .6) → logistic top (c = 0.5, λ = 2)
de::NetworkSpec linear_logistic(de::DropoutMode mode) {
  de::NetworkSpec s;
  s.inputs = 4; s.inputKeep.assign(4, 0.7f); s.dropout = mode; s.seed = 13;
  s.layers.push_back(layer(5, Activation::Linear, std::vector<float>(5, 0.6f), {}));
  s.layers.push_back(layer(2, Activation::Logistic, {}, {}, 0.5, 2.0));
  return s;
}

}  // namespace

TEST(network_gradient_units_softmax_cross_entropy_skip) { check_gradient(deep_softmax(de::DropoutMode::Units), de::Loss::CrossEntropy, 1); }
TEST(network_gradient_units_softmax_squared_error) { check_gradient(deep_softmax(de::DropoutMode::Units), de::Loss::SquaredError, 2); }
TEST(network_gradient_units_softmax_relu_linear_squared_error) { check_gradient(softmax_relu_linear(de::DropoutMode::Units), de::Loss::SquaredError, 3); }
TEST(network_gradient_units_logistic_cross_entropy) { check_gradient(linear_logistic(de::DropoutMode::Units), de::Loss::CrossEntropy, 4); }
TEST(network_gradient_units_logistic_squared_error) { check_gradient(linear_logistic(de::DropoutMode::Units), de::Loss::SquaredError, 5); }
TEST(network_gradient_connections_softmax_cross_entropy_skip) { check_gradient(deep_softmax(de::DropoutMode::Connections), de::Loss::CrossEntropy, 6); }
TEST(network_gradient_connections_relu_linear_squared_error) { check_gradient(softmax_relu_linear(de::DropoutMode::Connections), de::Loss::SquaredError, 7); }
TEST(network_gradient_connections_logistic_cross_entropy) { check_gradient(linear_logistic(de::DropoutMode::Connections), de::Loss::CrossEntropy, 8); }

// Labels and their one-hot values give the same loss and delta.
TEST(network_loss_labels_equal_one_hot) {
  de::LayerSpec top = layer(3, Activation::Softmax, {}, {});
  const float S[6] = {0.3f, -1.0f, 2.0f, 0.0f, 0.5f, -0.5f};
  float O[6];
  de::activate_row(top, S, O, 3);
  de::activate_row(top, S + 3, O + 3, 3);
  const int32_t labels[2] = {2, 0};
  const float onehot[6] = {0, 0, 1, 1, 0, 0};
  float d1[6], d2[6];
  de::LossSums a, b;
  de::Targets tl, tv;
  tl.labels = labels;
  tv.values = onehot;
  de::loss_and_delta(top, de::Loss::CrossEntropy, S, O, 2, 3, tl, 0.5f, d1, &a);
  de::loss_and_delta(top, de::Loss::CrossEntropy, S, O, 2, 3, tv, 0.5f, d2, &b);
  CHECK_NEAR(a.loss, b.loss, 1e-12);
  CHECK(a.errors == 1 && b.errors == 1);  // row 0 predicts 2 (right), row 1 predicts 1 (wrong)
  for (int i = 0; i < 6; ++i) CHECK(d1[i] == d2[i]);
}
