// The CUDA engine behind Network({ backend: 'cuda' }) (cuda/host/cuda_network.h) against the CPU engine:
// whole training calls (Adam, several chunks per epoch, validation, resumption, abort) and Monte
// Carlo statistics, with the host network's parameters and optimizer state kept in step. Without a
// usable GPU every test is SKIPPED with the loader's reason, and the CPU-side contract is checked.
#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

#include "cuda/host/cuda_network.h"
#include "core/ensemble_sampler.h"
#include "core/network.h"
#include "core/optimizer.h"
#include "core/trainer.h"
#include "tests/test_framework.h"

namespace {

de::NetworkSpec spec_of(de::DropoutMode mode) {
  de::NetworkSpec s;
  s.inputs = 9;
  s.inputKeep.assign(9, 0.8f);
  s.dropout = mode;
  s.seed = 21;
  s.threads = 1;
  de::LayerSpec a, b, top;
  a.units = 11; a.activation = de::Activation::Logistic; a.keep.assign(11, 0.5f);
  b.units = 7; b.activation = de::Activation::Relu; b.keep.assign(7, 0.6f);
  top.units = 4; top.activation = de::Activation::Softmax; top.from = {1, 2};
  s.layers = {a, b, top};
  return s;
}

double rel(const float* a, const float* b, int64_t n) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num / (den > 0 ? den : 1e-30));
}

double rel(const std::vector<double>& a, const std::vector<double>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (a[i] - b[i]) * (a[i] - b[i]);
    den += b[i] * b[i];
  }
  return std::sqrt(num / (den > 0 ? den : 1e-30));
}

struct Data {
  std::vector<float> x;
  std::vector<int32_t> labels;
  de::TrainData d;
  Data(int64_t count, uint32_t seed) : x(count * 9), labels(count) {
    uint32_t s = seed;
    for (float& v : x) v = static_cast<float>((s = s * 1664525u + 1013904223u) >> 8) / 16777216.0f;
    for (int64_t i = 0; i < count; ++i) labels[i] = static_cast<int32_t>((i * 5 + 1) % 4);
    d.inputs = x.data();
    d.count = count;
    d.targets.labels = labels.data();
  }
};

std::unique_ptr<de::Network> make(de::DropoutMode mode = de::DropoutMode::Units) {
  std::unique_ptr<de::Network> n;
  de::Result r = de::Network::create(spec_of(mode), &n);
  if (!r.ok()) throw detest::Failure(r.message);
  return n;
}

// The engine, or SKIP with the reason (no library, no GPU).
std::unique_ptr<de::CudaNetwork> engine(const de::Network& net) {
  std::unique_ptr<de::CudaNetwork> g;
  de::Result r = de::CudaNetwork::create(net, &g);
  if (r.status == de::Status::Unsupported) SKIP(r.message);
  if (!r.ok()) throw detest::Failure(r.message);
  return g;
}

de::TrainOptions adam(int64_t epochs, const de::TrainData* validation) {
  de::TrainOptions o;
  o.epochs = epochs;
  o.batchSize = 10;
  o.optimizer = de::OptimizerKind::Adam;
  o.learningRate.assign(static_cast<size_t>(epochs), 0.01f);
  o.seed = 8;
  o.threads = 1;
  if (validation) o.validation = *validation;
  return o;
}

}  // namespace

// Without a GPU: Unsupported with the reason, and nothing of the network touched.
TEST(cuda_network_reports_unsupported) {
  std::unique_ptr<de::Network> net = make();
  std::unique_ptr<de::CudaNetwork> g;
  de::Result r = de::CudaNetwork::create(*net, &g);
  if (r.ok()) SKIP("a GPU is usable here: covered by the parity tests");
  CHECK(r.status == de::Status::Unsupported);
  CHECK(!r.message.empty());
  CHECK(!g);
  CHECK(de::CudaNetwork::supports(spec_of(de::DropoutMode::Units)).status == de::Status::Unsupported);
}

TEST(cuda_network_refuses_connection_dropout) {
  std::unique_ptr<de::Network> net = make(de::DropoutMode::Connections);
  std::unique_ptr<de::CudaNetwork> g;
  de::Result r = de::CudaNetwork::create(*net, &g);
  CHECK(r.status == de::Status::Unsupported);
  CHECK(!g);
}

// 3 epochs of 95 examples, batch 10, chunks of 30 examples: the GPU run against de::train.
TEST(cuda_network_training_matches_cpu) {
  std::unique_ptr<de::Network> cpu = make(), gpuNet = make();
  std::unique_ptr<de::CudaNetwork> g = engine(*gpuNet);
  g->set_chunk_examples(30);
  Data train(95, 3), valid(20, 4);
  std::vector<de::EpochRecord> hc, hg;
  std::vector<de::BatchProgress> progress;
  de::TrainOptions o = adam(3, &valid.d);
  de::Result rc = de::train(*cpu, train.d, o, &hc);
  CHECK_MSG(rc.ok(), rc.message);
  o.onBatch = [&](const de::BatchProgress& p) { progress.push_back(p); };
  de::Result rg = g->train(*gpuNet, train.d, o, &hg);
  CHECK_MSG(rg.ok(), rg.message);
  CHECK(hg.size() == 3 && hc.size() == 3);
  for (size_t e = 0; e < hc.size(); ++e) {
    CHECK(hg[e].epoch == hc[e].epoch && hg[e].examples == hc[e].examples);
    CHECK_NEAR(hg[e].loss, hc[e].loss, 1e-4);
    CHECK_NEAR(hg[e].trainError, hc[e].trainError, 0.025);  // at most 2 of 95 argmax ties flipped by rounding
    CHECK_NEAR(hg[e].validationLoss, hc[e].validationLoss, 1e-4);
  }
  // Chunks of 30 examples: positions 30, 60, 90, 95 in each epoch, steps counting batches.
  CHECK(progress.size() == 12);
  CHECK(progress[3].position == 95 && progress[3].step == 10 && progress.back().step == 30);
  const de::OptimizerState &sc = cpu->optimizer(), &sg = gpuNet->optimizer();
  CHECK(sg.step == sc.step && sg.epoch == sc.epoch && sg.position == 0);
  CHECK(sg.m.size() == sc.m.size() && sg.v.size() == sc.v.size());
  const int64_t n = cpu->param_count();
  CHECK_MSG(rel(gpuNet->params(), cpu->params(), n) < 1e-4, "params differ: " << rel(gpuNet->params(), cpu->params(), n));
  CHECK(rel(sg.m.data(), sc.m.data(), n) < 1e-3);
  CHECK(rel(sg.v.data(), sc.v.data(), n) < 1e-3);

  // Resumption across backends: one more epoch on the CPU from the GPU's state equals one on the GPU.
  std::unique_ptr<de::Network> resumed = make();
  std::copy(gpuNet->params(), gpuNet->params() + n, resumed->params());
  resumed->optimizer() = gpuNet->optimizer();
  de::TrainOptions more = adam(1, nullptr);
  CHECK(de::train(*resumed, train.d, more, nullptr).ok());
  CHECK(g->train(*gpuNet, train.d, more, nullptr).ok());
  CHECK(rel(gpuNet->params(), resumed->params(), n) < 1e-4);
}

// An abort raised before the call: Cancelled, the network and its state as they were.
TEST(cuda_network_abort_keeps_state) {
  std::unique_ptr<de::Network> net = make();
  std::unique_ptr<de::CudaNetwork> g = engine(*net);
  Data train(40, 5);
  const std::vector<float> before(net->params(), net->params() + net->param_count());
  std::atomic<bool> abort{true};
  de::TrainOptions o = adam(1, nullptr);
  o.abort = &abort;
  de::Result r = g->train(*net, train.d, o, nullptr);
  CHECK(r.status == de::Status::Cancelled);
  CHECK(rel(net->params(), before.data(), net->param_count()) == 0.0);
  CHECK(net->optimizer().step == 0 && net->optimizer().position == 0);
}

// 6,000 subnetworks (several passes and calls) against the CPU sampler with the same seed.
TEST(cuda_network_ensemble_matches_cpu) {
  std::unique_ptr<de::Network> net = make();
  std::unique_ptr<de::CudaNetwork> g = engine(*net);
  Data one(1, 9);
  de::EnsembleSamplerOptions o;
  o.samples = 6000;
  o.seed = 17;
  o.threads = 1;
  CHECK(de::CudaNetwork::can_sample(o));
  de::EnsembleMoments cpu, gpu;
  CHECK(de::sample_ensemble(*net, one.x.data(), o, &cpu).ok());
  de::Result r = g->sample(*net, one.x.data(), o, &gpu);
  CHECK_MSG(r.ok(), r.message);
  CHECK(gpu.samples == 6000 && gpu.layers.size() == cpu.layers.size());
  for (size_t k = 0; k < cpu.layers.size(); ++k) {
    CHECK(gpu.layers[k].deterministic == cpu.layers[k].deterministic);
    CHECK(rel(gpu.layers[k].mean, cpu.layers[k].mean) < 1e-5);
    CHECK(rel(gpu.layers[k].variance, cpu.layers[k].variance) < 1e-4);
    CHECK(rel(gpu.layers[k].meanS, cpu.layers[k].meanS) < 1e-5);
    CHECK(rel(gpu.layers[k].varianceS, cpu.layers[k].varianceS) < 1e-4);
  }
  std::vector<uint8_t> masks(6000 * 9);
  o.returnUnitMasks = {masks.data()};
  CHECK(!de::CudaNetwork::can_sample(o));  // masks returned: the CPU sampler's job
}
