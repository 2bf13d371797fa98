#include "cuda/host/cuda_network.h"

#include <algorithm>
#include <limits>
#include <string>

#include "cuda/host/cuda_loader.h"
#include "core/loss.h"
#include "common/mask_streams.h"
#include "core/network.h"
#include "core/optimizer.h"

namespace de {

namespace {

// The C description of a normalised spec (keeps and `from` filled in), kept alive with its arrays.
struct DeviceSpec {
  std::vector<DeCudaLayer> layers;
  std::vector<std::vector<int32_t>> from;
  DeCudaNetSpec spec{};
  DeviceSpec(const Network& net, int64_t maxRows) {
    const int L = net.top();
    layers.resize(static_cast<size_t>(L));
    from.resize(static_cast<size_t>(L));
    for (int h = 1; h <= L; ++h) {
      const LayerSpec& y = net.layer(h);
      from[h - 1].assign(y.from.begin(), y.from.end());
      DeCudaLayer& c = layers[h - 1];
      c.units = y.units;
      c.activation = static_cast<int32_t>(y.activation);
      c.c = y.c;
      c.lambda = y.lambda;
      c.h_keep = h < L ? net.keep(h).data() : nullptr;
      c.n_from = static_cast<int32_t>(from[h - 1].size());
      c.h_from = from[h - 1].data();
    }
    spec.inputs = net.units(0);
    spec.h_input_keep = net.keep(0).data();
    spec.dropout = 0;
    spec.n_layers = L;
    spec.layers = layers.data();
    spec.max_rows = maxRows;
  }
};

// A device moment accumulator, destroyed with its owner.
struct DeviceMoments {
  const DeCudaApi& api;
  DeCudaMoments* m = nullptr;
  explicit DeviceMoments(const DeCudaApi& a) : api(a) {}
  ~DeviceMoments() {
    if (m) api.moments_destroy(m);
  }
};

}  // namespace

Result CudaNetwork::supports(const NetworkSpec& spec) {
  const CudaBackend* backend = nullptr;
  Result r = load_cuda_backend(&backend);
  if (!r.ok()) return r;
  if (spec.dropout != DropoutMode::Units) {
    return Result::error(Status::Unsupported,
                         "connection dropout (Eq. 3) is not available on the CUDA backend; use backend 'cpu'");
  }
  return Result::success();
}

Result CudaNetwork::create(const Network& net, std::unique_ptr<CudaNetwork>* out) {
  Result r = supports(net.spec());
  if (!r.ok()) return r;
  std::unique_ptr<CudaSession> session;
  r = CudaSession::open(&session);
  if (!r.ok()) return r;
  out->reset(new CudaNetwork(std::move(session)));
  return Result::success();
}

CudaNetwork::~CudaNetwork() {
  if (dnet_) session_->api().net_destroy(dnet_);
}

Result CudaNetwork::prepare(const Network& net, int64_t rows) {
  const DeCudaApi& api = session_->api();
  if (!dnet_ || maxRows_ < rows) {
    if (dnet_) api.net_destroy(dnet_);
    dnet_ = nullptr;
    maxRows_ = 0;
    DeviceSpec d(net, rows);
    Result r = session_->check(api.net_create(session_->ctx(), &d.spec, &dnet_), "net_create");
    if (!r.ok()) {
      dnet_ = nullptr;
      return r;
    }
    maxRows_ = rows;
  }
  return session_->check(api.net_set_params(dnet_, net.params(), net.param_count()), "net_set_params");
}

Result CudaNetwork::pull_params(Network& net) {
  return session_->check(session_->api().net_get_params(dnet_, net.params(), net.param_count()), "net_get_params");
}

Result CudaNetwork::pull_state(Network& net) {
  Result r = pull_params(net);
  if (!r.ok()) return r;
  OptimizerState& st = net.optimizer();
  const int64_t n = net.param_count();
  st.m.resize(static_cast<size_t>(n));
  if (st.kind == OptimizerKind::Adam) st.v.resize(static_cast<size_t>(n));
  else st.v.clear();
  return session_->check(
      session_->api().net_get_moments(dnet_, st.m.data(), st.kind == OptimizerKind::Adam ? st.v.data() : nullptr, n),
      "net_get_moments");
}

Result CudaNetwork::train(Network& net, const TrainData& data, const TrainOptions& o, std::vector<EpochRecord>* history) {
  Result r = supports(net.spec());
  if (r.ok() && o.maskGroup > 1) {
    r = Result::error(Status::Unsupported, "gates shared by groups of examples (maskSharing) are not available on the CUDA backend");
  }
  if (r.ok() && o.precision != Precision::Fp32) {
    r = Result::error(Status::Unsupported, "bf16 products (precision 'bf16') are not available on the CUDA backend");
  }
  if (r.ok()) r = begin_training(net, data, o);  // the checks and state handling of de::train
  if (!r.ok() || o.epochs == 0) return r;
  OptimizerState& st = net.optimizer();
  const bool adam = o.optimizer == OptimizerKind::Adam;
  const int64_t n = net.param_count();
  const int64_t batch = std::min(o.batchSize, data.count);
  r = prepare(net, batch);
  if (!r.ok()) return r;
  const DeCudaApi& api = session_->api();
  // Moments of the wrong size start at zero, as optimizer_step does on the CPU.
  const float* m = static_cast<int64_t>(st.m.size()) == n ? st.m.data() : nullptr;
  const float* v = adam && static_cast<int64_t>(st.v.size()) == n ? st.v.data() : nullptr;
  r = session_->check(api.net_set_moments(dnet_, m, v, n), "net_set_moments");
  if (r.ok()) {
    r = session_->check(api.net_set_data(dnet_, data.inputs, data.count, data.targets.labels, data.targets.values),
                        "net_set_data");
  }
  if (!r.ok()) return r;

  const int64_t chunk = std::max<int64_t>(1, chunkExamples_ / batch) * batch;  // whole minibatches
  std::vector<int64_t> order;
  for (int64_t k = 0; k < o.epochs; ++k) {
    const double t0 = now_seconds();
    const int64_t epoch = st.epoch;
    training_order(o, epoch, data.count, &order);
    DeCudaTrainArgs t{};
    t.optimizer = adam ? 1 : 0;
    t.loss = o.loss == Loss::CrossEntropy ? 0 : 1;
    t.learning_rate = o.learningRate[k];
    t.momentum = o.momentum.empty() ? 0.0f : o.momentum[k];
    t.beta1 = o.beta1;
    t.beta2 = o.beta2;
    t.epsilon = o.epsilon;
    t.weight_decay = o.weightDecay;
    t.max_norm = o.maxNorm;
    t.h_learning_rate_scale = o.learningRateScale.empty() ? nullptr : o.learningRateScale.data();
    t.seed = o.seed;
    t.mask_purpose = static_cast<uint32_t>(MaskPurpose::Train);

    // The device runs ahead of the host state; (position, step) are committed to st together with
    // the parameters and moments they belong to (pull_state), so an error leaves st consistent.
    int64_t position = st.position, step = st.step;
    const int64_t start = position;
    LossSums sums;
    while (position < data.count) {
      if (o.abort && o.abort->load(std::memory_order_relaxed)) {
        r = pull_state(net);
        if (!r.ok()) return r;
        st.position = position;
        st.step = step;
        return Result::error(Status::Cancelled, "training aborted");
      }
      const int64_t count = std::min(chunk, data.count - position);
      const uint64_t row0 = static_cast<uint64_t>(epoch) * static_cast<uint64_t>(data.count) + static_cast<uint64_t>(position);
      double chunkLoss = 0;
      int64_t chunkErrors = 0;
      r = session_->check(api.net_train(dnet_, &t, order.data(), position, count, batch, row0, step, &chunkLoss, nullptr),
                          "net_train");
      if (r.ok()) r = session_->check(api.net_train_errors(dnet_, &chunkErrors), "net_train_errors");
      if (!r.ok()) return r;
      position += count;
      step += (count + batch - 1) / batch;
      sums.loss += chunkLoss;
      sums.errors += chunkErrors;
      if (o.onBatch) {
        BatchProgress p;
        p.epoch = epoch; p.position = position; p.count = data.count; p.step = step;
        p.loss = chunkLoss / static_cast<double>(count);
        o.onBatch(p);
      }
    }
    r = pull_state(net);
    if (!r.ok()) return r;
    st.step = step;
    st.epoch = epoch + 1;
    st.position = 0;
    // Validation on the CPU, from the parameters just pulled.
    r = close_epoch(net, data, o, epoch, data.count - start, sums, t0, history);
    if (!r.ok()) return r;
  }
  return Result::success();
}

bool CudaNetwork::can_sample(const EnsembleSamplerOptions& o) {
  const auto any = [](const auto& v) { return std::any_of(v.begin(), v.end(), [](const auto* p) { return p != nullptr; }); };
  return !o.given && !any(o.returnUnitMasks) && !any(o.returnConnectionMasks);
}

Result CudaNetwork::sample(const Network& net, const float* input, const EnsembleSamplerOptions& o, EnsembleMoments* out) {
  if (!input || !out) return Result::error(Status::InvalidArgument, "ensemble: null argument");
  if (o.samples < 1) return Result::error(Status::InvalidArgument, "ensemble: samples must be >= 1");
  if (!can_sample(o)) return Result::error(Status::InvalidArgument, "ensemble: given or returned masks need the CPU sampler");
  Result r = supports(net.spec());
  if (!r.ok()) return r;
  const int L = net.top();
  const int64_t rows = std::min(o.samples, kSampleRows);
  r = prepare(net, rows);
  if (!r.ok()) return r;
  const DeCudaApi& api = session_->api();
  int64_t neurons = 0;
  for (int h = 1; h <= L; ++h) neurons += net.units(h);
  DeviceMoments accO(api), accS(api);
  r = session_->check(api.moments_create(session_->ctx(), neurons, 0, 0.0, 1.0, &accO.m), "moments_create");
  if (r.ok()) r = session_->check(api.moments_create(session_->ctx(), neurons, 0, 0.0, 1.0, &accS.m), "moments_create");
  if (!r.ok()) return r;
  // Several passes per call, the abort flag seen between calls; rows keep counting (row = sample).
  const int64_t perCall = rows * 16;
  for (int64_t done = 0; done < o.samples; done += perCall) {
    if (o.abort && o.abort->load(std::memory_order_relaxed)) return Result::error(Status::Cancelled, "ensembleStats was aborted");
    const int64_t n = std::min(perCall, o.samples - done);
    r = session_->check(api.net_mc_stats_s(dnet_, input, n, o.seed, static_cast<uint32_t>(MaskPurpose::Ensemble),
                                           static_cast<uint64_t>(o.first + done), rows, accO.m, accS.m),
                        "net_mc_stats");
    if (!r.ok()) return r;
  }
  const size_t N = static_cast<size_t>(neurons);
  std::vector<double> mean(N), m2(N), m3(N), slog(N), slog1m(N), mn(N), mx(N), meanS(N), m2S(N);
  DeCudaMomentsHost hostO{};
  hostO.mean = mean.data(); hostO.m2 = m2.data(); hostO.m3 = m3.data();
  hostO.sum_log = slog.data(); hostO.sum_log1m = slog1m.data(); hostO.min = mn.data(); hostO.max = mx.data();
  DeCudaMomentsHost hostS{};
  hostS.mean = meanS.data(); hostS.m2 = m2S.data();
  r = session_->check(api.moments_read(session_->ctx(), accO.m, &hostO), "moments_read");
  if (r.ok()) r = session_->check(api.moments_read(session_->ctx(), accS.m, &hostS), "moments_read");
  if (!r.ok()) return r;
  if (hostO.count != o.samples || hostS.count != o.samples) {
    return Result::error(Status::Internal, "CUDA backend: the moment accumulators counted " + std::to_string(hostO.count) +
                                               " samples, " + std::to_string(o.samples) + " were asked");
  }

  out->layers.assign(static_cast<size_t>(L), EnsembleLayerMoments());
  for (int h = 1; h <= L; ++h) out->layers[h - 1].resize(net.units(h));
  r = weight_scaled_outputs(net, input, out);  // O*, on the CPU in float64 as the CPU sampler does
  if (!r.ok()) return r;
  out->samples = o.samples;
  out->gates = 0;
  const double count = static_cast<double>(o.samples), nan = std::numeric_limits<double>::quiet_NaN();
  size_t col = 0;
  for (int h = 1; h <= L; ++h) {
    EnsembleLayerMoments& lm = out->layers[h - 1];
    const Activation act = net.layer(h).activation;
    const bool geometric = act == Activation::Logistic || act == Activation::Softmax;
    for (int64_t i = 0; i < net.units(h); ++i, ++col) {
      lm.mean[i] = mean[col];
      lm.variance[i] = m2[col] / count;
      lm.third[i] = m3[col] / count;
      lm.meanLogO[i] = geometric ? slog[col] / count : nan;
      lm.meanLog1mO[i] = geometric ? slog1m[col] / count : nan;
      lm.meanS[i] = meanS[col];
      lm.varianceS[i] = m2S[col] / count;
    }
  }
  return Result::success();
}

}  // namespace de
