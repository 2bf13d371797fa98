// The Monte Carlo sampler (ensemble_sampler.h) against the exact enumeration: within 4 standard
// errors for E, Var, G, G′ and NWGM on deep networks with skip connections, both dropout modes;
// the same numbers for any batch size; returned masks replay the same subnetworks; a range of
// sample indices draws the whole run's subnetworks at those indices; abort.
#include <cmath>
#include <memory>
#include <vector>

#include "core/activations.h"
#include "core/ensemble_sampler.h"
#include "core/exact_ensemble.h"
#include "core/network.h"
#include "tests/test_framework.h"

namespace {

// 5 inputs → 4 → 3 (reads 0 and 1) → 3 (reads 1 and 2) → 2 softmax; few enough gates to enumerate.
std::unique_ptr<de::Network> deep_net(de::DropoutMode mode) {
  de::NetworkSpec s;
  s.inputs = 5;
  s.dropout = mode;
  const bool units = mode == de::DropoutMode::Units;
  s.inputKeep = units ? std::vector<float>{0.8f, 0.5f, 0.9f, 0.7f, 0.6f} : std::vector<float>{1, 0.5f, 1, 1, 1};
  de::LayerSpec a;
  a.units = 4;
  a.activation = de::Activation::Logistic;
  a.keep = units ? std::vector<float>{0.5f, 0.3f, 0.6f, 0.5f} : std::vector<float>{1, 0.5f, 1, 1};
  de::LayerSpec b = a;
  b.units = 3;
  b.c = 2.0;
  b.lambda = 1.5;
  b.from = {0, 1};
  b.keep = units ? std::vector<float>{0.4f, 0.7f, 0.5f} : std::vector<float>{1, 1, 0.7f};
  de::LayerSpec c;
  c.units = 3;
  c.activation = de::Activation::Tanh;
  c.from = {1, 2};
  c.keep = units ? std::vector<float>{0.5f, 0.5f, 0.8f} : std::vector<float>{1, 1, 1};
  de::LayerSpec t;
  t.units = 2;
  t.activation = de::Activation::Softmax;
  s.layers = {a, b, c, t};
  s.seed = 9;
  s.threads = 2;
  std::unique_ptr<de::Network> net;
  de::Result r = de::Network::create(s, &net);
  CHECK_MSG(r.ok(), r.message);
  for (int64_t k = 0; k < net->weight_count(); ++k) net->params()[k] *= 2.0f;  // a wide spread of O
  return net;
}

const float kInput[5] = {0.9f, 0.1f, 0.6f, 0.3f, 0.8f};

// |mc − exact| <= 4 standard errors of a mean whose per-sample variance is v.
void check_within(double mc, double exact, double v, int64_t n, const char* what) {
  const double se = std::sqrt(v / static_cast<double>(n));
  CHECK_MSG(std::fabs(mc - exact) <= 4 * se + 1e-12, what << ": mc " << mc << " exact " << exact << " se " << se);
}

void check_converges(de::DropoutMode mode) {
  auto net = deep_net(mode);
  de::EnsembleMoments exact, mc;
  de::Result r = de::exact_ensemble(*net, kInput, {}, &exact);
  CHECK_MSG(r.ok(), r.message);
  CHECK(exact.gates >= 6);
  de::EnsembleSamplerOptions o;
  o.samples = 40000;
  o.seed = 12345;
  o.batch = 1000;
  r = de::sample_ensemble(*net, kInput, o, &mc);
  CHECK_MSG(r.ok(), r.message);
  const int64_t n = o.samples;
  for (int h = 1; h <= net->top(); ++h) {
    const auto& e = exact.layers[h - 1];
    const auto& m = mc.layers[h - 1];
    for (size_t i = 0; i < e.mean.size(); ++i) {
      CHECK_NEAR(m.deterministic[i], e.deterministic[i], 0);
      check_within(m.mean[i], e.mean[i], e.variance[i], n, "mean");
      check_within(m.meanS[i], e.meanS[i], e.varianceS[i], n, "E(S)");
      // Var: the sample variance's standard error is sqrt((μ4 − σ⁴)/n); bound μ4 by the range.
      const double range = 4.0;  // |O − E| <= 2 for every unit here (tanh), so μ4 <= 4·Var
      check_within(m.variance[i], e.variance[i], range * e.variance[i], n, "variance");
      if (std::isnan(e.meanLogO[i])) {
        CHECK(std::isnan(m.meanLogO[i]));
        continue;
      }
      // log G = E[log O], log G′ = E[log(1 − O)]. For a logistic unit both are 1-Lipschitz in the
      // logit z = λS − ln c, so Var(log O) <= λ²·Var(S); for a softmax unit log O_i is 1-Lipschitz
      // in each S_j − S_i, so Var <= (Σ_j 2·sd(S_j))². These bound the standard errors.
      double spread;
      if (net->layer(h).activation == de::Activation::Logistic) {
        spread = std::pow(net->layer(h).lambda, 2) * e.varianceS[i];
      } else {
        double sum = 0;
        for (double v : e.varianceS) sum += 2 * std::sqrt(v);
        spread = sum * sum;
      }
      check_within(m.meanLogO[i], e.meanLogO[i], spread, n, "log G");
      check_within(m.meanLog1mO[i], e.meanLog1mO[i], spread, n, "log G'");
      if (net->layer(h).activation == de::Activation::Logistic) {
        const double nwgm = de::sigmoid(e.meanLogO[i] - e.meanLog1mO[i]);
        const double nwgmMc = de::sigmoid(m.meanLogO[i] - m.meanLog1mO[i]);
        // NWGM = σ(E z): its standard error is σ′·sd(z)/√n with sd(z) = λ·sd(S).
        const double lambda = net->layer(h).lambda;
        check_within(nwgmMc, nwgm, std::pow(nwgm * (1 - nwgm) * lambda, 2) * e.varianceS[i], n, "nwgm");
      }
    }
  }
}

}  // namespace

TEST(ensemble_sampler_converges_to_exact_units) { check_converges(de::DropoutMode::Units); }
TEST(ensemble_sampler_converges_to_exact_connections) { check_converges(de::DropoutMode::Connections); }

TEST(ensemble_sampler_batch_size_and_threads_change_only_rounding) {
  // The masks depend on the sample index only, so any batch size sees the same subnetworks; the
  // accumulators merge batches (Chan/Pébay), so only the rounding of the moments may differ.
  auto net = deep_net(de::DropoutMode::Units);
  de::EnsembleMoments a, b;
  de::EnsembleSamplerOptions o;
  o.samples = 777;
  o.seed = 5;
  o.batch = 64;
  CHECK(de::sample_ensemble(*net, kInput, o, &a).ok());
  o.batch = 13;
  o.threads = 1;
  CHECK(de::sample_ensemble(*net, kInput, o, &b).ok());
  for (size_t h = 0; h < a.layers.size(); ++h)
    for (size_t i = 0; i < a.layers[h].mean.size(); ++i) {
      CHECK_NEAR(a.layers[h].mean[i], b.layers[h].mean[i], 1e-12);
      CHECK_NEAR(a.layers[h].variance[i], b.layers[h].variance[i], 1e-12);
      CHECK_NEAR(a.layers[h].third[i], b.layers[h].third[i], 1e-12);
    }
}

TEST(ensemble_sampler_returned_masks_replay_the_same_subnetworks) {
  for (auto mode : {de::DropoutMode::Units, de::DropoutMode::Connections}) {
    auto net = deep_net(mode);
    const int64_t n = 300;
    de::EnsembleSamplerOptions o;
    o.samples = n;
    o.seed = 77;
    o.batch = 128;
    std::vector<std::vector<uint8_t>> store;
    if (mode == de::DropoutMode::Units) {
      for (int l = 0; l < net->top(); ++l) store.emplace_back(static_cast<size_t>(n * net->units(l)), 9);
      for (auto& s : store) o.returnUnitMasks.push_back(s.data());
    } else {
      for (const auto& e : net->edges()) store.emplace_back(static_cast<size_t>(n * net->units(e.h) * net->units(e.l)), 9);
      for (auto& s : store) o.returnConnectionMasks.push_back(s.data());
    }
    de::EnsembleMoments a, b;
    CHECK(de::sample_ensemble(*net, kInput, o, &a).ok());
    int64_t zeros = 0;
    for (auto& s : store)
      for (uint8_t v : s) {
        CHECK(v <= 1);
        zeros += v == 0;
      }
    CHECK(zeros > 0);
    de::EnsembleSamplerOptions g;
    g.samples = n;
    g.batch = 128;  // the same batches: the same bits
    g.given = true;
    for (auto& s : store) (mode == de::DropoutMode::Units ? g.givenUnitMasks : g.givenConnectionMasks).push_back(s.data());
    CHECK(de::sample_ensemble(*net, kInput, g, &b).ok());
    for (size_t h = 0; h < a.layers.size(); ++h)
      for (size_t i = 0; i < a.layers[h].mean.size(); ++i) {
        CHECK(a.layers[h].mean[i] == b.layers[h].mean[i]);
        CHECK(a.layers[h].variance[i] == b.layers[h].variance[i]);
      }
  }
}

TEST(ensemble_sampler_range_draws_the_same_subnetworks_as_the_whole_run) {
  // Subnetworks first .. first + samples − 1 of a seed are rows first.. of the whole run's masks,
  // whatever the batch: a shard of a run is the run's own subnetworks, not new ones.
  for (auto mode : {de::DropoutMode::Units, de::DropoutMode::Connections}) {
    auto net = deep_net(mode);
    const bool units = mode == de::DropoutMode::Units;
    std::vector<int64_t> widths;
    if (units) {
      for (int l = 0; l < net->top(); ++l) widths.push_back(net->units(l));
    } else {
      for (const auto& e : net->edges()) widths.push_back(net->units(e.h) * net->units(e.l));
    }
    const auto run = [&](int64_t first, int64_t n, int64_t batch, std::vector<std::vector<uint8_t>>* store, de::EnsembleMoments* m) {
      de::EnsembleSamplerOptions o;
      o.samples = n;
      o.first = first;
      o.seed = 31;
      o.batch = batch;
      store->clear();
      for (int64_t w : widths) store->emplace_back(static_cast<size_t>(n * w), 9);
      for (auto& s : *store) (units ? o.returnUnitMasks : o.returnConnectionMasks).push_back(s.data());
      CHECK(de::sample_ensemble(*net, kInput, o, m).ok());
    };
    std::vector<std::vector<uint8_t>> whole, part;
    de::EnsembleMoments a, b, c;
    run(0, 400, 128, &whole, &a);
    run(137, 200, 45, &part, &b);
    for (size_t k = 0; k < widths.size(); ++k)
      for (int64_t i = 0; i < 200 * widths[k]; ++i) CHECK(part[k][i] == whole[k][137 * widths[k] + i]);
    // Those rows replayed as given masks give the same moments, bit for bit, with the same batches.
    de::EnsembleSamplerOptions g;
    g.samples = 200;
    g.batch = 45;
    g.given = true;
    for (auto& s : part) (units ? g.givenUnitMasks : g.givenConnectionMasks).push_back(s.data());
    CHECK(de::sample_ensemble(*net, kInput, g, &c).ok());
    for (size_t h = 0; h < b.layers.size(); ++h)
      for (size_t i = 0; i < b.layers[h].mean.size(); ++i) CHECK(b.layers[h].variance[i] == c.layers[h].variance[i]);
  }
  auto net = deep_net(de::DropoutMode::Units);
  de::EnsembleMoments m;
  de::EnsembleSamplerOptions bad;
  bad.first = -1;
  CHECK(de::sample_ensemble(*net, kInput, bad, &m).status == de::Status::InvalidArgument);
}

TEST(ensemble_sampler_abort_and_bad_options) {
  auto net = deep_net(de::DropoutMode::Units);
  de::EnsembleMoments m;
  std::atomic<bool> abort{true};
  de::EnsembleSamplerOptions o;
  o.abort = &abort;
  CHECK(de::sample_ensemble(*net, kInput, o, &m).status == de::Status::Cancelled);
  de::EnsembleSamplerOptions bad;
  bad.samples = 0;
  CHECK(de::sample_ensemble(*net, kInput, bad, &m).status == de::Status::InvalidArgument);
}
