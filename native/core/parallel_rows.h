// Elementwise passes over the rows of a [rows × cols] buffer: on the pool when the buffer is large
// enough to pay for waking threads, inline otherwise. Each row belongs to one task, so the result
// never depends on the split.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/thread_pool.h"

namespace de {

template <typename Fn>  // fn(r0, r1) handles rows [r0, r1)
void parallel_rows(ThreadPool* pool, int threads, int64_t rows, int64_t cols, Fn&& fn) {
  constexpr int64_t kMinElementsPerTask = 1 << 14;
  const int64_t perTask = std::max<int64_t>(1, kMinElementsPerTask / std::max<int64_t>(1, cols));
  const int64_t tasks = (rows + perTask - 1) / perTask;
  if (!pool || tasks <= 1 || pool->size() <= 1 || threads == 1) {
    fn(int64_t(0), rows);
    return;
  }
  pool->parallel_for(tasks, threads, [&](int64_t t, int) { fn(t * perTask, std::min(rows, (t + 1) * perTask)); });
}

}  // namespace de
