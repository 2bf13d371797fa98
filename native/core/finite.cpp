#include "core/finite.h"

#include <algorithm>
#include <atomic>

#include "core/thread_pool.h"
#include "cpu/dispatch.h"

namespace de {

int64_t first_non_finite(const float* x, int64_t n) {
  return cpu::dispatch().first_non_finite(x, n);
}

int64_t first_non_finite(const float* x, int64_t n, ThreadPool* pool, int threads) {
  // Below ~1 MB per thread a second thread costs more (its wake-up) than it saves.
  constexpr int64_t kMinPerPart = int64_t{1} << 18;
  const int usable = pool ? (threads <= 0 ? pool->size() : std::min(threads, pool->size())) : 1;
  const int64_t parts = std::min<int64_t>(usable, n / kMinPerPart);
  if (parts <= 1) return first_non_finite(x, n);
  std::atomic<int64_t> first{n};
  pool->parallel_for(parts, static_cast<int>(parts), [&](int64_t p, int) {
    const int64_t b = n * p / parts, e = n * (p + 1) / parts;
    const int64_t i = first_non_finite(x + b, e - b);
    if (i < 0) return;
    int64_t cur = first.load();
    while (b + i < cur && !first.compare_exchange_weak(cur, b + i)) {
    }
  });
  const int64_t f = first.load();
  return f < n ? f : -1;
}

int64_t first_not_binary(const uint8_t* x, int64_t n) {
  return cpu::dispatch().first_not_binary(x, n);
}

}  // namespace de
