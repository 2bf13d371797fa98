// Learning-phase probes (probes.h): Eq. 28's regularizer for a linear unit, records between
// minibatches of a real training run, and O*/std(O) equal to a direct ensemble sample.
#include <cmath>
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
  CHECK(recs[0].deterministic.size() == 2 && recs[0].deterministic[1].size() == 2 && recs[0].std[0][0].size() == 6);
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
    CHECK_NEAR(last.deterministic[1][0][i], m.layers[0].deterministic[i], 1e-6);
    CHECK_NEAR(last.std[1][0][i], std::sqrt(m.layers[0].variance[i]), 1e-6);
  }
  for (const auto& r2 : recs) {
    CHECK(r2.weightDecay[0] > 0 && r2.weightDecay[1] > 0);
    CHECK(r2.sparsity[0] >= 0 && r2.sparsity[0] <= 1);
  }
  CHECK(recs[0].weightDecay[0] != recs[3].weightDecay[0]);  // training moved the weights
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
