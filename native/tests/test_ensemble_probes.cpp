// Learning-phase probes (probes.h): Eq. 28's regularizer for a linear unit, records between
// minibatches of a real training run, and O*/std(O) equal to a direct ensemble sample.
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "core/ensemble_sampler.h"
#include "core/network.h"
#include "core/probes.h"
#include "core/trainer.h"
#include "tests/test_framework.h"

namespace {

std::unique_ptr<de::Network> make(de::Activation hidden, de::Activation top, int64_t outputs) {
  de::NetworkSpec s;
  s.inputs = 5;
  s.inputKeep = {0.8f, 0.5f, 0.9f, 0.3f, 0.6f};
  de::LayerSpec a;
  a.units = 6;
  a.activation = hidden;
  a.keep.assign(6, 0.5f);
  de::LayerSpec t;
  t.units = outputs;
  t.activation = top;
  s.layers = {a, t};
  s.seed = 4;
  s.threads = 2;
  std::unique_ptr<de::Network> net;
  de::Result r = de::Network::create(s, &net);
  CHECK_MSG(r.ok(), r.message);
  return net;
}

const float kX[10] = {0.2f, 0.9f, 0.4f, 0.7f, 0.1f, 0.8f, 0.3f, 0.5f, 0.6f, 0.05f};

}  // namespace

TEST(ensemble_probes_weight_decay_of_a_linear_unit_is_eq28) {
  // One linear unit on the input: R = ½ Σ w² I² p(1 − p), the regularizer of Eq. 28.
  de::NetworkSpec s;
  s.inputs = 5;
  s.inputKeep = {0.8f, 0.5f, 0.9f, 0.3f, 0.6f};
  de::LayerSpec t;
  t.units = 1;
  t.activation = de::Activation::Linear;
  s.layers = {t};
  s.threads = 1;
  std::unique_ptr<de::Network> net;
  CHECK(de::Network::create(s, &net).ok());
  de::ProbeOptions o;
  o.inputs = kX;
  o.count = 1;
  o.samples = 64;
  de::ProbeRecorder rec(o);
  CHECK(rec.check(*net).ok());
  CHECK(rec.on_step(*net, 0, 0, 0).ok());
  double want = 0;
  for (int j = 0; j < 5; ++j) {
    const double w = net->weights(0)[j], p = s.inputKeep[j];
    want += 0.5 * w * w * kX[j] * kX[j] * p * (1 - p);
  }
  CHECK_NEAR(rec.records()[0].weightDecay[0], want, 1e-12);
}

TEST(ensemble_probes_record_between_minibatches_of_training) {
  auto net = make(de::Activation::Logistic, de::Activation::Softmax, 2);
  std::vector<float> inputs(40 * 5);
  std::vector<int32_t> labels(40);
  for (size_t i = 0; i < inputs.size(); ++i) inputs[i] = static_cast<float>((i * 37) % 11) / 10.0f;
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>(i % 2);
  de::ProbeOptions po;
  po.inputs = kX;
  po.count = 2;
  po.every = 3;
  po.samples = 200;
  po.seed = 9;
  de::ProbeRecorder rec(po);
  CHECK(rec.on_step(*net, 0, 0, 0).ok());
  de::Result failed;
  de::TrainOptions to;
  to.epochs = 1;
  to.batchSize = 4;  // 10 updates
  to.learningRate = {0.05f};
  to.onBatch = [&](const de::BatchProgress& p) {
    de::Result r = rec.on_step(*net, p.step, p.epoch, p.position);
    if (!r.ok()) failed = r;
  };
  de::TrainData d;
  d.inputs = inputs.data();
  d.count = 40;
  d.targets.labels = labels.data();
  std::vector<de::EpochRecord> history;
  de::Result r = de::train(*net, d, to, &history);
  CHECK_MSG(r.ok(), r.message);
  CHECK(failed.ok());
  const auto& recs = rec.records();
  CHECK(recs.size() == 4);  // steps 0, 3, 6, 9
  CHECK(recs[1].step == 3 && recs[3].step == 9);
  // Per layer, [input × units]: 2 probe inputs × 6 hidden units, 2 × 2 outputs.
  CHECK(recs[0].deterministic.size() == 2 && recs[0].deterministic[0].size() == 12 && recs[0].std[1].size() == 4);
  // A record at the final weights equals a direct ensemble sample with the same seed.
  CHECK(rec.on_step(*net, 12, 0, 40).ok());
  de::EnsembleSamplerOptions so;
  so.samples = 200;
  so.seed = 9;
  so.batch = 200;
  de::EnsembleMoments m;
  CHECK(de::sample_ensemble(*net, kX + 5, so, &m).ok());
  const de::ProbeRecord& last = rec.records().back();
  for (int i = 0; i < 6; ++i) {
    CHECK_NEAR(last.deterministic[0][6 + i], m.layers[0].deterministic[i], 1e-12);
    CHECK_NEAR(last.std[0][6 + i], std::sqrt(m.layers[0].variance[i]), 1e-12);
  }
  for (const auto& r2 : recs) {
    CHECK(r2.weightDecay[0] > 0 && r2.weightDecay[1] > 0);
    CHECK(r2.sparsity[0] >= 0 && r2.sparsity[0] <= 1);
  }
  CHECK(recs[0].weightDecay[0] != recs[3].weightDecay[0]);  // training moved the weights
}

TEST(ensemble_probes_leave_training_bit_identical) {
  // Training reads purpose Train/Shuffle streams only; the probes' Ensemble masks and forward
  // passes must not change a single bit of the trained weights.
  std::vector<float> inputs(40 * 5);
  std::vector<int32_t> labels(40);
  for (size_t i = 0; i < inputs.size(); ++i) inputs[i] = static_cast<float>((i * 53) % 13) / 12.0f;
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>((i / 3) % 2);
  de::TrainData d;
  d.inputs = inputs.data();
  d.count = 40;
  d.targets.labels = labels.data();
  std::vector<float> params[2];
  for (int withProbes = 0; withProbes < 2; ++withProbes) {
    auto net = make(de::Activation::Logistic, de::Activation::Softmax, 2);
    de::ProbeOptions po;
    po.inputs = kX;
    po.count = 2;
    po.every = 2;
    po.samples = 50;
    po.seed = 3;
    de::ProbeRecorder rec(po);
    de::TrainOptions to;
    to.epochs = 2;
    to.batchSize = 6;
    to.learningRate = {0.05f, 0.05f};
    to.seed = 11;
    if (withProbes) {
      CHECK(rec.on_step(*net, 0, 0, 0).ok());
      to.onBatch = [&](const de::BatchProgress& p) { CHECK(rec.on_step(*net, p.step, p.epoch, p.position).ok()); };
    }
    std::vector<de::EpochRecord> history;
    CHECK(de::train(*net, d, to, &history).ok());
    if (withProbes) {
      CHECK(rec.record(*net, net->optimizer().step, net->optimizer().epoch, 0).ok());
      CHECK(rec.record(*net, net->optimizer().step, net->optimizer().epoch, 0).ok());  // no duplicate
      // 14 updates: steps 0, 2, …, 14 (the last is both a multiple of 2 and the end).
      CHECK(rec.records().size() == 8);
      CHECK(rec.records().back().step == 14);
    }
    for (size_t e = 0; e < net->edges().size(); ++e) {
      const auto& ed = net->edges()[e];
      const float* w = net->weights(static_cast<int>(e));
      params[withProbes].insert(params[withProbes].end(), w, w + net->units(ed.h) * net->units(ed.l));
    }
    for (int h = 1; h <= net->top(); ++h) params[withProbes].insert(params[withProbes].end(), net->bias(h), net->bias(h) + net->units(h));
  }
  CHECK(params[0].size() == params[1].size());
  CHECK(std::memcmp(params[0].data(), params[1].data(), params[0].size() * sizeof(float)) == 0);
}

TEST(ensemble_probes_reject_bad_options) {
  auto net = make(de::Activation::Logistic, de::Activation::Softmax, 2);
  de::ProbeOptions o;
  CHECK(de::ProbeRecorder(o).check(*net).status == de::Status::InvalidArgument);
  o.inputs = kX;
  o.count = 1;
  o.every = 0;
  CHECK(de::ProbeRecorder(o).check(*net).status == de::Status::InvalidArgument);
}
