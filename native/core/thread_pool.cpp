// The pool hands out task indices from an atomic counter. Each job is given only to the helpers it
// needs (a ticket per worker), and helpers spin briefly before sleeping: a batch-100 product lasts
// about a millisecond, and a futex wake-up costs tens of microseconds, so back-to-back jobs of a
// training loop should find their helpers awake.
#include "core/thread_pool.h"
#include "cpu/float_env.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace de {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// Spins until done() or about `micros` microseconds have passed; returns done().
template <class Pred>
bool spin_until(Pred done, int micros) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= until) return done();
  }
}

constexpr int kWorkerSpinMicros = 200;  // helpers wait this long for the next job before sleeping
constexpr int kCallerSpinMicros = 50;   // the caller waits this long for stragglers before sleeping

struct alignas(64) Ticket {
  std::atomic<uint64_t> job{0};
};

}  // namespace

struct ThreadPool::Impl {
  int size = 1;
  std::vector<std::thread> workers;
  std::unique_ptr<Ticket[]> tickets;  // tickets[w]: the last job handed to worker w
  std::mutex jobMutex;                // one job at a time per pool

  std::mutex m;                       // guards sleeping on the two condition variables
  std::condition_variable wake, done;
  std::atomic<int> sleepers{0};       // helpers inside wake.wait (or about to be)
  std::atomic<bool> callerSleeping{false};
  std::atomic<bool> stopping{false};

  // The current job; written before the tickets are published, read after they are seen.
  const std::function<void(int64_t, int)>* fn = nullptr;
  int64_t tasks = 0;
  uint64_t jobId = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int> finished{0};

  std::mutex errorMutex;
  std::exception_ptr error;  // the first exception a task of the current job threw

  void drain(int worker) {
    for (;;) {
      const int64_t t = next.fetch_add(1, std::memory_order_relaxed);
      if (t >= tasks) break;
      try {
        (*fn)(t, worker);
      } catch (...) {
        // An exception must neither leave a helper thread (std::terminate → abort) nor unwind the
        // caller while helpers still run fn (it lives on the caller's stack). Keep the first one,
        // hand out no more tasks, and rethrow it from parallel_for once every helper is done
        // (a std::bad_alloc of a packing buffer becomes ERR_OUT_OF_MEMORY at the binding).
        std::lock_guard<std::mutex> lk(errorMutex);
        if (!error) error = std::current_exception();
        next.store(tasks, std::memory_order_relaxed);
      }
    }
  }

  void loop(int worker) {
    cpu::flush_subnormals_on_this_thread();
    uint64_t seen = 0;
    std::atomic<uint64_t>& ticket = tickets[worker].job;
    // seq_cst loads pair with the caller's seq_cst ticket store / sleepers load (no lost wake-up).
    auto ready = [&] { return ticket.load() != seen || stopping.load(); };
    for (;;) {
      if (!spin_until(ready, kWorkerSpinMicros)) {
        std::unique_lock<std::mutex> lk(m);
        sleepers.fetch_add(1);
        wake.wait(lk, ready);
        sleepers.fetch_sub(1);
      }
      if (stopping.load()) return;
      seen = ticket.load(std::memory_order_acquire);
      drain(worker);
      finished.fetch_add(1);  // seq_cst: pairs with callerSleeping below
      if (callerSleeping.load()) {
        std::lock_guard<std::mutex> lk(m);
        done.notify_one();
      }
    }
  }
};

ThreadPool::ThreadPool(int threads) : impl_(new Impl) {
  impl_->size = std::max(1, threads);
  impl_->tickets.reset(new Ticket[impl_->size]);
  for (int w = 1; w < impl_->size; ++w) impl_->workers.emplace_back([this, w] { impl_->loop(w); });
}

ThreadPool::~ThreadPool() {
  impl_->stopping.store(true);
  {
    std::lock_guard<std::mutex> lk(impl_->m);
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
  Impl& s = *impl_;
  std::lock_guard<std::mutex> job(s.jobMutex);
  s.fn = &fn;
  s.tasks = tasks;
  s.next.store(0, std::memory_order_relaxed);
  s.finished.store(0, std::memory_order_relaxed);
  s.error = nullptr;
  ++s.jobId;
  for (int w = 1; w < use; ++w) s.tickets[w].job.store(s.jobId, std::memory_order_seq_cst);
  if (s.sleepers.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard<std::mutex> lk(s.m); }  // a helper between its check and its wait sees the ticket
    s.wake.notify_all();
  }
  s.drain(0);
  const int helpers = use - 1;
  auto all_done = [&] { return s.finished.load() == helpers; };
  if (!spin_until(all_done, kCallerSpinMicros)) {
    std::unique_lock<std::mutex> lk(s.m);
    s.callerSleeping.store(true);
    s.done.wait(lk, all_done);
    s.callerSleeping.store(false);
  }
  s.fn = nullptr;
  if (s.error) {
    std::exception_ptr e = s.error;
    s.error = nullptr;
    std::rethrow_exception(e);
  }
}

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int pool_threads(int requested) {
  const int cores = hardware_threads();
  return requested <= 0 ? cores : std::min(requested, cores);
}

}  // namespace de
