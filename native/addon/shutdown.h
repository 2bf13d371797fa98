// The environment going away while native work runs: process.exit() (also from a callback), an
// uncaught exception or unhandled rejection, or a worker_threads Worker terminated. A call thread
// still training, or waiting for a JS callback that the event loop will never run, would hold the
// exit (or the teardown that joins it, call_threads.h) forever. On shutdown every running operation of this
// environment is aborted (its network's abort flag, polled between minibatches and passes) and no
// worker thread waits for a callback any longer.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <set>

namespace de_addon {

class Shutdown {
 public:
  // Main thread: an operation starts or ends; `abort` is its network's abort flag.
  void enter(std::atomic<bool>* abort);
  void leave(std::atomic<bool>* abort);
  // Any thread: stop everything (idempotent).
  void stop();
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> stopping_{false};
  std::mutex m_;
  std::set<std::atomic<bool>*> running_;
};

}  // namespace de_addon
