// Bernoulli masks from Philox (contract in philox.h). Each element depends only on (seed, stream,
// absolute row, absolute column), so any split of rows or columns over calls, threads or backends
// yields the same bytes. Rows are split over the pool; within a row, whole 32-column blocks go to
// the mask kernel of the dispatch table (AVX2, or its portable reference), the ragged ends to the
// scalar Philox.
#include "core/masks.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/biased_threshold.h"
#include "cpu/dispatch.h"

namespace de {

namespace {

constexpr uint64_t kMaxColumns = uint64_t{1} << 34;  // counter word 0 is col >> 2 in 32 bits

// Scalar path for columns [c, c + n) of one row (absolute column c), writing out[0 .. n).
void mask_span_scalar(uint64_t seed, uint32_t stream, uint64_t row, uint64_t c, int64_t n,
                      const uint64_t* thr, uint64_t thrUniform, uint8_t* out) {
  const uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  int64_t j = 0;
  while (j < n) {
    const uint64_t col = c + static_cast<uint64_t>(j);
    const U32x4 w = philox4x32_10(mask_counter(stream, row, col), k0, k1);
    for (uint64_t q = col & 3; q < 4 && j < n; ++q, ++j) {
      const uint64_t t = thr ? thr[j] : thrUniform;
      out[j] = static_cast<uint8_t>(static_cast<uint64_t>(w.v[q]) < t);
    }
  }
}

// How one call's columns split into a scalar head (up to the next multiple of 4), whole blocks of
// 32 for the kernel and a scalar tail; with the thresholds of the blocks laid out for the kernel.
struct RowPlan {
  void (*blocksFn)(const cpu::MaskBlockArgs&) = nullptr;  // read once per call from the dispatch table
  int64_t head = 0, blocks = 0;
  std::vector<cpu::MaskThresholdBlock> thr;  // one per block, or one when uniform
  bool uniform = true;
};

void fill_threshold(cpu::MaskThresholdBlock* b, int col, uint64_t t) {
  const int p = cpu::mask_block_position(col);
  b->biased[p] = cpu::biased_threshold(t);
  b->always[p] = cpu::always_kept(t);
}

Result make_plan(const MaskArgs& a, RowPlan* plan) {
  plan->blocksFn = cpu::dispatch().mask_blocks;
  plan->head = std::min<int64_t>(a.cols, static_cast<int64_t>((4 - (a.col0 & 3)) & 3));
  plan->blocks = (a.cols - plan->head) / 32;
  if (plan->blocks == 0) return Result::success();
  plan->uniform = a.thresholds == nullptr;
  try {
    plan->thr.resize(plan->uniform ? 1 : static_cast<size_t>(plan->blocks));
  } catch (const std::bad_alloc&) {
    return Result::error(Status::OutOfMemory, "bernoulli mask: cannot allocate the threshold table");
  }
  for (size_t b = 0; b < plan->thr.size(); ++b)
    for (int c = 0; c < 32; ++c)
      fill_threshold(&plan->thr[b], c,
                     plan->uniform ? a.threshold : a.thresholds[plan->head + 32 * static_cast<int64_t>(b) + c]);
  return Result::success();
}

void mask_row(const MaskArgs& a, const RowPlan& plan, int64_t r, uint8_t* out) {
  const uint64_t row = a.row0 + static_cast<uint64_t>(r);
  const uint64_t* thr = a.thresholds;
  if (plan.blocks == 0) {
    mask_span_scalar(a.seed, a.stream, row, a.col0, a.cols, thr, a.threshold, out);
    return;
  }
  mask_span_scalar(a.seed, a.stream, row, a.col0, plan.head, thr, a.threshold, out);
  cpu::MaskBlockArgs k;
  k.seed = a.seed;
  k.stream = a.stream;
  k.row = row;
  k.group0 = (a.col0 + static_cast<uint64_t>(plan.head)) >> 2;
  k.blocks = plan.blocks;
  k.thr = plan.thr.data();
  k.uniform = plan.uniform;
  k.out = out + plan.head;
  plan.blocksFn(k);
  const int64_t done = plan.head + 32 * plan.blocks;
  mask_span_scalar(a.seed, a.stream, row, a.col0 + static_cast<uint64_t>(done), a.cols - done,
                   thr ? thr + done : nullptr, a.threshold, out + done);
}

Result check_mask_args(const MaskArgs& a, const char* fn) {
  const std::string f(fn);
  if (a.rows < 0 || a.cols < 0) return Result::error(Status::InvalidArgument, f + ": rows and cols must be >= 0");
  if (a.row0 > std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(a.rows))
    return Result::error(Status::InvalidArgument, f + ": row0 + rows overflows 64 bits");
  if (a.col0 > kMaxColumns || static_cast<uint64_t>(a.cols) > kMaxColumns - a.col0)
    return Result::error(Status::InvalidArgument, f + ": col0 + cols exceeds 2^34 (Philox counter range)");
  return Result::success();
}

// Rows per task. Tasks come in equal sizes and a multiple of the thread count (1 to 4 per thread,
// each of at least ~16K masks where the mask is that large), so that no thread is left with an odd
// extra task: at batch 100 the whole mask takes well under 100 µs, and the old rule (tasks of at
// least 16K masks, e.g. 5 tasks of 20 rows for 100 × 784) gave one thread 3 tasks and the other 2.
// Small masks stay one task: the hand-off would cost more than the work.
int64_t rows_per_task(int64_t rows, int64_t cols, int threads) {
  constexpr int64_t kMinTask = 16384;
  const int64_t total = rows * std::max<int64_t>(cols, 1);
  if (threads <= 1 || total < 2 * kMinTask) return std::max<int64_t>(rows, 1);
  const int64_t perThread = std::min<int64_t>(4, std::max<int64_t>(1, total / (threads * kMinTask)));
  const int64_t tasks = perThread * threads;
  return std::max<int64_t>(1, (rows + tasks - 1) / tasks);
}

template <class RowFn>
void for_rows(int64_t rows, int64_t cols, ThreadPool* pool, int threads, const RowFn& fn) {
  const int use = pool ? (threads <= 0 ? pool->size() : std::min(threads, pool->size())) : 1;
  const int64_t per = rows_per_task(rows, cols, use);
  const int64_t tasks = (rows + per - 1) / per;
  auto task = [&](int64_t t, int) {
    const int64_t r1 = std::min(rows, (t + 1) * per);
    for (int64_t r = t * per; r < r1; ++r) fn(r);
  };
  if (pool && use > 1 && tasks > 1)
    pool->parallel_for(tasks, use, task);
  else
    for (int64_t t = 0; t < tasks; ++t) task(t, 0);
}

// Eight 0/1 bytes → eight bits, byte i to bit i (no carries: every partial product lands on its own bit).
inline uint64_t pack8(const uint8_t* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return (x * 0x0102040810204080ull) >> 56;
}

}  // namespace


Result bernoulli_mask_u8(const MaskArgs& a, ThreadPool* pool, int threads) {
  Result r = check_mask_args(a, "bernoulli_mask_u8");
  if (!r.ok()) return r;
  if (a.rows == 0 || a.cols == 0) return Result::success();
  if (!a.out) return Result::error(Status::InvalidArgument, "bernoulli_mask_u8: out is null");
  if (a.ld < a.cols) return Result::error(Status::InvalidArgument, "bernoulli_mask_u8: ld < cols");
  if (a.rows - 1 > (std::numeric_limits<int64_t>::max() - a.cols) / a.ld)
    return Result::error(Status::OutOfMemory, "bernoulli_mask_u8: rows * ld overflows");
  RowPlan plan;
  r = make_plan(a, &plan);
  if (!r.ok()) return r;
  for_rows(a.rows, a.cols, pool, threads, [&](int64_t row) { mask_row(a, plan, row, a.out + row * a.ld); });
  return Result::success();
}

Result bernoulli_mask_bits(const MaskArgs& a, uint64_t* out, int64_t ldWords, ThreadPool* pool, int threads) {
  Result r = check_mask_args(a, "bernoulli_mask_bits");
  if (!r.ok()) return r;
  if (a.rows == 0 || a.cols == 0) return Result::success();
  if (!out) return Result::error(Status::InvalidArgument, "bernoulli_mask_bits: out is null");
  const int64_t words = (a.cols + 63) / 64;
  if (ldWords < words) return Result::error(Status::InvalidArgument, "bernoulli_mask_bits: ldWords < ceil(cols / 64)");
  if (a.rows - 1 > (std::numeric_limits<int64_t>::max() - words) / ldWords)
    return Result::error(Status::OutOfMemory, "bernoulli_mask_bits: rows * ldWords overflows");
  // Bytes are made in chunks of kChunk columns (a multiple of 64) and packed, so bit c of a row is
  // exactly byte c of bernoulli_mask_u8; the unused high bits of the last word are zero.
  constexpr int64_t kChunk = 2048;
  std::vector<RowPlan> plans;
  std::vector<MaskArgs> chunks;
  for (int64_t c = 0; c < a.cols; c += kChunk) {
    MaskArgs ch = a;
    ch.col0 = a.col0 + static_cast<uint64_t>(c);
    ch.cols = std::min(kChunk, a.cols - c);
    ch.thresholds = a.thresholds ? a.thresholds + c : nullptr;
    ch.ld = ch.cols;
    RowPlan p;
    r = make_plan(ch, &p);
    if (!r.ok()) return r;
    chunks.push_back(ch);
    plans.push_back(std::move(p));
  }
  for_rows(a.rows, a.cols, pool, threads, [&](int64_t row) {
    alignas(64) uint8_t bytes[kChunk + 8];
    uint64_t* dst = out + row * ldWords;
    for (size_t i = 0; i < chunks.size(); ++i) {
      const int64_t n = chunks[i].cols;
      mask_row(chunks[i], plans[i], row, bytes);
      std::memset(bytes + n, 0, static_cast<size_t>((64 - n % 64) % 64));
      for (int64_t w = 0; w < (n + 63) / 64; ++w) {
        uint64_t v = 0;
        for (int b = 0; b < 8; ++b) v |= pack8(bytes + 64 * w + 8 * b) << (8 * b);
        *dst++ = v;
      }
    }
  });
  return Result::success();
}

}  // namespace de
