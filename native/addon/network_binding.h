// The JS Network object of the binding (raw surface typed in src/native.ts, section "network").
// Other bindings that run work on a network (the ensemble sampler) use NetworkWrap::From and a
// NetworkLease, so that busy / abort / lifetime rules are the same for every operation.
#pragma once
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "addon/common.h"
#include "cuda/host/cuda_network.h"
#include "core/network.h"

namespace de_addon {

// A training call that stops at each epoch's end until its onEpoch callback (and the promise it
// returned) has finished, so that the callback sees the network hold still and may read it
// (getWeights, getBias, getTrainingState: a checkpoint with save or toBuffer).
class EpochPause {
 public:
  void arm();     // training thread, before the callback is queued
  void resume();  // main thread: the callback has finished
  // Training thread: until resume(), or until the environment stops (the callback will never run).
  void wait(const Shutdown& shutdown);

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool resumed_ = true;
};

class NetworkWrap : public Napi::ObjectWrap<NetworkWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NetworkWrap(const Napi::CallbackInfo& info);

  // The wrap behind a JS Network object; throws ERR_INVALID_ARGUMENT for anything else.
  static NetworkWrap* From(const Napi::Value& v);

  de::Network& net() { return *net_; }
  // The GPU engine of a network created with backend 'cuda' (train and Monte Carlo statistics run
  // there); null for 'cpu'. Used only by the operation holding the lease.
  de::CudaNetwork* cuda() { return cuda_.get(); }
  // Raised by abort(); reset when a lease starts. Workers poll it between minibatches / batches.
  std::atomic<bool>& abort_flag() { return abort_; }
  // Throws ERR_BUSY while an asynchronous operation holds the network.
  void require_idle(Napi::Env env) const;
  // The same, except while a training call waits at an epoch's end for its callback (readable()).
  void require_readable(Napi::Env env) const;
  std::atomic<bool>& readable() { return readable_; }
  EpochPause& epoch_pause() { return pause_; }

 private:
  Napi::Value Busy(const Napi::CallbackInfo& info);
  Napi::Value ParamCount(const Napi::CallbackInfo& info);
  Napi::Value GetWeights(const Napi::CallbackInfo& info);
  Napi::Value SetWeights(const Napi::CallbackInfo& info);
  Napi::Value GetBias(const Napi::CallbackInfo& info);
  Napi::Value SetBias(const Napi::CallbackInfo& info);
  Napi::Value Train(const Napi::CallbackInfo& info);    // network_workers.cpp
  Napi::Value Predict(const Napi::CallbackInfo& info);  // network_workers.cpp
  Napi::Value Abort(const Napi::CallbackInfo& info);
  Napi::Value Forward(const Napi::CallbackInfo& info);
  Napi::Value GetTrainingState(const Napi::CallbackInfo& info);
  Napi::Value SetTrainingState(const Napi::CallbackInfo& info);
  Napi::Value ResumeTraining(const Napi::CallbackInfo& info);

  std::unique_ptr<de::Network> net_;
  std::unique_ptr<de::CudaNetwork> cuda_;
  std::atomic<bool> abort_{false};
  std::atomic<bool> readable_{false};
  EpochPause pause_;
};

// One asynchronous operation's hold on a network: keeps the JS object alive (a reference), marks
// the network busy and clears its abort flag; the destructor (main thread) releases both.
// Construct on the main thread; throws ERR_BUSY if another operation holds the network.
class NetworkLease {
 public:
  NetworkLease(Napi::Env env, Napi::Object object);
  ~NetworkLease();
  NetworkLease(const NetworkLease&) = delete;
  NetworkLease& operator=(const NetworkLease&) = delete;
  NetworkWrap& wrap() { return *wrap_; }
  de::Network& net() { return wrap_->net(); }
  const std::atomic<bool>* abort() { return &wrap_->abort_flag(); }

 private:
  Napi::ObjectReference ref_;
  NetworkWrap* wrap_;
  std::shared_ptr<Shutdown> shutdown_;
};

// A Promise already rejected with e (async methods reject rather than throw).
Napi::Value rejected(Napi::Env env, const Napi::Error& e);

// Runs a worker constructor and queues the worker; a synchronous error (busy, bad argument)
// becomes a rejected Promise, so every async method fails the same way.
template <typename Make>
Napi::Value start(Napi::Env env, Make make) {
  PromiseWorker* w = nullptr;
  try {
    w = make();
  } catch (const Napi::Error& e) {
    return rejected(env, e);
  }
  Napi::Promise p = w->promise();
  try {
    w->Queue();
  } catch (const Napi::Error& e) {
    delete w;
    return rejected(env, e);
  }
  return p;
}

}  // namespace de_addon
