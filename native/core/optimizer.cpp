#include "core/optimizer.h"

#include <algorithm>
#include <cmath>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "core/network.h"
#include "core/parallel_rows.h"

namespace de {

namespace {
constexpr int64_t kChunk = 1 << 14;  // elements per elementwise task

// Adam (Kingma & Ba 2015) with the bias corrections folded into alpha and epsHat. A memory-bound
// stream over four arrays; sqrt keeps errno semantics in C++, which blocks the vectoriser, so the
// x86-64 baseline (SSE, no extra ISA flag) is used explicitly: sqrtps/divps are correctly rounded,
// exactly as the scalar tail, so the result does not depend on which path ran.
void adam_range(float* __restrict w, const float* __restrict g, float* __restrict m, float* __restrict v,
                int64_t n, float wd, float b1, float b2, float alpha, float epsHat) {
  int64_t i = 0;
#if defined(__SSE__)
  const __m128 vwd = _mm_set1_ps(wd), vb1 = _mm_set1_ps(b1), vb2 = _mm_set1_ps(b2);
  const __m128 va1 = _mm_set1_ps(1.0f - b1), va2 = _mm_set1_ps(1.0f - b2);
  const __m128 valpha = _mm_set1_ps(alpha), veps = _mm_set1_ps(epsHat);
  for (; i + 4 <= n; i += 4) {
    const __m128 wi = _mm_loadu_ps(w + i);
    const __m128 gi = _mm_add_ps(_mm_loadu_ps(g + i), _mm_mul_ps(vwd, wi));
    const __m128 mi = _mm_add_ps(_mm_mul_ps(vb1, _mm_loadu_ps(m + i)), _mm_mul_ps(va1, gi));
    const __m128 vi = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + i)), _mm_mul_ps(_mm_mul_ps(va2, gi), gi));
    _mm_storeu_ps(m + i, mi);
    _mm_storeu_ps(v + i, vi);
    const __m128 step = _mm_div_ps(_mm_mul_ps(valpha, mi), _mm_add_ps(_mm_sqrt_ps(vi), veps));
    _mm_storeu_ps(w + i, _mm_sub_ps(wi, step));
  }
#endif
  for (; i < n; ++i) {
    const float gi = g[i] + wd * w[i];
    const float mi = b1 * m[i] + (1.0f - b1) * gi;
    const float vi = b2 * v[i] + ((1.0f - b2) * gi) * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] -= (alpha * mi) / (std::sqrt(vi) + epsHat);
  }
}

// Section 5's gradient descent, with momentum: v ← μ·v − lr·g, w ← w + v.
void momentum_range(float* __restrict w, const float* __restrict g, float* __restrict m, int64_t n, float wd,
                    float lr, float mu) {
  for (int64_t i = 0; i < n; ++i) {
    const float mi = mu * m[i] - lr * (g[i] + wd * w[i]);
    m[i] = mi;
    w[i] += mi;
  }
}
}  // namespace

Result optimizer_step(Network& net, OptimizerState& st, float* grad, const UpdateParams& p, int threads) {
  const int64_t n = net.param_count();
  const int64_t nw = net.weight_count();
  const bool adam = st.kind == OptimizerKind::Adam;
  if (static_cast<int64_t>(st.m.size()) != n) st.m.assign(static_cast<size_t>(n), 0.0f);
  if (adam && static_cast<int64_t>(st.v.size()) != n) st.v.assign(static_cast<size_t>(n), 0.0f);
  if (!adam) st.v.clear();
  st.step += 1;
  float* w = net.params();
  float* m = st.m.data();
  float* v = adam ? st.v.data() : nullptr;
  const float lr = p.learningRate, mu = p.momentum, wd = p.weightDecay;
  const float b1 = p.beta1, b2 = p.beta2, eps = p.epsilon;
  // Adam's bias corrections folded into the step size and epsilon, in float64 for large steps.
  const double c1 = 1.0 - std::pow(static_cast<double>(b1), static_cast<double>(st.step));
  const double c2 = 1.0 - std::pow(static_cast<double>(b2), static_cast<double>(st.step));
  const float alpha = static_cast<float>(lr * std::sqrt(c2) / c1);
  const float epsHat = static_cast<float>(eps * std::sqrt(c2));
  const int64_t tasks = (n + kChunk - 1) / kChunk;
  auto body = [&](int64_t t, int) {
    const int64_t i0 = t * kChunk, i1 = std::min(n, i0 + kChunk);
    const int64_t split = std::max(i0, std::min(i1, nw));  // weights [i0, split), biases [split, i1)
    if (adam) {
      adam_range(w + i0, grad + i0, m + i0, v + i0, split - i0, wd, b1, b2, alpha, epsHat);
      adam_range(w + split, grad + split, m + split, v + split, i1 - split, 0.0f, b1, b2, alpha, epsHat);
    } else {
      momentum_range(w + i0, grad + i0, m + i0, split - i0, wd, lr, mu);
      momentum_range(w + split, grad + split, m + split, i1 - split, 0.0f, lr, mu);
    }
  };
  if (tasks > 1 && threads != 1) {
    net.pool()->parallel_for(tasks, threads, body);
  } else {
    for (int64_t t = 0; t < tasks; ++t) body(t, 0);
  }
  if (p.maxNorm > 0.0f) apply_max_norm(net, p.maxNorm, threads);
  return Result::success();
}

void apply_max_norm(Network& net, float maxNorm, int threads) {
  const int L = net.top();
  const double cap = maxNorm;
  for (int h = 1; h <= L; ++h) {
    const int64_t nh = net.units(h);
    int64_t fan = 0;
    for (int e : net.edges_into(h)) fan += net.units(net.edges()[e].l);
    parallel_rows(net.pool(), threads, nh, fan, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        double sq = 0;  // the norm of unit o's incoming weights, across all its `from` matrices
        for (int e : net.edges_into(h)) {
          const int64_t nl = net.units(net.edges()[e].l);
          const float* row = net.weights(e) + o * nl;
          for (int64_t j = 0; j < nl; ++j) sq += static_cast<double>(row[j]) * row[j];
        }
        if (sq <= cap * cap) continue;
        const float f = static_cast<float>(cap / std::sqrt(sq));
        for (int e : net.edges_into(h)) {
          const int64_t nl = net.units(net.edges()[e].l);
          float* row = net.weights(e) + o * nl;
          for (int64_t j = 0; j < nl; ++j) row[j] *= f;
        }
      }
    });
  }
}

}  // namespace de
