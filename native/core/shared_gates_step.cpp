#include "core/shared_gates_step.h"

#include <algorithm>

#include "core/activations.h"
#include "core/gemm.h"
#include "core/layer_delta.h"
#include "core/parallel_rows.h"

namespace de {

namespace {
// Layers whose units are gated for their readers (gather_unit_gates draws the same ones).
bool gated(const Network& net, int l) { return l < net.top() && !net.keeps_all(l) && !net.edges_from(l).empty(); }
}  // namespace

SharedGatesStep::SharedGatesStep(const Network& net, int64_t rows) : L_(net.top()) {
  const int L = L_;
  kept_.resize(L + 1); slot_.resize(L + 1);
  S_.resize(L + 1); O_.resize(L + 1); dS_.resize(L + 1); b_.resize(L + 1); db_.resize(L + 1);
  int64_t widest = 0;
  for (int h = 0; h <= L; ++h) {
    const int64_t n = net.units(h);
    widest = std::max(widest, n);
    kept_[h].reserve(static_cast<size_t>(n));
    slot_[h].assign(static_cast<size_t>(n), -1);
    if (h == 0) continue;
    S_[h].resize(static_cast<size_t>(rows * n)); O_[h].resize(S_[h].size()); dS_[h].resize(S_[h].size());
    b_[h].resize(static_cast<size_t>(n)); db_[h].resize(static_cast<size_t>(n));
  }
  gates_.resize(static_cast<size_t>(widest));
  W_.resize(net.edges().size()); dW_.resize(net.edges().size());
  for (size_t e = 0; e < net.edges().size(); ++e) {
    const Network::Edge& ed = net.edges()[e];
    W_[e].resize(static_cast<size_t>(net.units(ed.h) * net.units(ed.l)));
    dW_[e].resize(W_[e].size());
  }
  if (gated(net, 0)) input_.resize(static_cast<size_t>(rows * net.units(0)));
}

Result SharedGatesStep::draw(const Network& net, uint64_t seed, uint64_t gateRow, int threads) {
  for (int l = 0; l <= L_; ++l) {
    const int64_t n = net.units(l);
    std::vector<int64_t>& kept = kept_[l];
    kept.clear();
    std::fill(slot_[l].begin(), slot_[l].end(), -1);
    if (gated(net, l)) {
      Result r = fill_unit_masks(net, seed, MaskPurpose::Train, gateRow, 1, l, gates_.data(), threads);
      if (!r.ok()) return r;
      for (int64_t j = 0; j < n; ++j) if (gates_[j]) kept.push_back(j);
    } else {
      for (int64_t j = 0; j < n; ++j) kept.push_back(j);
    }
    for (size_t i = 0; i < kept.size(); ++i) slot_[l][kept[i]] = static_cast<int64_t>(i);
  }
  return Result::success();
}

void SharedGatesStep::gather_weights(const Network& net, int threads) {
  for (size_t e = 0; e < net.edges().size(); ++e) {
    const Network::Edge& ed = net.edges()[e];
    const std::vector<int64_t>& rowsKept = kept_[ed.h];
    const std::vector<int64_t>& colsKept = kept_[ed.l];
    const int64_t nl = net.units(ed.l), kl = static_cast<int64_t>(colsKept.size());
    const float* W = net.weights(static_cast<int>(e));
    float* Wc = W_[e].data();
    parallel_rows(net.pool(), threads, static_cast<int64_t>(rowsKept.size()), kl, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const float* src = W + rowsKept[i] * nl;
        float* dst = Wc + i * kl;
        for (int64_t j = 0; j < kl; ++j) dst[j] = src[colsKept[j]];
      }
    });
  }
  for (int h = 1; h <= L_; ++h) {
    const float* b = net.bias(h);
    for (size_t i = 0; i < kept_[h].size(); ++i) b_[h][i] = b[kept_[h][i]];
  }
}

void SharedGatesStep::scatter_gradients(const Network& net, float* grad, bool overwrite, int threads) const {
  const CompactGradient g = compact(net);
  for (size_t e = 0; e < net.edges().size(); ++e) {
    const Network::Edge& ed = net.edges()[e];
    const int64_t nh = net.units(ed.h), nl = net.units(ed.l);
    const int64_t kl = static_cast<int64_t>(kept_[ed.l].size());
    const std::vector<int64_t>& colsKept = kept_[ed.l];
    float* dW = grad + ed.offset;
    parallel_rows(net.pool(), threads, nh, nl, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        if (overwrite) {
          expand_weight_row(net, g, static_cast<int>(e), o, dW + o * nl);
          continue;
        }
        const int64_t i = slot_[ed.h][o];
        if (i < 0) continue;  // a dropped unit: nothing to add
        const float* src = dW_[e].data() + i * kl;
        for (int64_t j = 0; j < kl; ++j) dW[o * nl + colsKept[j]] += src[j];
      }
    });
  }
  for (int h = 1; h <= L_; ++h) {
    float* db = grad + net.bias_offset(h);
    if (overwrite) {
      expand_biases(net, g, h, db);
      continue;
    }
    for (size_t i = 0; i < kept_[h].size(); ++i) db[kept_[h][i]] += db_[h][i];
  }
}

CompactGradient SharedGatesStep::compact(const Network& net) const {
  CompactGradient g;
  for (size_t e = 0; e < net.edges().size(); ++e) g.dW.push_back(dW_[e].data());
  for (int h = 0; h <= L_; ++h) {
    g.db.push_back(db_[h].data());
    g.slot.push_back(&slot_[h]);
    g.kept.push_back(static_cast<int64_t>(kept_[h].size()));
  }
  return g;
}

Result SharedGatesStep::run(const Network& net, const float* input, int64_t rows, const Targets& t, Loss loss,
                            float scale, uint64_t seed, uint64_t gateRow, float* grad, bool overwrite, LossSums* sums,
                            int threads, Precision precision) {
  const int L = L_;
  ThreadPool* pool = net.pool();
  Result drawn = draw(net, seed, gateRow, threads);
  if (!drawn.ok()) return drawn;
  gather_weights(net, threads);

  // The kept inputs, side by side.
  const float* A0 = input;
  const int64_t ni = net.units(0), k0 = static_cast<int64_t>(kept_[0].size());
  if (!input_.empty()) {
    parallel_rows(pool, threads, rows, k0, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t j = 0; j < k0; ++j) input_[r * k0 + j] = input[r * ni + kept_[0][j]];
    });
    A0 = input_.data();
  }
  auto kept = [&](int l) { return static_cast<int64_t>(kept_[l].size()); };
  auto ld = [](int64_t n) { return std::max<int64_t>(1, n); };  // a layer may keep no unit at all
  auto source = [&](int l) -> const float* { return l == 0 ? A0 : O_[l].data(); };

  for (int h = 1; h <= L; ++h) {  // S_h = Σ_l O_l[kept] · W_hl[kept, kept]ᵀ + b_h[kept]
    const int64_t kh = kept(h);
    bool first = true;
    for (int e : net.edges_into(h)) {
      const int l = net.edges()[e].l;
      GemmArgs g;
      g.M = rows; g.N = kh; g.K = kept(l);
      g.ta = Trans::No; g.A = source(l); g.lda = ld(kept(l));
      g.tb = Trans::Yes; g.B = W_[e].data(); g.ldb = ld(kept(l));
      g.C = S_[h].data(); g.ldc = ld(kh);
      g.beta = first ? 0.0f : 1.0f;
      g.bias = first ? b_[h].data() : nullptr;
      g.precision = precision;
      Result r = masked_gemm(g, pool, threads);
      if (!r.ok()) return r;
      first = false;
    }
    const LayerSpec& spec = net.layer(h);
    float* S = S_[h].data();
    float* O = O_[h].data();
    parallel_rows(pool, threads, rows, kh, [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; ++i) activate_row(spec, S + i * kh, O + i * kh, kh);
    });
  }
  const int64_t outputs = net.units(L);
  loss_and_delta(net.layer(L), loss, S_[L].data(), O_[L].data(), rows, outputs, t, scale, dS_[L].data(), sums);

  std::vector<bool> started(static_cast<size_t>(L + 1), false);
  for (int h = L; h >= 1; --h) {
    const int64_t kh = kept(h);
    float* d = dS_[h].data();
    layer_delta_and_bias(net.layer(h), h < L, started[h], S_[h].data(), O_[h].data(), d, rows, kh, db_[h].data(), pool, threads);
    for (int e : net.edges_into(h)) {
      const int l = net.edges()[e].l;
      GemmArgs gw;  // dW[kept_h × kept_l] = dᵀ · O_l
      gw.M = kh; gw.N = kept(l); gw.K = rows;
      gw.ta = Trans::Yes; gw.A = d; gw.lda = ld(kh);
      gw.tb = Trans::No; gw.B = source(l); gw.ldb = ld(kept(l));
      gw.C = dW_[e].data(); gw.ldc = ld(kept(l));
      gw.precision = precision;
      Result r = masked_gemm(gw, pool, threads);
      if (!r.ok()) return r;
      if (l > 0) {
        GemmArgs ga;  // dO_l[rows × kept_l] (+)= d · W
        ga.M = rows; ga.N = kept(l); ga.K = kh;
        ga.A = d; ga.lda = ld(kh);
        ga.B = W_[e].data(); ga.ldb = ld(kept(l));
        ga.C = dS_[l].data(); ga.ldc = ld(kept(l));
        ga.beta = started[l] ? 1.0f : 0.0f;
        ga.precision = precision;
        r = masked_gemm(ga, pool, threads);
        if (!r.ok()) return r;
        started[l] = true;
      }
    }
  }
  if (grad) scatter_gradients(net, grad, overwrite, threads);
  return Result::success();
}

}  // namespace de
