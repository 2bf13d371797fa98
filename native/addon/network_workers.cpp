// train() and predict() of the JS Network: each a PromiseWorker (common.h) holding a
// NetworkLease; progress reaches JS through ThreadSafeFunctions. The worker thread touches only
// the baton (options, referenced typed arrays) and the leased network. With options.probes, the
// learning-phase recorder (probe_hooks.h) runs on the worker thread between minibatches and each
// record goes to options.onProbe as it is taken.
#include <napi.h>

#include <chrono>
#include <cstring>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "addon/common.h"
#include "addon/network_binding.h"
#include "addon/probe_hooks.h"
#include "core/predict.h"
#include "core/trainer.h"

namespace de_addon {

namespace {

// A data set for the worker: inputs and float targets referenced (not copied), labels widened.
struct DataBaton {
  Napi::Reference<Napi::Value> inputsRef, valuesRef;
  std::vector<int32_t> labels;
  de::TrainData data;

  void parse(const Napi::Object& o, const de::Network& net, const char* what) {
    Napi::Env env = o.Env();
    const int64_t count = get_int(o, "count", 0);
    if (count < 1 || count > (int64_t(1) << 40)) throw_invalid(env, std::string(what) + ".count must be >= 1");
    auto inputs = typed<float>(o.Get("inputs"), "inputs", static_cast<size_t>(count * net.units(0)));
    inputsRef = Napi::Persistent(static_cast<Napi::Value>(inputs));
    data.inputs = inputs.Data();
    data.count = count;
    Napi::Value lv = o.Get("labels"), vv = o.Get("values");
    const bool hasLabels = !lv.IsUndefined() && !lv.IsNull(), hasValues = !vv.IsUndefined() && !vv.IsNull();
    if (hasLabels == hasValues) throw_invalid(env, std::string(what) + ": give exactly one of labels and values");
    if (hasLabels) {
      if (!lv.IsTypedArray()) throw_invalid(env, "labels must be a Uint8Array or an Int32Array");
      auto kind = lv.As<Napi::TypedArray>().TypedArrayType();
      if (kind == napi_uint8_array) {
        auto a = typed<uint8_t>(lv, "labels", static_cast<size_t>(count));
        labels.assign(a.Data(), a.Data() + count);
      } else {
        auto a = typed<int32_t>(lv, "labels", static_cast<size_t>(count));
        labels.assign(a.Data(), a.Data() + count);
      }
      data.targets.labels = labels.data();
    } else {
      auto a = typed<float>(vv, "values", static_cast<size_t>(count * net.units(net.top())));
      valuesRef = Napi::Persistent(static_cast<Napi::Value>(a));
      data.targets.values = a.Data();
    }
  }
};

Napi::Object epoch_object(Napi::Env env, const de::EpochRecord& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("epoch", static_cast<double>(r.epoch));
  o.Set("examples", static_cast<double>(r.examples));
  o.Set("loss", r.loss);
  o.Set("trainError", r.trainError);
  o.Set("validationLoss", r.validationLoss);
  o.Set("validationError", r.validationError);
  o.Set("seconds", r.seconds);
  return o;
}

Napi::Object progress_object(Napi::Env env, const de::BatchProgress& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("epoch", static_cast<double>(p.epoch));
  o.Set("position", static_cast<double>(p.position));
  o.Set("count", static_cast<double>(p.count));
  o.Set("step", static_cast<double>(p.step));
  o.Set("loss", p.loss);
  return o;
}

// Delivers values to a JS callback from the worker thread and lets the worker wait until every
// queued call has run, so that all callbacks happen before the Promise settles. At shutdown
// (shutdown.h) the queued calls will never run: the worker stops waiting for them. The count of
// queued calls is shared with them, so a call finalized after this object is gone touches nothing freed.
template <typename T>
class JsCallback {
 public:
  JsCallback(Napi::Env env, const Napi::Value& fn, const char* name,
           Napi::Object (*toJs)(Napi::Env, const T&))
      : toJs_(toJs), shutdown_(state(env).shutdown) {
    if (fn.IsFunction()) tsfn_ = Napi::ThreadSafeFunction::New(env, fn.As<Napi::Function>(), name, 0, 1);
  }
  ~JsCallback() {
    if (tsfn_) tsfn_.Release();
  }
  bool active() const { return static_cast<bool>(tsfn_); }

  void call(const T& value) { call(T(value)); }
  void call(T&& value) {
    if (!tsfn_ || shutdown_->stopping()) return;
    {
      std::lock_guard<std::mutex> lk(queue_->m);
      ++queue_->pending;
    }
    auto* copy = new T(std::move(value));
    auto toJs = toJs_;
    std::shared_ptr<Queue> queue = queue_;
    const napi_status s = tsfn_.NonBlockingCall(copy, [toJs, queue](Napi::Env env, Napi::Function fn, T* v) {
      if (env != nullptr && fn != nullptr) {
        try {
          fn.Call({toJs(env, *v)});
        } catch (const Napi::Error&) {
          // an exception in a user callback must not stop training; it is reported by Node
        }
      }
      delete v;
      queue->done();
    });
    if (s != napi_ok) {
      delete copy;
      queue_->done();
    }
  }

  // Worker thread: waits until every queued call has run, been dropped, or will never run (shutdown).
  void drain() {
    std::unique_lock<std::mutex> lk(queue_->m);
    shutdown_->wait_or_stop(lk, queue_->cv, [&] { return queue_->pending == 0; });
  }

 private:
  struct Queue {
    std::mutex m;
    std::condition_variable cv;
    int64_t pending = 0;
    void done() {
      std::lock_guard<std::mutex> lk(m);
      --pending;
      cv.notify_all();
    }
  };
  Napi::ThreadSafeFunction tsfn_;
  Napi::Object (*toJs_)(Napi::Env, const T&);
  std::shared_ptr<Shutdown> shutdown_;
  std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();
};

class TrainWorker : public PromiseWorker {
 public:
  TrainWorker(Napi::Env env, Napi::Object self, const Napi::Object& data, const Napi::Object& o)
      : PromiseWorker(env),
        lease_(env, self),
        onEpoch_(env, o.Get("onEpoch"), "dropout-ensemble onEpoch", epoch_object),
        onProgress_(env, o.Get("onProgress"), "dropout-ensemble onProgress", progress_object),
        onProbe_(env, o.Get("onProbe"), "dropout-ensemble onProbe", record_to_js) {
    de::Network& net = lease_.net();
    train_.parse(data, net, "data");
    Napi::Value v = o.Get("validation");
    if (v.IsObject()) {
      validation_.parse(v.As<Napi::Object>(), net, "validation");
      opts_.validation = validation_.data;
    }
    opts_.epochs = get_int(o, "epochs", 1);
    opts_.batchSize = get_int(o, "batchSize", 100);
    const std::string optimizer = get_string(o, "optimizer");
    if (optimizer == "adam") opts_.optimizer = de::OptimizerKind::Adam;
    else if (optimizer == "sgd") opts_.optimizer = de::OptimizerKind::Sgd;
    else throw_invalid(env, "optimizer must be 'sgd' or 'adam'");
    const std::string loss = get_string(o, "loss");
    if (loss == "cross-entropy") opts_.loss = de::Loss::CrossEntropy;
    else if (loss == "squared-error") opts_.loss = de::Loss::SquaredError;
    else throw_invalid(env, "loss must be 'cross-entropy' or 'squared-error'");
    opts_.learningRate = float_vector(o.Get("learningRate"), "learningRate");
    opts_.momentum = float_vector(o.Get("momentum"), "momentum");
    opts_.beta1 = static_cast<float>(get_number(o, "beta1", 0.9));
    opts_.beta2 = static_cast<float>(get_number(o, "beta2", 0.999));
    opts_.epsilon = static_cast<float>(get_number(o, "epsilon", 1e-8));
    opts_.weightDecay = static_cast<float>(get_number(o, "weightDecay", 0));
    opts_.maxNorm = static_cast<float>(get_number(o, "maxNorm", 0));
    opts_.learningRateScale = float_vector(o.Get("learningRateScale"), "learningRateScale");
    opts_.seed = get_seed(o.Get("seed"));
    opts_.shuffle = o.Get("shuffle").ToBoolean().Value();
    opts_.maskGroup = get_int(o, "maskGroup", 1);
    const std::string precision = o.Has("precision") ? get_string(o, "precision") : std::string("fp32");
    if (precision == "fp32") opts_.precision = de::Precision::Fp32;
    else if (precision == "bf16") opts_.precision = de::Precision::Bf16;
    else throw_invalid(env, "precision must be 'fp32' or 'bf16'");
    opts_.abort = lease_.abort();
    probes_ = parse_probes(o, net, lease_.abort());
    if (probes_ && !onProbe_.active()) throw_invalid(env, "probes need an onProbe function");
    const bool pauseAtEpoch = o.Get("pauseAtEpoch").ToBoolean().Value();
    if (onEpoch_.active()) {
      std::shared_ptr<Shutdown> shutdown = state(env).shutdown;
      opts_.onEpoch = [this, pauseAtEpoch, shutdown](const de::EpochRecord& r) {
        if (!pauseAtEpoch) return onEpoch_.call(r);
        // Nothing changes the network until the callback calls resumeTraining(); meanwhile its
        // read-only methods answer (network_binding.h, EpochPause).
        NetworkWrap& w = lease_.wrap();
        w.epoch_pause().arm();
        w.readable().store(true);
        onEpoch_.call(r);
        w.epoch_pause().wait(*shutdown);
        w.readable().store(false);
      };
    }
    if (onProgress_.active() || probes_) {
      opts_.onBatch = [this](const de::BatchProgress& p) {
        if (probes_) {
          probes_->on_batch(lease_.net(), p);
          deliverProbes();
          // A failed record stops training at the next minibatch; Run() reports the failure.
          if (!probes_->error.ok()) lease_.wrap().abort_flag().store(true);
        }
        if (!onProgress_.active()) return;
        // At most ~20 calls a second (plus each epoch's last batch), so JS is never flooded.
        const auto now = std::chrono::steady_clock::now();
        if (p.position < p.count && now - lastProgress_ < std::chrono::milliseconds(50)) return;
        lastProgress_ = now;
        onProgress_.call(p);
      };
    }
  }

 protected:
  de::Result Run() override {
    // Every queued callback runs before the Promise settles, even when train() throws.
    struct Drain {
      TrainWorker* w;
      ~Drain() {
        w->onEpoch_.drain();
        w->onProgress_.drain();
        w->onProbe_.drain();
      }
    } drain{this};
    de::Network& net = lease_.net();
    if (probes_) {
      de::Result r = probes_->start(net);
      deliverProbes();
      if (!r.ok()) return r;
    }
    // A 'cuda' network trains on the GPU (cuda_network.h), except with probes: they are taken at exact
    // steps from the host network, so that call trains on the CPU (same masks and updates).
    de::CudaNetwork* gpu = probes_ ? nullptr : lease_.wrap().cuda();
    de::Result r = gpu ? gpu->train(net, train_.data, opts_, &history_) : de::train(net, train_.data, opts_, &history_);
    if (probes_) {
      // A record that failed (not merely cancelled by the user's abort) is the error to report.
      if (!probes_->error.ok() && probes_->error.status != de::Status::Cancelled) return probes_->error;
      if (r.ok()) {
        r = probes_->finish(net);
        deliverProbes();
      }
    }
    return r;
  }
  Napi::Value Resolve(Napi::Env env) override {
    Napi::Array a = Napi::Array::New(env, history_.size());
    for (size_t i = 0; i < history_.size(); ++i) a.Set(static_cast<uint32_t>(i), epoch_object(env, history_[i]));
    return a;
  }

 private:
  NetworkLease lease_;
  DataBaton train_, validation_;
  de::TrainOptions opts_;
  std::vector<de::EpochRecord> history_;
  JsCallback<de::EpochRecord> onEpoch_;
  JsCallback<de::BatchProgress> onProgress_;
  JsCallback<de::ProbeRecord> onProbe_;
  std::unique_ptr<ProbeBaton> probes_;
  std::chrono::steady_clock::time_point lastProgress_{};

  void deliverProbes() {
    for (de::ProbeRecord& r : probes_->take()) onProbe_.call(std::move(r));
  }
};

class PredictWorker : public PromiseWorker {
 public:
  PredictWorker(Napi::Env env, Napi::Object self, const Napi::Value& inputs, const Napi::Value& countV,
                const Napi::Object& o)
      : PromiseWorker(env), lease_(env, self) {
    de::Network& net = lease_.net();
    if (!countV.IsNumber()) throw_invalid(env, "count must be a number");
    count_ = countV.As<Napi::Number>().Int64Value();
    if (count_ < 0 || count_ > (int64_t(1) << 40)) throw_invalid(env, "count must be >= 0");
    auto x = typed<float>(inputs, "inputs", static_cast<size_t>(count_ * net.units(0)));
    inputsRef_ = Napi::Persistent(static_cast<Napi::Value>(x));
    inputs_ = x.Data();
    const std::string method = get_string(o, "method");
    if (method == "monte-carlo") opts_.monteCarlo = true;
    else if (method != "weight-scaling") throw_invalid(env, "method must be 'weight-scaling' or 'monte-carlo'");
    if (opts_.monteCarlo) {
      opts_.samples = get_int(o, "samples", 100);
      opts_.seed = get_seed(o.Get("seed"));
    }
    opts_.abort = lease_.abort();
    out_.resize(static_cast<size_t>(count_ * net.units(net.top())));
  }

 protected:
  de::Result Run() override { return de::predict(lease_.net(), inputs_, count_, opts_, out_.data()); }
  Napi::Value Resolve(Napi::Env env) override {
    return copy_out(env, out_.data(), out_.size());
  }

 private:
  NetworkLease lease_;
  Napi::Reference<Napi::Value> inputsRef_;
  const float* inputs_ = nullptr;
  int64_t count_ = 0;
  de::PredictOptions opts_;
  std::vector<float> out_;
};


}  // namespace

// train(data, options) → Promise<RawEpochRecord[]>
Napi::Value NetworkWrap::Train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return start(env, [&]() -> PromiseWorker* {
    if (!info[0].IsObject() || !info[1].IsObject()) throw_invalid(env, "train expects (data, options) objects");
    return new TrainWorker(env, info.This().As<Napi::Object>(), info[0].As<Napi::Object>(), info[1].As<Napi::Object>());
  });
}

// predict(inputs, count, { method, samples, seed }) → Promise<Float32Array [count × outputs]>
Napi::Value NetworkWrap::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return start(env, [&]() -> PromiseWorker* {
    if (!info[2].IsObject()) throw_invalid(env, "predict expects an options object");
    return new PredictWorker(env, info.This().As<Napi::Object>(), info[0], info[1], info[2].As<Napi::Object>());
  });
}

}  // namespace de_addon
