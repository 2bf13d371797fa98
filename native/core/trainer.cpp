#include "core/trainer.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "core/batch_workspace.h"
#include "core/network.h"
#include "core/shared_gates_step.h"
#include "cpu/float_env.h"
#include "common/philox.h"

namespace de {

namespace {

Result check_data(const Network& net, const TrainData& d, const char* what) {
  const int64_t outputs = net.units(net.top());
  if (d.count < 1 || !d.inputs) return Result::error(Status::InvalidArgument, std::string(what) + ": no examples");
  if ((d.targets.labels == nullptr) == (d.targets.values == nullptr)) {
    return Result::error(Status::InvalidArgument, std::string(what) + ": give exactly one of labels and values");
  }
  if (d.targets.labels) {
    const int64_t classes = outputs == 1 ? 2 : outputs;
    for (int64_t i = 0; i < d.count; ++i) {
      if (d.targets.labels[i] < 0 || d.targets.labels[i] >= classes) {
        return Result::error(Status::InvalidArgument, std::string(what) + ": label " + std::to_string(d.targets.labels[i]) +
                                                          " of example " + std::to_string(i) + " is not in [0, " +
                                                          std::to_string(classes) + ")");
      }
    }
  }
  return Result::success();
}

bool classifier_targets(const Network& net, const Targets& t) {
  const Activation a = net.layer(net.top()).activation;
  return t.labels != nullptr || a == Activation::Softmax || a == Activation::Logistic;
}

// Copies the targets of rows order[pos .. pos + n) into the workspace.
Targets gather_targets(const TrainData& d, int64_t outputs, const int64_t* order, int64_t n, BatchWorkspace& ws) {
  Targets t;
  if (d.targets.labels) {
    ws.targetLabels.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) ws.targetLabels[i] = d.targets.labels[order[i]];
    t.labels = ws.targetLabels.data();
  } else {
    ws.targetValues.resize(static_cast<size_t>(n * outputs));
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(ws.targetValues.data() + i * outputs, d.targets.values + order[i] * outputs, sizeof(float) * outputs);
    }
    t.values = ws.targetValues.data();
  }
  return t;
}

// Loss and error of the weight-scaled network (Eq. 4/13) over a data set.
Result evaluate(const Network& net, const TrainData& d, Loss loss, int threads, double* meanLoss, double* error) {
  const int64_t chunk = 256, ni = net.units(0), outputs = net.units(net.top());
  BatchWorkspace ws(net, std::min(chunk, d.count), true);
  MaskSource none;
  none.weightScaled = true;
  LossSums sums;
  for (int64_t i0 = 0; i0 < d.count; i0 += chunk) {
    const int64_t n = std::min(chunk, d.count - i0);
    Result r = forward(net, d.inputs + i0 * ni, n, none, ws.fwd, threads);
    if (!r.ok()) return r;
    Targets t;
    if (d.targets.labels) t.labels = d.targets.labels + i0;
    else t.values = d.targets.values + i0 * outputs;
    const int L = net.top();
    loss_and_delta(net.layer(L), loss, ws.S[L].data(), ws.O[L].data(), n, outputs, t, 0.0f, ws.dS[L].data(), &sums);
  }
  *meanLoss = sums.loss / static_cast<double>(d.count);
  *error = classifier_targets(net, d.targets) ? static_cast<double>(sums.errors) / static_cast<double>(d.count)
                                         : std::numeric_limits<double>::quiet_NaN();
  return Result::success();
}

}  // namespace

void epoch_order(uint64_t seed, int64_t epoch, int64_t count, std::vector<int64_t>* order) {
  order->resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) (*order)[i] = i;
  // Fisher–Yates from the back; position i draws one 64-bit word pair (cols 2i, 2i+1) of row epoch.
  const uint32_t stream = unit_stream(MaskPurpose::Shuffle, 0);
  for (int64_t i = count - 1; i > 0; --i) {
    const uint64_t col = static_cast<uint64_t>(i) * 2;
    const U32x4 w = philox4x32_10(mask_counter(stream, static_cast<uint64_t>(epoch), col),
                                  static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
    const uint64_t r = (static_cast<uint64_t>(w.v[col & 3]) << 32) | w.v[(col & 3) + 1];
    // Lemire-free modulo: the bias of r mod (i+1) for 64-bit r and i < 2^40 is below 2^-24.
    const int64_t j = static_cast<int64_t>(r % static_cast<uint64_t>(i + 1));
    std::swap((*order)[i], (*order)[j]);
  }
}

Result begin_training(Network& net, const TrainData& data, const TrainOptions& o) {
  Result r = check_data(net, data, "training data");
  if (!r.ok()) return r;
  if (o.validation.count > 0) {
    r = check_data(net, o.validation, "validation data");
    if (!r.ok()) return r;
  }
  r = check_loss(net.layer(net.top()), o.loss);
  if (!r.ok()) return r;
  if (o.epochs < 0 || o.batchSize < 1) return Result::error(Status::InvalidArgument, "epochs must be >= 0 and batchSize >= 1");
  if (o.maskGroup < 1) return Result::error(Status::InvalidArgument, "maskGroup must be >= 1");
  if (o.maskGroup > 1 && net.spec().dropout != DropoutMode::Units) {
    return Result::error(Status::Unsupported, "gates shared by groups of examples need unit dropout");
  }
  if (o.precision == Precision::Bf16 && net.spec().dropout != DropoutMode::Units) {
    return Result::error(Status::Unsupported, "bf16 products need unit dropout (connection dropout computes its gated products in fp32)");
  }
  if (static_cast<int64_t>(o.learningRate.size()) != o.epochs ||
      (!o.momentum.empty() && static_cast<int64_t>(o.momentum.size()) != o.epochs)) {
    return Result::error(Status::InvalidArgument, "learningRate and momentum need one value per epoch");
  }
  if (!o.learningRateScale.empty()) {
    if (static_cast<int>(o.learningRateScale.size()) != net.top()) {
      return Result::error(Status::InvalidArgument, "learningRateScale needs one factor per layer of weights");
    }
    for (float f : o.learningRateScale) {
      if (!(f > 0.0f) || !std::isfinite(f)) return Result::error(Status::InvalidArgument, "learningRateScale factors must be finite and > 0");
    }
  }
  OptimizerState& st = net.optimizer();
  if (st.kind != o.optimizer) {  // a different optimizer starts from fresh moments
    st.kind = o.optimizer;
    st.m.clear();
    st.v.clear();
  }
  if (st.position >= data.count) {  // state from a run on a larger data set: start the next epoch
    st.epoch += 1;
    st.position = 0;
  }
  return Result::success();
}

void training_order(const TrainOptions& o, int64_t epoch, int64_t count, std::vector<int64_t>* order) {
  if (o.shuffle) {
    epoch_order(o.seed, epoch, count, order);
  } else {
    order->resize(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) (*order)[i] = i;
  }
}

Result close_epoch(const Network& net, const TrainData& data, const TrainOptions& o, int64_t epoch, int64_t examples,
                   const LossSums& sums, double t0, std::vector<EpochRecord>* history) {
  EpochRecord rec;
  rec.epoch = epoch;
  rec.examples = examples;
  const double done = static_cast<double>(std::max<int64_t>(1, rec.examples));
  rec.loss = sums.loss / done;
  rec.trainError = classifier_targets(net, data.targets) ? static_cast<double>(sums.errors) / done
                                                         : std::numeric_limits<double>::quiet_NaN();
  rec.validationLoss = rec.validationError = std::numeric_limits<double>::quiet_NaN();
  if (o.validation.count > 0) {
    Result r = evaluate(net, o.validation, o.loss, o.threads, &rec.validationLoss, &rec.validationError);
    if (!r.ok()) return r;
  }
  rec.seconds = now_seconds() - t0;
  if (history) history->push_back(rec);
  if (o.onEpoch) o.onEpoch(rec);
  return Result::success();
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Result train(Network& net, const TrainData& data, const TrainOptions& o, std::vector<EpochRecord>* history) {
  const cpu::FlushSubnormalsScope flush;  // as on the pool's threads (cpu/float_env.h)
  const int L = net.top();
  const int64_t ni = net.units(0), outputs = net.units(L);
  Result r = begin_training(net, data, o);
  if (!r.ok()) return r;
  OptimizerState& st = net.optimizer();
  const int64_t batch = std::min(o.batchSize, data.count);
  BatchWorkspace ws(net, batch, true);
  std::vector<float> grad(static_cast<size_t>(net.param_count()));
  std::vector<int64_t> order;
  const bool units = net.spec().dropout == DropoutMode::Units;
  std::unique_ptr<SharedGatesStep> shared;
  if (o.maskGroup > 1) shared = std::make_unique<SharedGatesStep>(net, batch);

  for (int64_t k = 0; k < o.epochs; ++k) {
    const double t0 = now_seconds();
    const int64_t epoch = st.epoch;
    training_order(o, epoch, data.count, &order);
    UpdateParams up;
    up.learningRate = o.learningRate[k];
    up.momentum = o.momentum.empty() ? 0.0f : o.momentum[k];
    up.beta1 = o.beta1; up.beta2 = o.beta2; up.epsilon = o.epsilon;
    up.weightDecay = o.weightDecay; up.maxNorm = o.maxNorm;
    up.learningRateScale = o.learningRateScale.empty() ? nullptr : o.learningRateScale.data();
    LossSums sums;
    const int64_t start = st.position;
    while (st.position < data.count) {
      if (o.abort && o.abort->load(std::memory_order_relaxed)) return Result::error(Status::Cancelled, "training aborted");
      const int64_t pos = st.position, n = std::min(batch, data.count - pos);
      const int64_t* idx = order.data() + pos;
      for (int64_t i = 0; i < n; ++i) {
        std::memcpy(ws.input.data() + i * ni, data.inputs + idx[i] * ni, sizeof(float) * ni);
      }
      const Targets t = gather_targets(data, outputs, idx, n, ws);
      const uint64_t firstRow = static_cast<uint64_t>(epoch) * static_cast<uint64_t>(data.count);
      const float scale = 1.0f / static_cast<float>(n);
      LossSums bs;
      // A batch inside one group of shared gates leaves its gradient compact for the update.
      const bool oneGroup = shared && pos / o.maskGroup == (pos + n - 1) / o.maskGroup;
      if (shared) {
        // One pass per group of examples sharing gates; a group cut by the batch's ends is cut there.
        for (int64_t i = 0; i < n;) {
          const int64_t group = (pos + i) / o.maskGroup;
          const int64_t end = std::min(n, (group + 1) * o.maskGroup - pos);
          Targets ti = t;
          if (t.labels) ti.labels = t.labels + i;
          else ti.values = t.values + i * outputs;
          r = shared->run(net, ws.input.data() + i * ni, end - i, ti, o.loss, scale, o.seed,
                          firstRow + static_cast<uint64_t>(group * o.maskGroup), oneGroup ? nullptr : grad.data(), i == 0,
                          &bs, o.threads, o.precision);
          if (!r.ok()) return r;
          i = end;
        }
      } else {
        MaskSource m;  // fresh gates per example: row = epoch·count + position (mask_streams.h)
        m.mode = MaskMode::Philox;
        m.seed = o.seed;
        m.purpose = MaskPurpose::Train;
        m.row0 = firstRow + static_cast<uint64_t>(pos);
        r = forward(net, ws.input.data(), n, m, ws.fwd, o.threads, o.precision);
        if (!r.ok()) return r;
        loss_and_delta(net.layer(L), o.loss, ws.S[L].data(), ws.O[L].data(), n, outputs, t, scale, ws.dS[L].data(), &bs);
        MaskSource replay = m;  // unit gates: the ones forward() just wrote
        if (units) {
          replay.mode = MaskMode::Given;
          replay.units.assign(ws.fwd.unitMasks.begin(), ws.fwd.unitMasks.end());
        }
        r = backward(net, ws.input.data(), n, replay, ws.fwd, ws.dSPtr, grad.data(), o.threads, o.precision);
        if (!r.ok()) return r;
      }
      r = oneGroup ? optimizer_step(net, st, shared->compact(net), up, o.threads)
                   : optimizer_step(net, st, grad.data(), up, o.threads);
      if (!r.ok()) return r;
      st.position = pos + n;
      sums.loss += bs.loss;
      sums.errors += bs.errors;
      if (o.onBatch) {
        BatchProgress p;
        p.epoch = epoch; p.position = st.position; p.count = data.count; p.step = st.step;
        p.loss = bs.loss / static_cast<double>(n);
        o.onBatch(p);
      }
    }
    st.epoch = epoch + 1;
    st.position = 0;
    r = close_epoch(net, data, o, epoch, data.count - start, sums, t0, history);
    if (!r.ok()) return r;
  }
  return Result::success();
}

}  // namespace de
