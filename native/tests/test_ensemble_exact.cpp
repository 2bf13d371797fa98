// Exact enumeration of the ensemble (exact_ensemble.h): Eq. 4, Eq. 5, Eq. 31 on small networks,
// both dropout modes, skip connections, and independence from the thread count.
#include <cmath>
#include <memory>
#include <vector>

#include "common/keep_threshold.h"
#include "core/activations.h"
#include "core/exact_ensemble.h"
#include "core/network.h"
#include "tests/test_framework.h"

namespace {

using de::Activation;

// inputs 4 (keep .8/.6/.9/.7) → 3 (keep .5/.3/.6) → 3 from {0, 1} (keep .4/.7/1) → 2 from {1, 2}.
std::unique_ptr<de::Network> small_net(Activation hidden, Activation top, de::DropoutMode mode, int threads,
                                       bool fewer = false) {
  de::NetworkSpec s;
  s.inputs = 4;
  s.inputKeep = {0.8f, 0.6f, 0.9f, 0.7f};
  s.dropout = mode;
  de::LayerSpec a;
  a.units = 3;
  a.activation = hidden;
  a.c = 1.7;
  a.lambda = 0.8;
  a.keep = {0.5f, 0.3f, 0.6f};
  de::LayerSpec b = a;
  b.keep = {0.4f, 0.7f, 1.0f};
  b.from = {0, 1};
  de::LayerSpec t;
  t.units = 2;
  t.activation = top;
  t.from = {1, 2};
  if (fewer) {  // connection mode: keep the gate count small
    s.inputKeep = {1.0f, 0.6f, 1.0f, 1.0f};
    a.keep = {1.0f, 0.3f, 1.0f};
    b.keep = {1.0f, 1.0f, 0.5f};
    b.from = {1};
  }
  s.layers = {a, b, t};
  s.seed = 3;
  s.threads = threads;
  std::unique_ptr<de::Network> net;
  de::Result r = de::Network::create(s, &net);
  CHECK_MSG(r.ok(), r.message);
  // Biases away from zero so that the units sit at different operating points.
  for (int h = 1; h <= net->top(); ++h)
    for (int64_t i = 0; i < net->units(h); ++i) net->bias(h)[i] = 0.3f * static_cast<float>(i) - 0.2f * static_cast<float>(h);
  return net;
}

const float kInput[4] = {0.9f, -0.4f, 0.25f, 1.3f};

}  // namespace

TEST(ensemble_exact_linear_mean_is_weight_scaled_pass_eq4) {
  for (auto mode : {de::DropoutMode::Units, de::DropoutMode::Connections}) {
    auto net = small_net(Activation::Linear, Activation::Linear, mode, 1, mode == de::DropoutMode::Connections);
    de::EnsembleMoments m;
    de::Result r = de::exact_ensemble(*net, kInput, {}, &m);
    CHECK_MSG(r.ok(), r.message);
    CHECK(m.gates > 0 && m.samples == (int64_t(1) << m.gates));
    for (int h = 1; h <= 3; ++h)
      for (int64_t i = 0; i < net->units(h); ++i) {
        CHECK_NEAR(m.layers[h - 1].mean[i], m.layers[h - 1].deterministic[i], 1e-12);
        CHECK_NEAR(m.layers[h - 1].meanS[i], m.layers[h - 1].deterministic[i], 1e-12);
        CHECK(std::isnan(m.layers[h - 1].meanLogO[i]));
        CHECK(m.layers[h - 1].variance[i] > 0);
      }
  }
}

TEST(ensemble_exact_nwgm_is_sigma_of_mean_sum_eq5) {
  for (auto mode : {de::DropoutMode::Units, de::DropoutMode::Connections}) {
    auto net = small_net(Activation::Logistic, Activation::Softmax, mode, 2, mode == de::DropoutMode::Connections);
    de::EnsembleMoments m;
    de::Result r = de::exact_ensemble(*net, kInput, {}, &m);
    CHECK_MSG(r.ok(), r.message);
    for (int h = 1; h <= 2; ++h) {
      const auto& lm = m.layers[h - 1];
      for (int64_t i = 0; i < net->units(h); ++i) {
        const double nwgm = de::sigmoid(lm.meanLogO[i] - lm.meanLog1mO[i]);
        const double z = 0.8 * lm.meanS[i] - std::log(1.7);
        CHECK_NEAR(nwgm, de::sigmoid(z), 1e-12);
        CHECK(lm.variance[i] <= lm.mean[i] * (1 - lm.mean[i]));  // Section 3.2
      }
    }
    // Softmax top: G_i / Σ_j G_j = softmax(E(S)).
    const auto& top = m.layers[2];
    const double g0 = std::exp(top.meanLogO[0]), g1 = std::exp(top.meanLogO[1]);
    const double want = 1.0 / (1.0 + std::exp(top.meanS[1] - top.meanS[0]));
    CHECK_NEAR(g0 / (g0 + g1), want, 1e-12);
  }
}

TEST(ensemble_exact_first_layer_variance_of_sum_eq31) {
  auto net = small_net(Activation::Logistic, Activation::Logistic, de::DropoutMode::Units, 1);
  de::EnsembleMoments m;
  CHECK(de::exact_ensemble(*net, kInput, {}, &m).ok());
  for (int64_t o = 0; o < 3; ++o) {
    double v = 0;
    for (int j = 0; j < 4; ++j) {
      const double w = net->weights(0)[o * 4 + j], p = net->keep(0)[j];
      v += w * w * kInput[j] * kInput[j] * p * (1 - p);
    }
    CHECK_NEAR(m.layers[0].varianceS[o], v, 1e-12);
  }
}

TEST(ensemble_exact_thread_count_does_not_change_bits) {
  auto a = small_net(Activation::Tanh, Activation::Logistic, de::DropoutMode::Units, 1);
  auto b = small_net(Activation::Tanh, Activation::Logistic, de::DropoutMode::Units, 2);
  de::EnsembleMoments ma, mb;
  CHECK(de::exact_ensemble(*a, kInput, {}, &ma).ok());
  CHECK(de::exact_ensemble(*b, kInput, {}, &mb).ok());
  for (int h = 0; h < 3; ++h)
    for (size_t i = 0; i < ma.layers[h].mean.size(); ++i) {
      CHECK(ma.layers[h].mean[i] == mb.layers[h].mean[i]);
      CHECK(ma.layers[h].third[i] == mb.layers[h].third[i]);
    }
}

TEST(ensemble_exact_rejects_more_than_24_gates_and_honours_abort) {
  auto net = small_net(Activation::Logistic, Activation::Logistic, de::DropoutMode::Connections, 1);
  CHECK(de::exact_gate_count(*net) == 4 * 3 + 3 * 4 + 3 * 3 + 2 * 3 + 2 * 2);  // keep-1 unit of layer 2 not gated
  de::EnsembleMoments m;
  de::Result r = de::exact_ensemble(*net, kInput, {}, &m);
  CHECK(r.status == de::Status::InvalidArgument);
  auto units = small_net(Activation::Logistic, Activation::Logistic, de::DropoutMode::Units, 1);
  std::atomic<bool> abort{true};
  de::ExactOptions o;
  o.abort = &abort;
  CHECK(de::exact_ensemble(*units, kInput, o, &m).status == de::Status::Cancelled);
}

// The enumeration weighs subnetworks by the double keeps, the masks keep drawing from the float
// ones: one input with keep 0.8 (float 0.800000011920929) into a linear unit of weight 1.
TEST(ensemble_exact_weighs_by_the_double_keeps_masks_by_the_float_ones) {
  de::NetworkSpec s;
  s.inputs = 1;
  s.inputKeep = {0.8f};
  s.inputKeepExact = {0.8};
  de::LayerSpec t;
  t.units = 1;
  t.activation = Activation::Linear;
  s.layers = {t};
  s.threads = 1;
  std::unique_ptr<de::Network> net;
  CHECK(de::Network::create(s, &net).ok());
  net->weights(0)[0] = 1.0f;
  net->bias(1)[0] = 0.0f;
  const float x = 1.0f;
  de::EnsembleMoments m;
  CHECK(de::exact_ensemble(*net, &x, {}, &m).ok());
  CHECK(m.layers[0].mean[0] == 0.8);
  CHECK_NEAR(m.layers[0].variance[0], 0.8 * 0.2, 1e-16);  // the float keep: 7e-9 off
  CHECK(m.layers[0].deterministic[0] == 0.8);
  CHECK(net->thresholds(0)[0] == de::keep_threshold(static_cast<double>(0.8f)));

  // Without double keeps they are the float keeps widened; double keeps that do not round to the
  // float ones describe another network and are refused.
  de::NetworkSpec n;
  s.inputKeepExact.clear();
  CHECK(de::normalise_spec(s, &n).ok());
  CHECK(n.inputKeepExact.size() == 1 && n.inputKeepExact[0] == static_cast<double>(0.8f));
  s.inputKeepExact = {0.7};
  CHECK(de::normalise_spec(s, &n).status == de::Status::InvalidArgument);
}
