// The fused elementwise kernels of the network engine: gating with Philox gates regenerated where they
// are needed (never stored), activations (Section 3.1 logistic as σ(λS − ln c)), losses and their
// deltas (Section 5), the hidden-layer deltas, and the optimizer update.
#include <cmath>

#include "common/philox.h"
#include "cuda/device/network_kernels.h"

namespace de_cuda {
namespace {

// Four consecutive units share one Philox call (the contract's word = col & 3).
struct Gate4 {
  bool keep[4];
};
__device__ Gate4 gates4(const Gates& g, int64_t r, int64_t j0, int64_t units) {
  Gate4 out{{true, true, true, true}};
  if (!g.thr) return out;
  const de::U32x4 w = de::philox4x32_10(de::mask_counter(g.stream, g.row0 + r, static_cast<uint64_t>(j0)),
                                        static_cast<uint32_t>(g.seed), static_cast<uint32_t>(g.seed >> 32));
#pragma unroll
  for (int k = 0; k < 4; ++k)
    out.keep[k] = j0 + k < units && static_cast<uint64_t>(w.v[k]) < g.thr[j0 + k];
  return out;
}

__device__ float activate(UnitAct a, float s) {
  switch (a.kind) {
    case 0: {
      const float z = a.lambda * s - a.lnC;
      return z >= 0.0f ? 1.0f / (1.0f + expf(-z)) : expf(z) / (1.0f + expf(z));
    }
    case 3: return s > 0.0f ? s : 0.0f;
    case 4: return tanhf(s);
    default: return s;
  }
}

__device__ float derivative(UnitAct a, float s, float o) {
  switch (a.kind) {
    case 0: return a.lambda * o * (1.0f - o);
    case 3: return s > 0.0f ? 1.0f : 0.0f;
    case 4: return 1.0f - o * o;
    default: return 1.0f;
  }
}

__device__ double log_sigmoid(double z) { return fmin(z, 0.0) - log1p(exp(-fabs(z))); }

__global__ void gather_gate_kernel(const float* src, const int64_t* idx, int64_t rows, int64_t units, Gates g,
                                   float* Y) {
  const int64_t groups = (units + 3) >> 2;
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= rows * groups) return;
  const int64_t r = t / groups, j0 = (t % groups) << 2;
  const float* x = src + (idx ? idx[r] : 0) * units;
  const Gate4 k = gates4(g, r, j0, units);
#pragma unroll
  for (int q = 0; q < 4; ++q)
    if (j0 + q < units) Y[r * units + j0 + q] = k.keep[q] ? x[j0 + q] : 0.0f;
}

__global__ void activate_kernel(float* S, const float* bias, int64_t rows, int64_t units, UnitAct a, float* O,
                                Gates g, float* Y) {
  const int64_t groups = (units + 3) >> 2;
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= rows * groups) return;
  const int64_t r = t / groups, j0 = (t % groups) << 2;
  const Gate4 k = Y ? gates4(g, r, j0, units) : Gate4{};
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    const int64_t j = j0 + q, i = r * units + j;
    if (j >= units) break;
    const float s = S[i] + bias[j];
    const float o = activate(a, s);
    S[i] = s;
    O[i] = o;
    if (Y) Y[i] = k.keep[q] ? o : 0.0f;
  }
}

// One warp per row.
__global__ void softmax_kernel(float* S, const float* bias, int64_t rows, int64_t units, float* O, float* logO) {
  const int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.y) + threadIdx.y;
  if (r >= rows) return;
  float* s = S + r * units;
  float mx = -INFINITY;
  for (int64_t j = threadIdx.x; j < units; j += 32) {
    s[j] += bias[j];
    mx = fmaxf(mx, s[j]);
  }
  for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
  double sum = 0;
  for (int64_t j = threadIdx.x; j < units; j += 32) sum += exp(static_cast<double>(s[j]) - mx);
  for (int o = 16; o > 0; o >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
  const double lse = mx + log(sum);
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t j = threadIdx.x; j < units; j += 32) {
    O[r * units + j] = expf(s[j] - mx) * inv;
    if (logO) logO[r * units + j] = static_cast<float>(s[j] - lse);
  }
}

// One warp per row: the delta of the top layer and the row's loss (loss.h).
__global__ void loss_delta_kernel(UnitAct a, int32_t loss, const float* S, const float* O, int64_t rows,
                                  int64_t units, const int64_t* idx, const int32_t* labels, const float* values,
                                  float scale, float* dS, double* lossSum, unsigned long long* errors) {
  const int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.y) + threadIdx.y;
  if (r >= rows) return;
  const int64_t ex = idx ? idx[r] : r;
  const int32_t label = labels ? labels[ex] : -1;
  const float* t = values ? values + ex * units : nullptr;
  const float* s = S + r * units;
  const float* o = O + r * units;
  float* d = dS + r * units;
  auto target = [&](int64_t j) -> float { return t ? t[j] : (units == 1 ? static_cast<float>(label) : (j == label ? 1.0f : 0.0f)); };
  double lse = 0;
  if (a.kind == 2) {  // log Σ e^S for the softmax losses
    float mx = -INFINITY;
    for (int64_t j = threadIdx.x; j < units; j += 32) mx = fmaxf(mx, s[j]);
    for (int q = 16; q > 0; q >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, q));
    double sum = 0;
    for (int64_t j = threadIdx.x; j < units; j += 32) sum += exp(static_cast<double>(s[j]) - mx);
    for (int q = 16; q > 0; q >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, q);
    lse = mx + log(sum);
  }
  double part = 0, dot = 0;  // dot: Σ dO·O for the softmax Jacobian under squared error
  for (int64_t j = threadIdx.x; j < units; j += 32) {
    const float tj = target(j), oj = o[j];
    if (loss == 0) {
      if (a.kind == 2) {
        part += tj * (lse - s[j]);
        d[j] = scale * (oj - tj);
      } else {  // logistic: Bernoulli cross-entropy from the logit z = λS − ln c
        const double z = static_cast<double>(a.lambda) * s[j] - a.lnC;
        part -= tj * log_sigmoid(z) + (1.0 - tj) * log_sigmoid(-z);
        d[j] = scale * a.lambda * (oj - tj);
      }
    } else {
      part += 0.5 * static_cast<double>(oj - tj) * (oj - tj);
      const float dO = scale * (oj - tj);
      if (a.kind == 2) {
        d[j] = dO;
        dot += static_cast<double>(dO) * oj;
      } else {
        d[j] = dO * derivative(a, s[j], oj);
      }
    }
  }
  for (int q = 16; q > 0; q >>= 1) {
    part += __shfl_xor_sync(0xffffffffu, part, q);
    dot += __shfl_xor_sync(0xffffffffu, dot, q);
  }
  if (loss == 1 && a.kind == 2) {
    __syncwarp();
    for (int64_t j = threadIdx.x; j < units; j += 32) d[j] = o[j] * (d[j] - static_cast<float>(dot));
  }
  if (threadIdx.x == 0) {
    atomicAdd(lossSum, part);
    // Classification error (loss.h): argmax, or the 0.5 threshold for a single output.
    bool wrong;
    if (units == 1) {
      wrong = (o[0] >= 0.5f) != (target(0) >= 0.5f);
    } else {
      int64_t best = 0, want = label;
      for (int64_t j = 1; j < units; ++j)
        if (o[j] > o[best]) best = j;
      if (t) {
        want = 0;
        for (int64_t j = 1; j < units; ++j)
          if (t[j] > t[want]) want = j;
      }
      wrong = best != want;
    }
    if (wrong) atomicAdd(errors, 1ull);
  }
}

__global__ void derivative_kernel(float* d, const float* S, const float* O, int64_t rows, int64_t units, UnitAct a,
                                  Gates g) {
  const int64_t groups = (units + 3) >> 2;
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= rows * groups) return;
  const int64_t r = t / groups, j0 = (t % groups) << 2;
  const Gate4 k = gates4(g, r, j0, units);
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    const int64_t j = j0 + q, i = r * units + j;
    if (j >= units) break;
    d[i] = k.keep[q] ? d[i] * derivative(a, S[i], O[i]) : 0.0f;
  }
}

__global__ void column_sums_kernel(const float* dS, int64_t rows, int64_t units, float* gb) {
  const int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (j >= units) return;
  float s = 0.0f;
  for (int64_t r = 0; r < rows; ++r) s += dS[r * units + j];
  gb[j] = s;
}

__global__ void update_kernel(float* w, const float* grad, float* m, float* v, int64_t n, int64_t nWeights,
                              UpdateArgs u) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  float g = grad[i];
  if (i < nWeights) g += u.weightDecay * w[i];
  if (u.optimizer == 0) {  // SGD with momentum: v ← μ·v − lr·g, w ← w + v
    const float vel = u.momentum * m[i] - u.lr * g;
    m[i] = vel;
    w[i] += vel;
  } else {  // Adam with the bias corrections folded into alpha and epsHat
    const float mi = u.beta1 * m[i] + (1.0f - u.beta1) * g;
    const float vi = u.beta2 * v[i] + (1.0f - u.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    w[i] -= (u.alpha * mi) / (sqrtf(vi) + u.epsHat);
  }
}

// One warp per row.
__global__ void row_norms_kernel(const float* W, int64_t rows, int64_t cols, float* norms) {
  const int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.y) + threadIdx.y;
  if (r >= rows) return;
  double s = 0;
  for (int64_t j = threadIdx.x; j < cols; j += 32) s += static_cast<double>(W[r * cols + j]) * W[r * cols + j];
  for (int q = 16; q > 0; q >>= 1) s += __shfl_xor_sync(0xffffffffu, s, q);
  if (threadIdx.x == 0) norms[r] += static_cast<float>(s);
}

__global__ void cap_rows_kernel(float* W, int64_t rows, int64_t cols, const float* norms, float maxNorm) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= rows * cols) return;
  const float n = sqrtf(norms[t / cols]);
  if (n > maxNorm) W[t] *= maxNorm / n;
}

constexpr int kThreads = 256;
unsigned group_blocks(int64_t rows, int64_t units) { return blocks_for(rows * ((units + 3) >> 2), kThreads); }
dim3 warp_rows_grid(int64_t rows) { return dim3(blocks_for(rows, 8)); }
const dim3 kWarpRows(32, 8);

}  // namespace

DeCudaStatus launch_gather_gate(DeCudaContext* ctx, const float* src, const int64_t* idx, int64_t rows, int64_t units,
                                const Gates& g, float* Y) {
  gather_gate_kernel<<<group_blocks(rows, units), kThreads, 0, ctx->stream>>>(src, idx, rows, units, g, Y);
  return check_launch(ctx, "gather_gate_kernel");
}

DeCudaStatus launch_activate(DeCudaContext* ctx, float* S, const float* bias, int64_t rows, int64_t units, UnitAct a,
                             float* O, const Gates& g, float* Y) {
  activate_kernel<<<group_blocks(rows, units), kThreads, 0, ctx->stream>>>(S, bias, rows, units, a, O, g, Y);
  return check_launch(ctx, "activate_kernel");
}

DeCudaStatus launch_softmax(DeCudaContext* ctx, float* S, const float* bias, int64_t rows, int64_t units, float* O,
                            float* logO) {
  softmax_kernel<<<warp_rows_grid(rows), kWarpRows, 0, ctx->stream>>>(S, bias, rows, units, O, logO);
  return check_launch(ctx, "softmax_kernel");
}

DeCudaStatus launch_loss_delta(DeCudaContext* ctx, UnitAct a, int32_t loss, const float* S, const float* O,
                               int64_t rows, int64_t units, const int64_t* idx, const int32_t* labels,
                               const float* values, float scale, float* dS, double* lossSum,
                               unsigned long long* errors) {
  loss_delta_kernel<<<warp_rows_grid(rows), kWarpRows, 0, ctx->stream>>>(a, loss, S, O, rows, units, idx, labels,
                                                                        values, scale, dS, lossSum, errors);
  return check_launch(ctx, "loss_delta_kernel");
}

DeCudaStatus launch_derivative(DeCudaContext* ctx, float* d, const float* S, const float* O, int64_t rows,
                               int64_t units, UnitAct a, const Gates& g) {
  derivative_kernel<<<group_blocks(rows, units), kThreads, 0, ctx->stream>>>(d, S, O, rows, units, a, g);
  return check_launch(ctx, "derivative_kernel");
}

DeCudaStatus launch_column_sums(DeCudaContext* ctx, const float* dS, int64_t rows, int64_t units, float* gb) {
  column_sums_kernel<<<blocks_for(units, kThreads), kThreads, 0, ctx->stream>>>(dS, rows, units, gb);
  return check_launch(ctx, "column_sums_kernel");
}

DeCudaStatus launch_update(DeCudaContext* ctx, float* w, const float* grad, float* m, float* v, int64_t n,
                           int64_t nWeights, const UpdateArgs& u) {
  update_kernel<<<blocks_for(n, kThreads), kThreads, 0, ctx->stream>>>(w, grad, m, v, n, nWeights, u);
  return check_launch(ctx, "update_kernel");
}

DeCudaStatus launch_row_norms(DeCudaContext* ctx, const float* W, int64_t rows, int64_t cols, float* norms) {
  row_norms_kernel<<<warp_rows_grid(rows), kWarpRows, 0, ctx->stream>>>(W, rows, cols, norms);
  return check_launch(ctx, "row_norms_kernel");
}

DeCudaStatus launch_cap_rows(DeCudaContext* ctx, float* W, int64_t rows, int64_t cols, const float* norms,
                             float maxNorm) {
  cap_rows_kernel<<<blocks_for(rows * cols, kThreads), kThreads, 0, ctx->stream>>>(W, rows, cols, norms, maxNorm);
  return check_launch(ctx, "cap_rows_kernel");
}

}  // namespace de_cuda
