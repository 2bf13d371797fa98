#include "core/optimizer.h"

#include <algorithm>
#include <cmath>
#include <vector>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "core/network.h"
#include "core/parallel_rows.h"

namespace de {

namespace {

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

namespace {

// The flat gradient: rows are read in place.
struct FlatRows {
  const Network& net;
  const float* grad;
  const float* weights_row(int e, int64_t o, float*) const {
    return grad + net.edges()[e].offset + o * net.units(net.edges()[e].l);
  }
  const float* biases(int h, float*) const { return grad + net.bias_offset(h); }
};

// The compact gradient: a row is expanded into the task's scratch (zeros at dropped units).
struct CompactRows {
  const Network& net;
  const CompactGradient& g;
  const float* weights_row(int e, int64_t o, float* scratch) const {
    expand_weight_row(net, g, e, o, scratch);
    return scratch;
  }
  const float* biases(int h, float* scratch) const {
    expand_biases(net, g, h, scratch);
    return scratch;
  }
};

// Scales the unit's incoming weights (rows o of every matrix into h) to norm cap when longer.
void cap_row(Network& net, int h, int64_t o, double cap) {
  // The squared norm of unit o's incoming weights, across all its `from` matrices, in float64 with
  // eight running sums (a single chain of dependent additions made this the costliest pass of a step).
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  double sq = 0;
  for (int e : net.edges_into(h)) {
    const int64_t nl = net.units(net.edges()[e].l);
    const float* row = net.weights(e) + o * nl;
    int64_t j = 0;
    for (; j + 8 <= nl; j += 8)
      for (int k = 0; k < 8; ++k) part[k] += static_cast<double>(row[j + k]) * row[j + k];
    for (; j < nl; ++j) sq += static_cast<double>(row[j]) * row[j];
  }
  sq += ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  if (sq <= cap * cap) return;
  const float f = static_cast<float>(cap / std::sqrt(sq));
  for (int e : net.edges_into(h)) {
    const int64_t nl = net.units(net.edges()[e].l);
    float* row = net.weights(e) + o * nl;
    for (int64_t j = 0; j < nl; ++j) row[j] *= f;
  }
}

template <typename Rows>
Result step_rows(Network& net, OptimizerState& st, const Rows& rows, const UpdateParams& p, int threads) {
  const int64_t n = net.param_count();
  const bool adam = st.kind == OptimizerKind::Adam;
  if (static_cast<int64_t>(st.m.size()) != n) st.m.assign(static_cast<size_t>(n), 0.0f);
  if (adam && static_cast<int64_t>(st.v.size()) != n) st.v.assign(static_cast<size_t>(n), 0.0f);
  if (!adam) st.v.clear();
  st.step += 1;
  float* w = net.params();
  float* m = st.m.data();
  float* v = adam ? st.v.data() : nullptr;
  const float mu = p.momentum, wd = p.weightDecay;
  const float b1 = p.beta1, b2 = p.beta2, eps = p.epsilon;
  // Adam's bias corrections folded into the step size and epsilon, in float64 for large steps.
  const double c1 = 1.0 - std::pow(static_cast<double>(b1), static_cast<double>(st.step));
  const double c2 = 1.0 - std::pow(static_cast<double>(b2), static_cast<double>(st.step));
  const float epsHat = static_cast<float>(eps * std::sqrt(c2));
  // Layer h's step: SGD's learning rate, or Adam's alpha, with the layer's factor (1 without one).
  struct Step {
    float lr, alpha;
  };
  auto layer_step = [&](int h) {
    const double lr = static_cast<double>(p.learningRate) * (p.learningRateScale ? p.learningRateScale[h - 1] : 1.0f);
    return Step{static_cast<float>(lr), static_cast<float>(lr * std::sqrt(c2) / c1)};
  };
  auto update = [&](const Step& s, int64_t at, const float* g, int64_t count, float decay) {
    if (adam) adam_range(w + at, g, m + at, v + at, count, decay, b1, b2, s.alpha, epsHat);
    else momentum_range(w + at, g, m + at, count, decay, s.lr, mu);
  };
  const int L = net.top();
  int64_t widest = 0;
  for (int h = 0; h <= L; ++h) widest = std::max(widest, net.units(h));
  for (int h = 1; h <= L; ++h) {
    int64_t fan = 0;
    for (int e : net.edges_into(h)) fan += net.units(net.edges()[e].l);
    const Step step = layer_step(h);
    parallel_rows(net.pool(), threads, net.units(h), fan, [&](int64_t o0, int64_t o1) {
      thread_local std::vector<float> scratch;  // a row of a compact gradient, expanded
      if (static_cast<int64_t>(scratch.size()) < widest) scratch.resize(static_cast<size_t>(widest));
      for (int64_t o = o0; o < o1; ++o) {
        for (int e : net.edges_into(h)) {
          const int64_t nl = net.units(net.edges()[e].l);
          update(step, net.edges()[e].offset + o * nl, rows.weights_row(e, o, scratch.data()), nl, wd);
        }
        if (p.maxNorm > 0.0f) cap_row(net, h, o, p.maxNorm);
      }
    });
  }
  std::vector<float> scratch(static_cast<size_t>(widest));
  for (int h = 1; h <= L; ++h) update(layer_step(h), net.bias_offset(h), rows.biases(h, scratch.data()), net.units(h), 0.0f);
  return Result::success();
}

}  // namespace

Result optimizer_step(Network& net, OptimizerState& st, const float* grad, const UpdateParams& p, int threads) {
  return step_rows(net, st, FlatRows{net, grad}, p, threads);
}

Result optimizer_step(Network& net, OptimizerState& st, const CompactGradient& grad, const UpdateParams& p,
                      int threads) {
  return step_rows(net, st, CompactRows{net, grad}, p, threads);
}

void expand_weight_row(const Network& net, const CompactGradient& g, int e, int64_t o, float* out) {
  const Network::Edge& ed = net.edges()[e];
  const int64_t nl = net.units(ed.l), i = (*g.slot[ed.h])[o];
  if (i < 0) {  // a dropped unit: no gradient reaches its weights
    std::fill(out, out + nl, 0.0f);
    return;
  }
  const float* src = g.dW[e] + i * g.kept[ed.l];
  const std::vector<int64_t>& col = *g.slot[ed.l];
  for (int64_t j = 0; j < nl; ++j) out[j] = col[j] < 0 ? 0.0f : src[col[j]];
}

void expand_biases(const Network& net, const CompactGradient& g, int h, float* out) {
  const std::vector<int64_t>& slot = *g.slot[h];
  for (int64_t o = 0; o < net.units(h); ++o) out[o] = slot[o] < 0 ? 0.0f : g.db[h][slot[o]];
}

void apply_max_norm(Network& net, float maxNorm, int threads) {
  for (int h = 1; h <= net.top(); ++h) {
    int64_t fan = 0;
    for (int e : net.edges_into(h)) fan += net.units(net.edges()[e].l);
    parallel_rows(net.pool(), threads, net.units(h), fan, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) cap_row(net, h, o, maxNorm);
    });
  }
}

}  // namespace de
