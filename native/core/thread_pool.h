// A persistent pool of worker threads. One job runs at a time per pool (callers from different
// threads are serialised by a mutex); the calling thread takes part in the job. Work is handed out
// as task indices, so which thread runs a task never changes the arithmetic of the task.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>

namespace de {

class ThreadPool {
 public:
  // threads: total threads that may work on a job, caller included (>= 1).
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const;

  // Runs fn(task, worker) for task in [0, tasks) on at most `threads` threads (<= size(); 0 means
  // size()). worker is in [0, threads) and is stable for the duration of one task, so a task may use
  // per-worker scratch indexed by it. Returns when every task has finished. If fn throws, no further
  // tasks start and the first exception is rethrown here, on the caller, after every thread is done.
  void parallel_for(int64_t tasks, int threads, const std::function<void(int64_t task, int worker)>& fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

int hardware_threads();  // cores available to this process, at least 1

// The threads a pool asked for `requested` threads (0: all cores) starts: never more than the
// cores, since a compute-bound thread beyond them only waits, and `threads: 1024` must not start
// a thousand OS threads per network. Results do not depend on it (tasks never split a sum).
int pool_threads(int requested);

}  // namespace de
