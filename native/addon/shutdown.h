// The environment going away while native work runs: process.exit() (also from a callback), an
// uncaught exception or unhandled rejection, or a worker_threads Worker terminated. A call thread
// still training, or waiting for a JS callback that the event loop will never run, would hold the
// exit (or the teardown that joins it, call_threads.h) forever. On shutdown every running operation of this
// environment is aborted (its network's abort flag, polled between minibatches and passes) and no
// worker thread waits for a callback any longer.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
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
  // Waits on cv until pred() holds or the environment stops (polled every 20 ms, since a stop does
  // not notify cv); false when it stopped first.
  template <class Pred>
  bool wait_or_stop(std::unique_lock<std::mutex>& lk, std::condition_variable& cv, Pred pred) const {
    while (!cv.wait_for(lk, std::chrono::milliseconds(20), pred)) {
      if (stopping()) return false;
    }
    return true;
  }

 private:
  std::atomic<bool> stopping_{false};
  std::mutex m_;
  std::set<std::atomic<bool>*> running_;
};

}  // namespace de_addon
