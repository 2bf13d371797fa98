// Shared pieces of the binding: typed errors from core statuses, typed-array access, the
// per-instance addon state, and the Promise-settling base of every asynchronous call. No arithmetic here.
#pragma once
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "addon/call_threads.h"
#include "addon/shutdown.h"
#include "common/status.h"
#include "core/thread_pool.h"

namespace de_addon {

// Per-instance (per Node environment / worker thread) state, freed by the environment's cleanup.
struct AddonState {
  std::unique_ptr<de::ThreadPool> pool;  // for the stateless kernels; networks own their own pools
  Napi::FunctionReference momentAccumulatorCtor;
  Napi::FunctionReference networkCtor;
  // Shared with worker threads, which may outlive this state at a worker's termination.
  std::shared_ptr<Shutdown> shutdown = std::make_shared<Shutdown>();
  std::unique_ptr<CallThreads> calls;  // the asynchronous calls' threads (call_threads.h)
};
AddonState& state(Napi::Env env);

// A JS Error carrying a stable `code` (see src/errors.ts, which maps it to the typed class).
Napi::Error make_error(Napi::Env env, const char* code, const std::string& message);
Napi::Error make_error(Napi::Env env, const de::Result& r);
// Throws the JS error for a failed result (NAPI_CPP_EXCEPTIONS is on).
inline void throw_if_error(Napi::Env env, const de::Result& r) {
  if (!r.ok()) throw make_error(env, r);
}
[[noreturn]] void throw_invalid(Napi::Env env, const std::string& message);

// Typed-array access with a kind check; TS has validated already, this is the cheap re-check.
template <typename T> struct TypedKind;
template <> struct TypedKind<float> { static constexpr napi_typedarray_type value = napi_float32_array; };
template <> struct TypedKind<double> { static constexpr napi_typedarray_type value = napi_float64_array; };
template <> struct TypedKind<uint8_t> { static constexpr napi_typedarray_type value = napi_uint8_array; };
template <> struct TypedKind<int32_t> { static constexpr napi_typedarray_type value = napi_int32_array; };
template <> struct TypedKind<uint32_t> { static constexpr napi_typedarray_type value = napi_uint32_array; };

template <typename T>
Napi::TypedArrayOf<T> typed(const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != TypedKind<T>::value) {
    throw_invalid(v.Env(), std::string(name) + " has the wrong typed-array kind");
  }
  return v.As<Napi::TypedArrayOf<T>>();
}
// The same, with an exact element count.
template <typename T>
Napi::TypedArrayOf<T> typed(const Napi::Value& v, const char* name, size_t length) {
  auto a = typed<T>(v, name);
  if (a.ElementLength() != length) throw_invalid(v.Env(), std::string(name) + " has the wrong length");
  return a;
}

double get_number(const Napi::Object& o, const char* key, double fallback);
std::string get_string(const Napi::Object& o, const char* key);  // required string property
// A copy of an optional Float32Array (undefined or null: empty).
std::vector<float> float_vector(const Napi::Value& v, const char* name);
// A copy of an optional Float64Array (undefined or null: empty).
std::vector<double> double_vector(const Napi::Value& v, const char* name);
// New typed arrays holding a copy of native results.
Napi::Float32Array copy_out(Napi::Env env, const float* p, size_t n);
Napi::Float64Array copy_out(Napi::Env env, const std::vector<double>& v);
int64_t get_int(const Napi::Object& o, const char* key, int64_t fallback);
uint64_t get_seed(const Napi::Value& v);  // JS number in [0, 2^53) → uint64

// An asynchronous operation that settles a Promise. Subclasses fill Run() (a call thread of
// call_threads.h: touch only the baton) and Resolve() (main thread: build the result). A Result
// error becomes a typed rejection; C++ exceptions thrown in Run() are caught and become
// ERR_INTERNAL / ERR_OUT_OF_MEMORY.
class PromiseWorker {
 public:
  explicit PromiseWorker(Napi::Env env);
  virtual ~PromiseWorker() = default;
  PromiseWorker(const PromiseWorker&) = delete;
  PromiseWorker& operator=(const PromiseWorker&) = delete;
  Napi::Promise promise() { return deferred_.Promise(); }
  // Main thread: hands the worker to the environment's call threads, which own and delete it
  // from then on. Throws (and the worker stays the caller's) only if it could not be queued.
  void Queue();

 protected:
  virtual de::Result Run() = 0;
  virtual Napi::Value Resolve(Napi::Env env) = 0;

 private:
  friend class CallThreads;
  void Execute();            // a call thread
  void Settle(Napi::Env env);  // main thread
  Napi::Env env_;
  Napi::Promise::Deferred deferred_;
  de::Result result_;
};

}  // namespace de_addon
