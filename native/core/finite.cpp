#include "core/finite.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/thread_pool.h"
#include "cpu/kernels.h"
#include "cpu/scan_simd.h"

namespace de {

namespace {

bool use_avx2() { return cpu::kScanAvx2Compiled && cpu_use_avx2(); }

}  // namespace

int64_t first_non_finite_portable(const float* x, int64_t n) {
  // Blocks of branch-free integer tests (exponent bits all ones ⇔ NaN or ±Inf) that the compiler
  // vectorises with the baseline ISA; only a block that contains a hit is searched element-wise.
  constexpr int64_t kBlock = 256;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t end = start + kBlock < n ? start + kBlock : n;
    uint32_t hit = 0;
    for (int64_t i = start; i < end; ++i) {
      uint32_t bits;
      std::memcpy(&bits, x + i, sizeof bits);
      hit |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    if (hit) {
      for (int64_t i = start; i < end; ++i) {
        uint32_t bits;
        std::memcpy(&bits, x + i, sizeof bits);
        if ((bits & 0x7f800000u) == 0x7f800000u) return i;
      }
    }
  }
  return -1;
}

int64_t first_not_binary_portable(const uint8_t* x, int64_t n) {
  constexpr int64_t kBlock = 256;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t end = start + kBlock < n ? start + kBlock : n;
    uint8_t any = 0;
    for (int64_t i = start; i < end; ++i) any |= x[i];
    if (any & 0xFE) {
      for (int64_t i = start; i < end; ++i)
        if (x[i] > 1) return i;
    }
  }
  return -1;
}

int64_t first_non_finite(const float* x, int64_t n) {
  return use_avx2() ? cpu::first_non_finite_avx2(x, n) : first_non_finite_portable(x, n);
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
  return use_avx2() ? cpu::first_not_binary_avx2(x, n) : first_not_binary_portable(x, n);
}

}  // namespace de
