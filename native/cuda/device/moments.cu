// Streaming per-neuron moments on the GPU, in float64 (moments.h). A batch is reduced in two passes:
// threads take (neuron, chunk of rows) and run Welford / Pébay updates; a second kernel merges the
// chunks in order and then the batch into the accumulator with Chan's / Pébay's pairwise formulas —
// the same formulas the CPU shards merge with. The histogram is counted with atomics.
#include <cmath>
#include <vector>

#include "cuda/device/moments.cuh"
#include "cuda/device/ops.h"

namespace de_cuda {
namespace {

constexpr int kFields = 8;  // n, mean, M2, M3, Σlog, Σlog1m, min, max
constexpr int64_t kRowsPerChunk = 128;

struct Moments {
  double n, mean, m2, m3, slog, slog1m, min, max;
};

// Pébay (2008) / Chan et al. (1979): the moments of the union of two disjoint sets.
__device__ Moments merge(const Moments& a, const Moments& b) {
  if (b.n == 0) return a;
  if (a.n == 0) return b;
  Moments r;
  r.n = a.n + b.n;
  const double d = b.mean - a.mean, dn = d / r.n;
  r.mean = a.mean + dn * b.n;
  r.m2 = a.m2 + b.m2 + d * dn * a.n * b.n;
  r.m3 = a.m3 + b.m3 + d * dn * dn * a.n * b.n * (a.n - b.n) + 3.0 * dn * (a.n * b.m2 - b.n * a.m2);
  r.slog = a.slog + b.slog;
  r.slog1m = a.slog1m + b.slog1m;
  r.min = fmin(a.min, b.min);
  r.max = fmax(a.max, b.max);
  return r;
}

// log σ(z) = −softplus(−z), written so that neither branch overflows.
__device__ double log_sigmoid(double z) { return fmin(z, 0.0) - log1p(exp(-fabs(z))); }

__global__ void partial_kernel(DeCudaMoments m, int64_t col0, int64_t cols, const float* values, int64_t rows,
                               int64_t ld, LogSource logs, int64_t chunks, double* partial) {
  const int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t chunk = blockIdx.y;
  if (c >= cols) return;
  const int64_t r0 = chunk * kRowsPerChunk, r1 = min(rows, r0 + kRowsPerChunk);
  double n = 0, mean = 0, m2 = 0, m3 = 0, slog = 0, slog1m = 0, mn = INFINITY, mx = -INFINITY;
  unsigned long long* hist = m.hist ? m.hist + (col0 + c) * m.bins : nullptr;
  const double binScale = m.bins / (m.hi - m.lo);
  for (int64_t r = r0; r < r1; ++r) {
    const double x = values[r * ld + c];
    // Welford with Pébay's third moment: M3 before M2, both from the old mean.
    const double n1 = n;
    n += 1.0;
    const double d = x - mean, dn = d / n, t = d * dn * n1;
    mean += dn;
    m3 += t * dn * (n - 2.0) - 3.0 * dn * m2;
    m2 += t;
    if (logs.none) {
      // no log sums
    } else if (logs.logits) {
      const double z = logs.scale * logs.logits[r * logs.ld + c] + logs.shift;
      slog += log_sigmoid(z);
      slog1m += log_sigmoid(-z);
    } else {
      slog += logs.logO ? static_cast<double>(logs.logO[r * logs.ld + c]) : log(x);
      slog1m += log1p(-x);
    }
    mn = fmin(mn, x);
    mx = fmax(mx, x);
    if (hist && !isnan(x)) {
      double b = floor((x - m.lo) * binScale);
      b = fmin(fmax(b, 0.0), static_cast<double>(m.bins - 1));
      atomicAdd(hist + static_cast<int64_t>(b), 1ull);
    }
  }
  double* p = partial + (chunk * cols + c) * kFields;
  p[0] = n; p[1] = mean; p[2] = m2; p[3] = m3; p[4] = slog; p[5] = slog1m; p[6] = mn; p[7] = mx;
}

__global__ void merge_kernel(DeCudaMoments m, int64_t col0, int64_t cols, int64_t chunks, const double* partial) {
  const int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (c >= cols) return;
  Moments batch{0, 0, 0, 0, 0, 0, INFINITY, -INFINITY};
  for (int64_t k = 0; k < chunks; ++k) {
    const double* p = partial + (k * cols + c) * kFields;
    batch = merge(batch, Moments{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]});
  }
  const int64_t i = col0 + c;
  const Moments acc{m.n[i], m.mean[i], m.m2[i], m.m3[i], m.slog[i], m.slog1m[i], m.min[i], m.max[i]};
  const Moments r = merge(acc, batch);
  m.n[i] = r.n; m.mean[i] = r.mean; m.m2[i] = r.m2; m.m3[i] = r.m3;
  m.slog[i] = r.slog; m.slog1m[i] = r.slog1m; m.min[i] = r.min; m.max[i] = r.max;
}

__global__ void init_kernel(DeCudaMoments m) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= m.neurons) return;
  m.n[i] = m.mean[i] = m.m2[i] = m.m3[i] = m.slog[i] = m.slog1m[i] = 0.0;
  m.min[i] = INFINITY;
  m.max[i] = -INFINITY;
}

}  // namespace

DeCudaStatus moments_accumulate(DeCudaContext* ctx, DeCudaMoments* m, int64_t col0, int64_t cols, const float* values,
                                int64_t rows, int64_t ld, const LogSource& logs) {
  if (col0 < 0 || cols < 0 || col0 + cols > m->neurons || rows < 0 || (rows > 0 && cols > 0 && (!values || ld < cols)))
    return fail(ctx, kInvalid, "moments_add: columns outside the accumulator, or bad sizes");
  if (rows == 0 || cols == 0) return kOk;
  const int64_t chunks = (rows + kRowsPerChunk - 1) / kRowsPerChunk;
  if (chunks > 65535) return fail(ctx, kInvalid, "moments_add: at most 8,388,480 rows per call");
  if (m->partialCapacity < chunks * cols) {
    if (m->partial) cudaFree(m->partial);
    m->partial = nullptr;
    m->partialCapacity = 0;
    if (DeCudaStatus s = check(ctx, cudaMalloc(&m->partial, sizeof(double) * kFields * chunks * cols), "cudaMalloc"))
      return s;
    m->partialCapacity = chunks * cols;
  }
  const int threads = 128;
  partial_kernel<<<dim3(blocks_for(cols, threads), static_cast<unsigned>(chunks)), threads, 0, ctx->stream>>>(
      *m, col0, cols, values, rows, ld, logs, chunks, m->partial);
  if (DeCudaStatus s = check_launch(ctx, "moments partial_kernel")) return s;
  merge_kernel<<<blocks_for(cols, threads), threads, 0, ctx->stream>>>(*m, col0, cols, chunks, m->partial);
  return check_launch(ctx, "moments merge_kernel");
}

DeCudaStatus moments_create(DeCudaContext* ctx, int64_t neurons, int32_t bins, double lo, double hi,
                            DeCudaMoments** out) {
  *out = nullptr;
  if (neurons <= 0 || bins < 0 || (bins > 0 && !(hi > lo)))
    return fail(ctx, kInvalid, "moments_create: neurons must be > 0, bins ≥ 0 and hi > lo");
  auto* m = new DeCudaMoments();
  m->neurons = neurons;
  m->bins = bins;
  m->lo = lo;
  m->hi = hi;
  double** arrays[] = {&m->n, &m->mean, &m->m2, &m->m3, &m->slog, &m->slog1m, &m->min, &m->max};
  DeCudaStatus s = kOk;
  for (double** a : arrays)
    if (!s) s = check(ctx, cudaMalloc(a, sizeof(double) * neurons), "cudaMalloc(moments)");
  if (!s && bins > 0) {
    s = check(ctx, cudaMalloc(&m->hist, sizeof(unsigned long long) * neurons * bins), "cudaMalloc(histogram)");
    if (!s) s = check(ctx, cudaMemsetAsync(m->hist, 0, sizeof(unsigned long long) * neurons * bins, ctx->stream),
                      "clear histogram");
  }
  if (!s) {
    init_kernel<<<blocks_for(neurons, 256), 256, 0, ctx->stream>>>(*m);
    s = check_launch(ctx, "moments init_kernel");
  }
  if (s) {
    moments_destroy(m);
    return s;
  }
  *out = m;
  return kOk;
}

void moments_destroy(DeCudaMoments* m) {
  if (!m) return;
  for (void* p : {static_cast<void*>(m->n), static_cast<void*>(m->mean), static_cast<void*>(m->m2),
                  static_cast<void*>(m->m3), static_cast<void*>(m->slog), static_cast<void*>(m->slog1m),
                  static_cast<void*>(m->min), static_cast<void*>(m->max), static_cast<void*>(m->hist),
                  static_cast<void*>(m->partial)})
    if (p) cudaFree(p);
  delete m;
}

DeCudaStatus moments_add(DeCudaContext* ctx, DeCudaMoments* m, int64_t col0, int64_t cols, const float* values,
                         int64_t rows, int64_t ld, const float* logits, int64_t ldLogits) {
  LogSource logs;
  logs.logits = logits;
  logs.ld = ldLogits;
  if (logits && ldLogits < cols) return fail(ctx, kInvalid, "moments_add: ld_logits < cols");
  return moments_accumulate(ctx, m, col0, cols, values, rows, ld, logs);
}

DeCudaStatus moments_read(DeCudaContext* ctx, const DeCudaMoments* m, DeCudaMomentsHost* out) {
  const size_t bytes = sizeof(double) * m->neurons;
  std::vector<double> n(m->neurons);
  DeCudaStatus s = download(ctx, n.data(), m->n, bytes);
  const std::pair<double*, const double*> copies[] = {{out->mean, m->mean}, {out->m2, m->m2},
                                                      {out->m3, m->m3},     {out->sum_log, m->slog},
                                                      {out->sum_log1m, m->slog1m}, {out->min, m->min},
                                                      {out->max, m->max}};
  for (const auto& c : copies)
    if (!s && c.first) s = download(ctx, c.first, c.second, bytes);
  if (!s && out->histogram && m->hist)
    s = download(ctx, out->histogram, m->hist, sizeof(uint64_t) * m->neurons * m->bins);
  if (s) return s;
  for (int64_t i = 1; i < m->neurons; ++i)
    if (n[i] != n[0]) return fail(ctx, kInvalid, "moments_read: neurons were given different numbers of rows");
  out->count = static_cast<int64_t>(n[0]);
  return kOk;
}

}  // namespace de_cuda
