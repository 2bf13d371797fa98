#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace de {

struct ThreadPool::Impl {
  int size = 1;
  std::vector<std::thread> workers;
  std::mutex jobMutex;  // one job at a time per pool

  std::mutex m;
  std::condition_variable wake, done;
  uint64_t generation = 0;
  bool stopping = false;
  const std::function<void(int64_t, int)>* fn = nullptr;
  int64_t tasks = 0;
  int active = 0;        // threads taking part in the current job, caller included
  int finished = 0;      // helpers that finished the current job
  std::atomic<int64_t> next{0};

  void drain(int worker) {
    for (;;) {
      int64_t t = next.fetch_add(1, std::memory_order_relaxed);
      if (t >= tasks) break;
      (*fn)(t, worker);
    }
  }

  void loop(int worker) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(m);
        wake.wait(lk, [&] { return stopping || generation != seen; });
        if (stopping) return;
        seen = generation;
        if (worker >= active) continue;  // not needed for this job
      }
      drain(worker);
      {
        std::lock_guard<std::mutex> lk(m);
        ++finished;
      }
      done.notify_one();
    }
  }
};

ThreadPool::ThreadPool(int threads) : impl_(new Impl) {
  impl_->size = std::max(1, threads);
  for (int w = 1; w < impl_->size; ++w) impl_->workers.emplace_back([this, w] { impl_->loop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->workers) t.join();
}

int ThreadPool::size() const { return impl_->size; }

void ThreadPool::parallel_for(int64_t tasks, int threads, const std::function<void(int64_t, int)>& fn) {
  if (tasks <= 0) return;
  int use = threads <= 0 ? impl_->size : std::min(threads, impl_->size);
  use = static_cast<int>(std::min<int64_t>(use, tasks));
  if (use <= 1) {
    for (int64_t t = 0; t < tasks; ++t) fn(t, 0);
    return;
  }
  std::lock_guard<std::mutex> job(impl_->jobMutex);
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    impl_->fn = &fn;
    impl_->tasks = tasks;
    impl_->active = use;
    impl_->finished = 0;
    impl_->next.store(0);
    ++impl_->generation;
  }
  impl_->wake.notify_all();
  impl_->drain(0);
  std::unique_lock<std::mutex> lk(impl_->m);
  impl_->done.wait(lk, [&] { return impl_->finished == use - 1; });
  impl_->fn = nullptr;
}

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace de
