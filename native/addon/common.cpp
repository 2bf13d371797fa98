#include "addon/common.h"
#include "cpu/float_env.h"

#include <cstring>
#include <new>

namespace de_addon {

AddonState& state(Napi::Env env) { return *env.GetInstanceData<AddonState>(); }

Napi::Error make_error(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

Napi::Error make_error(Napi::Env env, const de::Result& r) {
  return make_error(env, de::status_code(r.status), r.message);
}

void throw_invalid(Napi::Env env, const std::string& message) {
  throw make_error(env, "ERR_INVALID_ARGUMENT", message);
}

std::string get_string(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsString()) throw_invalid(o.Env(), std::string(key) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

std::vector<float> float_vector(const Napi::Value& v, const char* name) {
  if (v.IsUndefined() || v.IsNull()) return {};
  auto a = typed<float>(v, name);
  return std::vector<float>(a.Data(), a.Data() + a.ElementLength());
}

std::vector<double> double_vector(const Napi::Value& v, const char* name) {
  if (v.IsUndefined() || v.IsNull()) return {};
  auto a = typed<double>(v, name);
  return std::vector<double>(a.Data(), a.Data() + a.ElementLength());
}

Napi::Float32Array copy_out(Napi::Env env, const float* p, size_t n) {
  Napi::Float32Array a = Napi::Float32Array::New(env, n);
  if (n) std::memcpy(a.Data(), p, n * sizeof(float));
  return a;
}

Napi::Float64Array copy_out(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(double));
  return a;
}

double get_number(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) throw_invalid(o.Env(), std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t get_int(const Napi::Object& o, const char* key, int64_t fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return fallback;
  if (!v.IsNumber()) throw_invalid(o.Env(), std::string(key) + " must be a number");
  return v.As<Napi::Number>().Int64Value();
}

uint64_t get_seed(const Napi::Value& v) {
  if (!v.IsNumber()) throw_invalid(v.Env(), "seed must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d < 9007199254740992.0) || d != static_cast<double>(static_cast<uint64_t>(d))) {
    throw_invalid(v.Env(), "seed must be an integer in [0, 2^53)");
  }
  return static_cast<uint64_t>(d);
}

PromiseWorker::PromiseWorker(Napi::Env env) : env_(env), deferred_(Napi::Promise::Deferred::New(env)) {}

void PromiseWorker::Queue() { state(env_).calls->run(this); }

void PromiseWorker::Execute() {
  const de::cpu::FlushSubnormalsScope flush;  // as on the pool's threads (cpu/float_env.h)
  try {
    result_ = Run();
  } catch (const std::bad_alloc&) {
    result_ = de::Result::error(de::Status::OutOfMemory, "native allocation failed");
  } catch (const std::exception& e) {
    result_ = de::Result::error(de::Status::Internal, e.what());
  } catch (...) {
    result_ = de::Result::error(de::Status::Internal, "unknown native exception");
  }
}

void PromiseWorker::Settle(Napi::Env env) {
  Napi::HandleScope scope(env);
  if (!result_.ok()) {
    deferred_.Reject(make_error(env, result_).Value());
    return;
  }
  try {
    deferred_.Resolve(Resolve(env));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  } catch (const std::bad_alloc&) {
    deferred_.Reject(make_error(env, "ERR_OUT_OF_MEMORY", "native allocation failed").Value());
  } catch (const std::exception& e) {
    deferred_.Reject(make_error(env, "ERR_INTERNAL", e.what()).Value());
  }
}

}  // namespace de_addon
