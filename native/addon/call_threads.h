// The threads that run the asynchronous calls of one environment (one per call in flight, kept
// for the next call once it ends), and the way their results come back to the main thread.
//
// Not libuv's pool (napi_async_work): an environment that is torn down (a worker_threads Worker
// terminated) first waits for every request in that pool to finish and only then runs its
// cleanup hooks, so a call that runs for minutes would hold terminate() for minutes. These threads
// are no requests: the environment's cleanup reaches teardown() at once, which aborts every
// running operation (shutdown.h), joins the threads (one minibatch or pass) and frees the calls.
// One thread-safe function per environment brings completions back; it holds the event loop open
// only while a call is in flight, as a queued request would.
#pragma once
#include <napi.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "addon/shutdown.h"

namespace de_addon {

class PromiseWorker;

class CallThreads {
 public:
  // Main thread, once per environment. Registers the teardown with the environment.
  CallThreads(Napi::Env env, std::shared_ptr<Shutdown> shutdown);
  ~CallThreads();
  CallThreads(const CallThreads&) = delete;
  CallThreads& operator=(const CallThreads&) = delete;

  // Main thread: runs w->Execute() on an idle thread (a new one if none is idle), then settles
  // and deletes w on the main thread. Throws ERR_OUT_OF_MEMORY, taking nothing, only when no
  // thread exists and none can be started.
  void run(PromiseWorker* w);

 private:
  void loop();
  static void on_complete(napi_env env, napi_value, void* self, void*);
  static void on_teardown(void* self);
  void settle_completed(Napi::Env env);
  void teardown();

  napi_env env_;
  std::shared_ptr<Shutdown> shutdown_;
  napi_threadsafe_function done_ = nullptr;
  int64_t inflight_ = 0;  // main thread only: calls queued, running or completed but not settled
  bool torn_down_ = false;

  std::mutex m_;
  std::condition_variable wake_;
  std::deque<PromiseWorker*> queued_;
  std::vector<PromiseWorker*> completed_;
  std::vector<std::thread> threads_;
  int64_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace de_addon
