#include "core/covariance.h"

#include <vector>

#include "cpu/dispatch.h"

namespace de {

namespace {

// Rows of the output per task: a multiple of the kernel's 4-row tile, small enough to balance.
constexpr int64_t kRowsPerTask = 32;

// dst (rows × cols) = A (rows × depth) · B (depth × cols), split by rows over the pool. upper: the
// product is known to be symmetric (rows == cols); each task computes its rows from its first row's
// diagonal on, and the caller mirrors the rest.
Result product(const double* A, const double* B, double* dst, int64_t rows, int64_t depth, int64_t cols, bool upper,
               ThreadPool& pool, int threads, const std::atomic<bool>* abort) {
  const cpu::Dispatch& d = cpu::dispatch();
  const int64_t tasks = (rows + kRowsPerTask - 1) / kRowsPerTask;
  pool.parallel_for(tasks, threads, [&](int64_t t, int) {
    if (abort && abort->load(std::memory_order_relaxed)) return;
    const int64_t r0 = t * kRowsPerTask;
    const int64_t r1 = r0 + kRowsPerTask < rows ? r0 + kRowsPerTask : rows;
    const int64_t c0 = upper ? r0 : 0;
    for (int64_t i = r0; i < r1; ++i)
      for (int64_t j = c0; j < cols; ++j) dst[i * cols + j] = 0.0;
    d.dgemm({A + r0 * depth, depth, B + c0, cols, dst + r0 * cols + c0, cols, r1 - r0, cols - c0, depth});
  });
  if (abort && abort->load(std::memory_order_relaxed)) return Result::error(Status::Cancelled, "propagate: aborted");
  return Result::success();
}

}  // namespace

Result covariance_product(const float* W, int64_t n, int64_t m, const double* C, double* out, ThreadPool& pool, int threads,
                          const std::atomic<bool>* abort) {
  if (!W || !C || !out || n < 0 || m < 0) return Result::error(Status::InvalidArgument, "covariance_product: bad arguments");
  std::vector<double> Wd(static_cast<size_t>(n * m)), Wt(static_cast<size_t>(m * n)), T(static_cast<size_t>(n * m));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      const double w = W[i * m + j];
      Wd[static_cast<size_t>(i * m + j)] = w;
      Wt[static_cast<size_t>(j * n + i)] = w;
    }
  Result r = product(Wd.data(), C, T.data(), n, m, m, false, pool, threads, abort);  // T = W C
  if (!r.ok()) return r;
  r = product(T.data(), Wt.data(), out, n, m, n, true, pool, threads, abort);  // out = T Wᵀ, upper part
  if (!r.ok()) return r;
  // Within a task's rows the block below the diagonal was computed too; the mirror makes the two
  // triangles equal, taking the upper one, which every task computed.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) out[j * n + i] = out[i * n + j];
  return Result::success();
}

}  // namespace de
