// "No abort, ever", in the core: an exception thrown by a task of the thread pool (a
// std::bad_alloc of a GEMM packing buffer, say) must come back to the caller of parallel_for, after
// every helper has stopped touching the task function, and leave the pool usable. Before, it left a
// helper thread (std::terminate → abort) or unwound the caller while helpers still ran the function.
#include <atomic>
#include <new>
#include <stdexcept>

#include "core/thread_pool.h"
#include "tests/test_framework.h"

TEST(reliability_pool_task_exception_reaches_the_caller) {
  de::ThreadPool pool(4);
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> running{0}, started{0};
    bool caught = false;
    try {
      pool.parallel_for(1000, 0, [&](int64_t t, int) {
        running.fetch_add(1);
        started.fetch_add(1);
        if (t % 97 == round % 97) {
          running.fetch_sub(1);
          throw std::bad_alloc();
        }
        for (volatile int i = 0; i < 200; ++i) {
        }
        running.fetch_sub(1);
      });
    } catch (const std::bad_alloc&) {
      caught = true;
    }
    CHECK_MSG(caught, "round " << round);
    CHECK_MSG(running.load() == 0, "a task still ran after parallel_for returned, round " << round);
    CHECK(started.load() <= 1000);
  }
  // Still usable, every task exactly once.
  std::atomic<int64_t> sum{0};
  pool.parallel_for(1000, 0, [&](int64_t t, int) { sum.fetch_add(t); });
  CHECK(sum.load() == 999 * 1000 / 2);
}

TEST(reliability_pool_exception_on_the_calling_thread_waits_for_helpers) {
  de::ThreadPool pool(3);
  std::atomic<int> running{0};
  bool caught = false;
  try {
    pool.parallel_for(300, 0, [&](int64_t t, int worker) {
      running.fetch_add(1);
      if (worker == 0 && t > 3) {
        running.fetch_sub(1);
        throw std::runtime_error("caller task failed");
      }
      for (volatile int i = 0; i < 2000; ++i) {
      }
      running.fetch_sub(1);
    });
  } catch (const std::runtime_error&) {
    caught = true;
  }
  // The caller may have finished every task itself before a throwing one came up; either way no
  // task may still be running once parallel_for has returned or thrown.
  CHECK(running.load() == 0);
  (void)caught;
}
