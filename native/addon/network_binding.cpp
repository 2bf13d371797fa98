// Binding of the network engine: construction from the raw description, weights and biases,
// training state, a small synchronous forward pass, abort. train/predict live in
// network_workers.cpp. TS (src/network) validates first; here only cheap re-checks.
#include "cpu/float_env.h"
#include "addon/network_binding.h"

#include <cstring>
#include <string>
#include <vector>

#include "addon/common.h"
#include "addon/features.h"
#include "core/optimizer.h"

namespace de_addon {

namespace {

de::Activation parse_activation(Napi::Env env, const std::string& s) {
  if (s == "logistic") return de::Activation::Logistic;
  if (s == "linear") return de::Activation::Linear;
  if (s == "softmax") return de::Activation::Softmax;
  if (s == "relu") return de::Activation::Relu;
  if (s == "tanh") return de::Activation::Tanh;
  throw_invalid(env, "unknown activation " + s);
}

de::NetworkSpec parse_spec(Napi::Env env, const Napi::Object& o) {
  de::NetworkSpec s;
  s.inputs = get_int(o, "inputs", 0);
  s.inputKeep = float_vector(o.Get("inputKeep"), "inputKeep");
  s.inputKeepExact = double_vector(o.Get("inputKeepExact"), "inputKeepExact");
  const std::string dropout = get_string(o, "dropout");
  if (dropout == "units") s.dropout = de::DropoutMode::Units;
  else if (dropout == "connections") s.dropout = de::DropoutMode::Connections;
  else throw_invalid(env, "dropout must be 'units' or 'connections'");
  s.seed = get_seed(o.Get("seed"));
  s.threads = static_cast<int>(get_int(o, "threads", 0));
  Napi::Value layers = o.Get("layers");
  if (!layers.IsArray()) throw_invalid(env, "layers must be an array");
  Napi::Array arr = layers.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value lv = arr.Get(i);
    if (!lv.IsObject()) throw_invalid(env, "each layer must be an object");
    Napi::Object lo = lv.As<Napi::Object>();
    de::LayerSpec l;
    l.units = get_int(lo, "units", 0);
    l.activation = parse_activation(env, get_string(lo, "activation"));
    l.c = get_number(lo, "c", 1.0);
    l.lambda = get_number(lo, "lambda", 1.0);
    l.keep = float_vector(lo.Get("keep"), "keep");
    l.keepExact = double_vector(lo.Get("keepExact"), "keepExact");
    Napi::Value from = lo.Get("from");
    if (!from.IsUndefined() && !from.IsNull()) {
      auto f = typed<int32_t>(from, "from");
      l.from.assign(f.Data(), f.Data() + f.ElementLength());
    }
    s.layers.push_back(std::move(l));
  }
  return s;
}

int layer_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw_invalid(info.Env(), std::string(name) + " must be a layer number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int>(d)) || d < 0 || d > de::kMaxLayers) {
    throw_invalid(info.Env(), std::string(name) + " must be a layer number");
  }
  return static_cast<int>(d);
}

}  // namespace

Napi::Value rejected(Napi::Env env, const Napi::Error& e) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Reject(e.Value());
  return d.Promise();
}

Napi::Function NetworkWrap::Define(Napi::Env env) {
  return DefineClass(env, "Network",
                     {
                         InstanceAccessor<&NetworkWrap::Busy>("busy"),
                         InstanceMethod<&NetworkWrap::ParamCount>("paramCount"),
                         InstanceMethod<&NetworkWrap::GetWeights>("getWeights"),
                         InstanceMethod<&NetworkWrap::SetWeights>("setWeights"),
                         InstanceMethod<&NetworkWrap::GetBias>("getBias"),
                         InstanceMethod<&NetworkWrap::SetBias>("setBias"),
                         InstanceMethod<&NetworkWrap::Train>("train"),
                         InstanceMethod<&NetworkWrap::Predict>("predict"),
                         InstanceMethod<&NetworkWrap::Abort>("abort"),
                         InstanceMethod<&NetworkWrap::Forward>("forward"),
                         InstanceMethod<&NetworkWrap::GetTrainingState>("getTrainingState"),
                         InstanceMethod<&NetworkWrap::SetTrainingState>("setTrainingState"),
                         InstanceMethod<&NetworkWrap::ResumeTraining>("resumeTraining"),
                     });
}

NetworkWrap::NetworkWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetworkWrap>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw_invalid(env, "Network expects a description object");
  Napi::Object o = info[0].As<Napi::Object>();
  de::NetworkSpec spec = parse_spec(env, o);
  Napi::Value backend = o.Get("backend");
  const std::string b = backend.IsString() ? backend.As<Napi::String>().Utf8Value() : "cpu";
  if (b != "cpu" && b != "cuda") throw_invalid(env, "backend must be 'cpu' or 'cuda'");
  // 'cuda': the GPU and the spec are checked before anything is allocated.
  if (b == "cuda") throw_if_error(env, de::CudaNetwork::supports(spec));
  throw_if_error(env, de::Network::create(spec, &net_));
  if (b == "cuda") throw_if_error(env, de::CudaNetwork::create(*net_, &cuda_));
}

NetworkWrap* NetworkWrap::From(const Napi::Value& v) {
  Napi::Env env = v.Env();
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(state(env).networkCtor.Value())) {
    throw_invalid(env, "expected a native Network");
  }
  return NetworkWrap::Unwrap(v.As<Napi::Object>());
}

void NetworkWrap::require_idle(Napi::Env env) const {
  if (net_->busy().load()) throw make_error(env, "ERR_BUSY", "the network is busy with another operation (training or sampling)");
}

void NetworkWrap::require_readable(Napi::Env env) const {
  if (net_->busy().load() && !readable_.load()) require_idle(env);
}

Napi::Value NetworkWrap::ResumeTraining(const Napi::CallbackInfo& info) {
  pause_.resume();
  return info.Env().Undefined();
}

void EpochPause::arm() {
  std::lock_guard<std::mutex> lk(m_);
  resumed_ = false;
}

void EpochPause::resume() {
  {
    std::lock_guard<std::mutex> lk(m_);
    resumed_ = true;
  }
  cv_.notify_all();
}

void EpochPause::wait(const Shutdown& shutdown) {
  std::unique_lock<std::mutex> lk(m_);
  shutdown.wait_or_stop(lk, cv_, [&] { return resumed_; });
}

Napi::Value NetworkWrap::Busy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), net_->busy().load()); }

Napi::Value NetworkWrap::ParamCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(net_->param_count()));
}

Napi::Value NetworkWrap::GetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_readable(env);
  const int h = layer_arg(info, 0, "h"), l = layer_arg(info, 1, "l");
  const int e = net_->edge_index(h, l);
  if (e < 0) throw_invalid(env, "layer " + std::to_string(h) + " does not read layer " + std::to_string(l));
  return copy_out(env, net_->weights(e), static_cast<size_t>(net_->units(h) * net_->units(l)));
}

Napi::Value NetworkWrap::SetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_idle(env);
  const int h = layer_arg(info, 0, "h"), l = layer_arg(info, 1, "l");
  auto w = typed<float>(info[2], "weights");
  throw_if_error(env, net_->set_weights(h, l, w.Data(), static_cast<int64_t>(w.ElementLength())));
  return env.Undefined();
}

Napi::Value NetworkWrap::GetBias(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_readable(env);
  const int h = layer_arg(info, 0, "h");
  if (h < 1 || h > net_->top()) throw_invalid(env, "bias layer must be in [1, L]");
  return copy_out(env, net_->bias(h), static_cast<size_t>(net_->units(h)));
}

Napi::Value NetworkWrap::SetBias(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_idle(env);
  const int h = layer_arg(info, 0, "h");
  auto b = typed<float>(info[1], "bias");
  throw_if_error(env, net_->set_bias(h, b.Data(), static_cast<int64_t>(b.ElementLength())));
  return env.Undefined();
}

Napi::Value NetworkWrap::Abort(const Napi::CallbackInfo& info) {
  if (net_->busy().load()) abort_.store(true);
  return info.Env().Undefined();
}

// forward(inputs, count, weightScaled) → { S: Float32Array[], O: Float32Array[] } for h = 1..L.
// Synchronous: for tests and small inputs (TS bounds count).
Napi::Value NetworkWrap::Forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_idle(env);
  if (!info[1].IsNumber()) throw_invalid(env, "count must be a number");
  const int64_t count = info[1].As<Napi::Number>().Int64Value();
  if (count < 1 || count > (int64_t(1) << 24)) throw_invalid(env, "count must be in [1, 2^24]");
  auto x = typed<float>(info[0], "inputs", static_cast<size_t>(count * net_->units(0)));
  de::MaskSource m;
  m.weightScaled = info[2].ToBoolean().Value();
  const int L = net_->top();
  Napi::Array S = Napi::Array::New(env), O = Napi::Array::New(env);
  de::ForwardBuffers buf;
  buf.S.assign(L + 1, nullptr);
  buf.O.assign(L + 1, nullptr);
  for (int h = 1; h <= L; ++h) {
    const size_t n = static_cast<size_t>(count * net_->units(h));
    Napi::Float32Array s = Napi::Float32Array::New(env, n), o = Napi::Float32Array::New(env, n);
    S.Set(h - 1, s);
    O.Set(h - 1, o);
    buf.S[h] = s.Data();
    buf.O[h] = o.Data();
  }
  const de::cpu::FlushSubnormalsScope flush;
  throw_if_error(env, de::forward(*net_, x.Data(), count, m, buf));
  Napi::Object r = Napi::Object::New(env);
  r.Set("S", S);
  r.Set("O", O);
  return r;
}

Napi::Value NetworkWrap::GetTrainingState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_readable(env);
  const de::OptimizerState& st = net_->optimizer();
  Napi::Object r = Napi::Object::New(env);
  r.Set("optimizer", Napi::String::New(env, st.kind == de::OptimizerKind::Adam ? "adam" : "sgd"));
  r.Set("step", Napi::Number::New(env, static_cast<double>(st.step)));
  r.Set("epoch", Napi::Number::New(env, static_cast<double>(st.epoch)));
  r.Set("position", Napi::Number::New(env, static_cast<double>(st.position)));
  r.Set("m", copy_out(env, st.m.data(), st.m.size()));
  r.Set("v", copy_out(env, st.v.data(), st.v.size()));
  return r;
}

Napi::Value NetworkWrap::SetTrainingState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_idle(env);
  de::OptimizerState st;
  if (info[0].IsNull() || info[0].IsUndefined()) {
    net_->optimizer() = st;
    return env.Undefined();
  }
  if (!info[0].IsObject()) throw_invalid(env, "training state must be an object or null");
  Napi::Object o = info[0].As<Napi::Object>();
  const std::string kind = get_string(o, "optimizer");
  if (kind == "adam") st.kind = de::OptimizerKind::Adam;
  else if (kind == "sgd") st.kind = de::OptimizerKind::Sgd;
  else throw_invalid(env, "optimizer must be 'sgd' or 'adam'");
  st.step = get_int(o, "step", -1);
  st.epoch = get_int(o, "epoch", -1);
  st.position = get_int(o, "position", -1);
  if (st.step < 0 || st.epoch < 0 || st.position < 0) throw_invalid(env, "step, epoch and position must be integers >= 0");
  st.m = float_vector(o.Get("m"), "m");
  st.v = float_vector(o.Get("v"), "v");
  const size_t n = static_cast<size_t>(net_->param_count());
  if (!st.m.empty() && st.m.size() != n) throw_invalid(env, "m must be empty or have paramCount values");
  if (st.kind == de::OptimizerKind::Adam ? (!st.v.empty() && st.v.size() != n) || st.v.size() != st.m.size() : !st.v.empty()) {
    throw_invalid(env, "v must match m for adam and be empty for sgd");
  }
  net_->optimizer() = std::move(st);
  return env.Undefined();
}

NetworkLease::NetworkLease(Napi::Env env, Napi::Object object) : wrap_(NetworkWrap::From(object)) {
  bool expected = false;
  if (!wrap_->net().busy().compare_exchange_strong(expected, true)) {
    throw make_error(env, "ERR_BUSY", "the network is busy with another operation (training or sampling)");
  }
  wrap_->abort_flag().store(false);
  ref_ = Napi::Persistent(object);
  shutdown_ = state(env).shutdown;
  shutdown_->enter(&wrap_->abort_flag());
}

NetworkLease::~NetworkLease() {
  shutdown_->leave(&wrap_->abort_flag());
  wrap_->abort_flag().store(false);
  wrap_->net().busy().store(false);
}

void InitNetwork(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = NetworkWrap::Define(env);
  state(env).networkCtor = Napi::Persistent(ctor);
  exports.Set("Network", ctor);
}

}  // namespace de_addon
