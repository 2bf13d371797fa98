// The persistent pool: every task runs exactly once on a valid worker, for any task and thread
// count, back to back (helpers spinning) and after a pause (helpers asleep), from several callers.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/thread_pool.h"
#include "tests/test_framework.h"

namespace {

void check_job(de::ThreadPool& pool, int64_t tasks, int threads) {
  std::vector<std::atomic<int>> runs(static_cast<size_t>(tasks));
  for (auto& r : runs) r.store(0);
  std::atomic<int> badWorker{0};
  const int limit = threads <= 0 ? pool.size() : std::min(threads, pool.size());
  pool.parallel_for(tasks, threads, [&](int64_t t, int w) {
    runs[static_cast<size_t>(t)].fetch_add(1);
    if (w < 0 || w >= limit) badWorker.fetch_add(1);
  });
  for (int64_t t = 0; t < tasks; ++t) CHECK_MSG(runs[static_cast<size_t>(t)].load() == 1, "task " << t);
  CHECK(badWorker.load() == 0);
}

}  // namespace

TEST(thread_pool_runs_every_task_once) {
  de::ThreadPool pool(4);
  CHECK(pool.size() == 4);
  for (int threads : {0, 1, 2, 3, 4, 9})
    for (int64_t tasks : {0, 1, 2, 3, 5, 100, 10000}) check_job(pool, tasks, threads);
}

TEST(thread_pool_back_to_back_and_after_sleep) {
  de::ThreadPool pool(3);
  for (int i = 0; i < 3000; ++i) check_job(pool, 1 + i % 7, 1 + i % 3);
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));  // longer than the spin: helpers sleep
    check_job(pool, 64, 3);
  }
}

TEST(thread_pool_serialises_callers) {
  de::ThreadPool pool(2);
  std::atomic<int> failures{0};
  auto caller = [&] {
    for (int i = 0; i < 300; ++i) {
      std::atomic<int64_t> sum{0};
      pool.parallel_for(50, 2, [&](int64_t t, int) { sum.fetch_add(t); });
      if (sum.load() != 49 * 50 / 2) failures.fetch_add(1);
    }
  };
  std::thread other(caller);
  caller();
  other.join();
  CHECK(failures.load() == 0);
}

TEST(thread_pool_single_thread_runs_inline) {
  de::ThreadPool pool(1);
  const auto self = std::this_thread::get_id();
  bool inline_ = true;
  pool.parallel_for(10, 0, [&](int64_t, int w) { inline_ = inline_ && w == 0 && std::this_thread::get_id() == self; });
  CHECK(inline_);
  CHECK(de::hardware_threads() >= 1);
}
