// The network engine on the GPU (network.h's design: flat parameters, raw 0/1 gates regenerated from
// Philox with mask_streams.h's streams, no inverted dropout). Data are copied in once; a training call
// runs all its minibatches — forward, loss, backward, update — and a Monte Carlo run all its passes
// and moment merges on the device, with no host round trip per layer or per batch.
#include <cmath>
#include <string>
#include <vector>

#include "common/mask_streams.h"
#include "common/keep_threshold.h"
#include "common/limits.h"
#include "cuda/device/moments.cuh"
#include "cuda/device/network_kernels.h"
#include "cuda/device/ops.h"

struct DeCudaNet {
  struct Edge {
    int h = 0, l = 0;
    int64_t offset = 0;
  };
  DeCudaContext* ctx = nullptr;
  int L = 0;
  std::vector<int64_t> units;         // [L+1]
  std::vector<de_cuda::UnitAct> act;  // [L+1], entry 0 unused
  std::vector<Edge> edges;
  std::vector<std::vector<int>> into;  // edges by reader h
  std::vector<int64_t> biasOffset;     // [L+1]
  int64_t nParams = 0, nWeights = 0, maxRows = 0;
  std::vector<uint64_t*> thr;          // [L]: device thresholds of layer l's gates; null when all keep = 1
  float *params = nullptr, *grad = nullptr, *m = nullptr, *v = nullptr, *norms = nullptr;
  std::vector<float*> S, O, Y, dS;     // [L+1] activations; Y[l] gated outputs read by the layers above
  float* logSoftmax = nullptr;         // [maxRows × units_L] for Monte Carlo statistics
  double* lossSum = nullptr;
  unsigned long long* errors = nullptr;
  // Training data (device) and the order of the current call.
  float* inputs = nullptr;
  int32_t* labels = nullptr;
  float* values = nullptr;
  int64_t count = 0;
  int64_t* order = nullptr;
  int64_t orderCapacity = 0;
  std::vector<void*> owned;  // every device allocation, freed by net_destroy
};

namespace de_cuda {
namespace {

template <typename T>
DeCudaStatus device_array(DeCudaNet* net, int64_t n, T** out) {
  void* p = nullptr;
  if (DeCudaStatus s = check(net->ctx, cudaMalloc(&p, sizeof(T) * static_cast<size_t>(n)), "cudaMalloc(network)"))
    return s;
  net->owned.push_back(p);
  *out = static_cast<T*>(p);
  return kOk;
}

DeCudaStatus validate(DeCudaContext* ctx, const DeCudaNetSpec* s) {
  if (!s || s->inputs <= 0 || s->n_layers <= 0 || !s->layers || s->max_rows <= 0)
    return fail(ctx, kInvalid, "net_create: inputs, layers and max_rows must be positive");
  if (s->dropout != 0)
    return fail(ctx, kUnsupported, "net_create: connection dropout (Eq. 3) is not available on the CUDA backend");
  if (s->n_layers > de::kMaxLayers) return fail(ctx, kInvalid, "net_create: too many layers");
  for (int h = 1; h <= s->n_layers; ++h) {
    const DeCudaLayer& y = s->layers[h - 1];
    if (y.units <= 0 || y.activation < 0 || y.activation > 4 || y.n_from <= 0 || !y.h_from)
      return fail(ctx, kInvalid, "net_create: layer " + std::to_string(h) + " has bad units, activation or from");
    if (y.activation == 2 && h != s->n_layers)
      return fail(ctx, kInvalid, "net_create: softmax is only for the top layer");
    if (y.activation == 0 && !(y.c > 0 && y.lambda != 0))
      return fail(ctx, kInvalid, "net_create: logistic needs c > 0 and lambda != 0");
    for (int k = 0; k < y.n_from; ++k)
      if (y.h_from[k] < 0 || y.h_from[k] >= h || (k > 0 && y.h_from[k] <= y.h_from[k - 1]))
        return fail(ctx, kInvalid, "net_create: layer " + std::to_string(h) + " has a bad from list");
    if (h < s->n_layers && !y.h_keep) return fail(ctx, kInvalid, "net_create: hidden layers need their keeps");
  }
  if (!s->h_input_keep) return fail(ctx, kInvalid, "net_create: input keeps are required");
  return kOk;
}

Gates gates_of(const DeCudaNet* net, int l, uint64_t seed, uint32_t purpose, uint64_t row0) {
  Gates g;
  g.seed = seed;
  g.stream = de::unit_stream(static_cast<de::MaskPurpose>(purpose), l);
  g.row0 = row0;
  g.thr = net->thr[l];
  return g;
}

// Forward pass of `rows` rows: Y[0] already holds the gated input. Training layers get gated Y.
DeCudaStatus forward(DeCudaNet* net, int64_t rows, uint64_t seed, uint32_t purpose, uint64_t row0, bool logSoftmax) {
  DeCudaContext* ctx = net->ctx;
  for (int h = 1; h <= net->L; ++h) {
    const int64_t uh = net->units[h];
    float beta = 0.0f;
    for (int e : net->into[h]) {
      const DeCudaNet::Edge& E = net->edges[e];
      const int64_t ul = net->units[E.l];
      // S_h (+)= Y_l · W_hlᵀ  (Eq. 1 with the gates already applied to Y_l)
      if (DeCudaStatus s = sgemm_rowmajor(ctx, false, true, rows, uh, ul, net->Y[E.l], ul, net->params + E.offset, ul,
                                          beta, net->S[h], uh))
        return s;
      beta = 1.0f;
    }
    const float* bias = net->params + net->biasOffset[h];
    DeCudaStatus s;
    if (net->act[h].kind == 2)
      s = launch_softmax(ctx, net->S[h], bias, rows, uh, net->O[h], logSoftmax ? net->logSoftmax : nullptr);
    else
      s = launch_activate(ctx, net->S[h], bias, rows, uh, net->act[h], net->O[h], gates_of(net, h, seed, purpose, row0),
                          h < net->L ? net->Y[h] : nullptr);
    if (s) return s;
  }
  return kOk;
}

// Gradient (flat layout, summed over rows) from dS[L] already set by the loss.
DeCudaStatus backward(DeCudaNet* net, int64_t rows, uint64_t seed, uint32_t purpose, uint64_t row0) {
  DeCudaContext* ctx = net->ctx;
  std::vector<bool> touched(net->L + 1, false);
  for (int h = net->L; h >= 1; --h) {
    const int64_t uh = net->units[h];
    if (h < net->L) {
      if (!touched[h]) {  // nobody reads layer h: its units get no gradient
        if (DeCudaStatus s = check(ctx, cudaMemsetAsync(net->dS[h], 0, sizeof(float) * rows * uh, ctx->stream),
                                   "clear delta"))
          return s;
      } else if (DeCudaStatus s = launch_derivative(ctx, net->dS[h], net->S[h], net->O[h], rows, uh, net->act[h],
                                                    gates_of(net, h, seed, purpose, row0))) {
        return s;
      }
    }
    if (DeCudaStatus s = launch_column_sums(ctx, net->dS[h], rows, uh, net->grad + net->biasOffset[h])) return s;
    for (int e : net->into[h]) {
      const DeCudaNet::Edge& E = net->edges[e];
      const int64_t ul = net->units[E.l];
      // ∂E/∂W_hl = dS_hᵀ · Y_l
      if (DeCudaStatus s = sgemm_rowmajor(ctx, true, false, uh, ul, rows, net->dS[h], uh, net->Y[E.l], ul, 0.0f,
                                          net->grad + E.offset, ul))
        return s;
      if (E.l == 0) continue;
      // ∂E/∂Y_l += dS_h · W_hl (summed over every reader h of l)
      if (DeCudaStatus s = sgemm_rowmajor(ctx, false, false, rows, ul, uh, net->dS[h], uh, net->params + E.offset, ul,
                                          touched[E.l] ? 1.0f : 0.0f, net->dS[E.l], ul))
        return s;
      touched[E.l] = true;
    }
  }
  return kOk;
}

DeCudaStatus max_norm(DeCudaNet* net, float maxNorm) {
  DeCudaContext* ctx = net->ctx;
  for (int h = 1; h <= net->L; ++h) {
    const int64_t uh = net->units[h];
    if (DeCudaStatus s = check(ctx, cudaMemsetAsync(net->norms, 0, sizeof(float) * uh, ctx->stream), "clear norms"))
      return s;
    for (int e : net->into[h])
      if (DeCudaStatus s = launch_row_norms(ctx, net->params + net->edges[e].offset, uh, net->units[net->edges[e].l],
                                            net->norms))
        return s;
    for (int e : net->into[h])
      if (DeCudaStatus s = launch_cap_rows(ctx, net->params + net->edges[e].offset, uh, net->units[net->edges[e].l],
                                           net->norms, maxNorm))
        return s;
  }
  return kOk;
}

// One optimizer step. With per-layer factors on the step, one launch per weight matrix and per bias
// vector, each with its layer's step (the CPU's optimizer.cpp computes alpha the same way, in
// float64); without them, one launch over every parameter.
DeCudaStatus update(DeCudaNet* net, const DeCudaTrainArgs* t, UpdateArgs u, double c1, double c2) {
  DeCudaContext* ctx = net->ctx;
  auto layer_args = [&](int h) {
    const double lr = static_cast<double>(t->learning_rate) * (t->h_learning_rate_scale ? t->h_learning_rate_scale[h - 1] : 1.0f);
    u.lr = static_cast<float>(lr);
    u.alpha = static_cast<float>(lr * std::sqrt(c2) / c1);
    return u;
  };
  auto part = [&](int64_t at, int64_t n, bool weights, const UpdateArgs& a) {
    return launch_update(ctx, net->params + at, net->grad + at, net->m + at, net->v + at, n, weights ? n : 0, a);
  };
  if (!t->h_learning_rate_scale)
    return launch_update(ctx, net->params, net->grad, net->m, net->v, net->nParams, net->nWeights, layer_args(1));
  for (const DeCudaNet::Edge& e : net->edges)
    if (DeCudaStatus s = part(e.offset, net->units[e.h] * net->units[e.l], true, layer_args(e.h))) return s;
  for (int h = 1; h <= net->L; ++h)
    if (DeCudaStatus s = part(net->biasOffset[h], net->units[h], false, layer_args(h))) return s;
  return kOk;
}

}  // namespace

DeCudaStatus net_create(DeCudaContext* ctx, const DeCudaNetSpec* spec, DeCudaNet** out) {
  *out = nullptr;
  if (DeCudaStatus s = validate(ctx, spec)) return s;
  auto* net = new DeCudaNet();
  net->ctx = ctx;
  const int L = net->L = spec->n_layers;
  net->maxRows = spec->max_rows;
  net->units.assign(L + 1, 0);
  net->act.assign(L + 1, UnitAct{});
  net->into.resize(L + 1);
  net->units[0] = spec->inputs;
  int64_t offset = 0;
  for (int h = 1; h <= L; ++h) {
    const DeCudaLayer& y = spec->layers[h - 1];
    net->units[h] = y.units;
    net->act[h].kind = y.activation;
    net->act[h].lambda = static_cast<float>(y.lambda);
    net->act[h].lnC = static_cast<float>(std::log(y.c));
    for (int k = 0; k < y.n_from; ++k) {
      net->into[h].push_back(static_cast<int>(net->edges.size()));
      net->edges.push_back({h, y.h_from[k], offset});
      offset += y.units * net->units[y.h_from[k]];
    }
  }
  net->nWeights = offset;
  net->biasOffset.assign(L + 1, 0);
  for (int h = 1; h <= L; ++h) {
    net->biasOffset[h] = offset;
    offset += net->units[h];
  }
  net->nParams = offset;

  DeCudaStatus s = kOk;
  int64_t widest = 0;
  for (int64_t u : net->units) widest = u > widest ? u : widest;
  for (float** p : {&net->params, &net->grad, &net->m, &net->v})
    if (!s) s = device_array(net, net->nParams, p);
  if (!s) s = device_array(net, widest, &net->norms);
  if (!s) s = device_array(net, net->maxRows * net->units[L], &net->logSoftmax);
  if (!s) s = device_array(net, 1, &net->lossSum);
  if (!s) s = device_array(net, 1, &net->errors);
  net->S.assign(L + 1, nullptr);
  net->O.assign(L + 1, nullptr);
  net->Y.assign(L + 1, nullptr);
  net->dS.assign(L + 1, nullptr);
  net->thr.assign(L, nullptr);
  for (int h = 0; h <= L && !s; ++h) {
    const int64_t n = net->maxRows * net->units[h];
    if (h >= 1) {
      s = device_array(net, n, &net->S[h]);
      if (!s) s = device_array(net, n, &net->O[h]);
      if (!s) s = device_array(net, n, &net->dS[h]);
    }
    if (!s && h < L) s = device_array(net, n, &net->Y[h]);
    if (!s && h < L) {  // thresholds as the CPU derives them (common/keep_threshold.h)
      const float* keep = h == 0 ? spec->h_input_keep : spec->layers[h - 1].h_keep;
      std::vector<uint64_t> t(net->units[h]);
      bool all = true;
      for (int64_t j = 0; j < net->units[h]; ++j) {
        t[j] = de::keep_threshold(static_cast<double>(keep[j]));
        all = all && keep[j] >= 1.0f;
      }
      if (!all) {
        s = device_array(net, net->units[h], &net->thr[h]);
        if (!s) s = upload(ctx, net->thr[h], t.data(), sizeof(uint64_t) * t.size());
      }
    }
  }
  if (!s) s = check(ctx, cudaMemsetAsync(net->m, 0, sizeof(float) * net->nParams, ctx->stream), "clear moments");
  if (!s) s = check(ctx, cudaMemsetAsync(net->v, 0, sizeof(float) * net->nParams, ctx->stream), "clear moments");
  if (s) {
    net_destroy(net);
    return s;
  }
  *out = net;
  return kOk;
}

void net_destroy(DeCudaNet* net) {
  if (!net) return;
  cudaStreamSynchronize(net->ctx->stream);
  for (void* p : net->owned) cudaFree(p);
  delete net;
}

DeCudaStatus net_set_params(DeCudaNet* net, const float* h, int64_t n) {
  if (n != net->nParams) return fail(net->ctx, kInvalid, "net_set_params: expected " + std::to_string(net->nParams));
  return upload(net->ctx, net->params, h, sizeof(float) * n);
}

DeCudaStatus net_get_params(DeCudaNet* net, float* h, int64_t n) {
  if (n != net->nParams) return fail(net->ctx, kInvalid, "net_get_params: expected " + std::to_string(net->nParams));
  return download(net->ctx, h, net->params, sizeof(float) * n);
}

DeCudaStatus net_set_data(DeCudaNet* net, const float* inputs, int64_t count, const int32_t* labels,
                          const float* values) {
  DeCudaContext* ctx = net->ctx;
  if (count <= 0 || !inputs || (!labels == !values))
    return fail(ctx, kInvalid, "net_set_data: count > 0, inputs and exactly one of labels / values are required");
  for (void** p : {reinterpret_cast<void**>(&net->inputs), reinterpret_cast<void**>(&net->labels),
                   reinterpret_cast<void**>(&net->values)}) {
    if (!*p) continue;
    if (DeCudaStatus s = free_mem(ctx, *p)) return s;
    for (auto& o : net->owned)
      if (o == *p) o = nullptr;
    *p = nullptr;
  }
  const int64_t outputs = net->units[net->L];
  net->count = 0;
  DeCudaStatus s = device_array(net, count * net->units[0], &net->inputs);
  if (!s) s = upload(ctx, net->inputs, inputs, sizeof(float) * count * net->units[0]);
  if (!s && labels) s = device_array(net, count, &net->labels);
  if (!s && labels) s = upload(ctx, net->labels, labels, sizeof(int32_t) * count);
  if (!s && values) s = device_array(net, count * outputs, &net->values);
  if (!s && values) s = upload(ctx, net->values, values, sizeof(float) * count * outputs);
  if (!s) net->count = count;
  return s;
}

DeCudaStatus net_train(DeCudaNet* net, const DeCudaTrainArgs* t, const int64_t* order, int64_t first, int64_t n,
                       int64_t batch, uint64_t row0, int64_t step, double* lossSum, const volatile int32_t* cancel) {
  DeCudaContext* ctx = net->ctx;
  if (!t || !order || n < 0 || first < 0 || batch <= 0 || batch > net->maxRows || net->count == 0)
    return fail(ctx, kInvalid, "net_train: needs data, an order, and 0 < batch <= max_rows");
  if (t->optimizer < 0 || t->optimizer > 1 || t->loss < 0 || t->loss > 1)
    return fail(ctx, kInvalid, "net_train: unknown optimizer or loss");
  const UnitAct top = net->act[net->L];
  if (t->loss == 0 && top.kind != 0 && top.kind != 2)
    return fail(ctx, kInvalid, "net_train: cross-entropy needs a softmax or logistic top layer");
  for (int64_t i = 0; i < n; ++i)
    if (order[first + i] < 0 || order[first + i] >= net->count)
      return fail(ctx, kInvalid, "net_train: order holds an index outside the data");
  if (n == 0) return kOk;
  if (net->orderCapacity < n) {
    if (net->order) {
      if (DeCudaStatus s = free_mem(ctx, net->order)) return s;
      for (auto& o : net->owned)
        if (o == net->order) o = nullptr;
    }
    net->order = nullptr;
    net->orderCapacity = 0;
    if (DeCudaStatus s = device_array(net, n, &net->order)) return s;
    net->orderCapacity = n;
  }
  if (DeCudaStatus s = upload(ctx, net->order, order + first, sizeof(int64_t) * n)) return s;
  if (DeCudaStatus s = check(ctx, cudaMemsetAsync(net->lossSum, 0, sizeof(double), ctx->stream), "clear loss")) return s;
  if (DeCudaStatus s = check(ctx, cudaMemsetAsync(net->errors, 0, sizeof(unsigned long long), ctx->stream), "clear"))
    return s;

  UpdateArgs u;
  u.optimizer = t->optimizer;
  u.lr = t->learning_rate;
  u.momentum = t->momentum;
  u.beta1 = t->beta1;
  u.beta2 = t->beta2;
  u.eps = t->epsilon;
  u.weightDecay = t->weight_decay;
  const int64_t outputs = net->units[net->L];
  for (int64_t b0 = 0; b0 < n; b0 += batch) {
    if (cancel && *cancel) return fail(ctx, kCancelled, "net_train: cancelled");
    const int64_t rows = n - b0 < batch ? n - b0 : batch;
    const uint64_t r0 = row0 + static_cast<uint64_t>(b0);
    const int64_t* idx = net->order + b0;
    DeCudaStatus s = launch_gather_gate(ctx, net->inputs, idx, rows, net->units[0],
                                        gates_of(net, 0, t->seed, t->mask_purpose, r0), net->Y[0]);
    if (!s) s = forward(net, rows, t->seed, t->mask_purpose, r0, false);
    if (!s)
      s = launch_loss_delta(ctx, top, t->loss, net->S[net->L], net->O[net->L], rows, outputs, idx, net->labels,
                            net->values, 1.0f / static_cast<float>(rows), net->dS[net->L], net->lossSum, net->errors);
    if (!s) s = backward(net, rows, t->seed, t->mask_purpose, r0);
    if (!s) {
      const double k = static_cast<double>(step + 1 + b0 / batch);
      const double c1 = 1.0 - std::pow(static_cast<double>(t->beta1), k);
      const double c2 = 1.0 - std::pow(static_cast<double>(t->beta2), k);
      u.epsHat = static_cast<float>(t->epsilon * std::sqrt(c2));
      s = update(net, t, u, c1, c2);
    }
    if (!s && t->max_norm > 0) s = max_norm(net, t->max_norm);
    if (s) return s;
  }
  double sum = 0;
  if (DeCudaStatus s = download(ctx, &sum, net->lossSum, sizeof sum)) return s;
  if (lossSum) *lossSum = sum;
  return kOk;
}

DeCudaStatus net_mc_stats(DeCudaNet* net, const float* input, int64_t samples, uint64_t seed, uint32_t purpose,
                          uint64_t row0, int64_t rowsPerPass, DeCudaMoments* stats) {
  return net_mc_stats_s(net, input, samples, seed, purpose, row0, rowsPerPass, stats, nullptr);
}

DeCudaStatus net_set_moments(DeCudaNet* net, const float* m, const float* v, int64_t n) {
  DeCudaContext* ctx = net->ctx;
  if (n != net->nParams) return fail(ctx, kInvalid, "net_set_moments: expected " + std::to_string(net->nParams));
  const size_t bytes = sizeof(float) * static_cast<size_t>(n);
  DeCudaStatus s = m ? upload(ctx, net->m, m, bytes) : check(ctx, cudaMemsetAsync(net->m, 0, bytes, ctx->stream), "clear m");
  if (!s) s = v ? upload(ctx, net->v, v, bytes) : check(ctx, cudaMemsetAsync(net->v, 0, bytes, ctx->stream), "clear v");
  return s;
}

DeCudaStatus net_get_moments(DeCudaNet* net, float* m, float* v, int64_t n) {
  DeCudaContext* ctx = net->ctx;
  if (n != net->nParams) return fail(ctx, kInvalid, "net_get_moments: expected " + std::to_string(net->nParams));
  const size_t bytes = sizeof(float) * static_cast<size_t>(n);
  DeCudaStatus s = m ? download(ctx, m, net->m, bytes) : kOk;
  if (!s && v) s = download(ctx, v, net->v, bytes);
  return s;
}

DeCudaStatus net_train_errors(DeCudaNet* net, int64_t* errors) {
  unsigned long long e = 0;
  if (!errors) return fail(net->ctx, kInvalid, "net_train_errors: null output");
  if (DeCudaStatus s = download(net->ctx, &e, net->errors, sizeof e)) return s;
  *errors = static_cast<int64_t>(e);
  return kOk;
}

DeCudaStatus net_mc_stats_s(DeCudaNet* net, const float* input, int64_t samples, uint64_t seed, uint32_t purpose,
                            uint64_t row0, int64_t rowsPerPass, DeCudaMoments* stats, DeCudaMoments* statsS) {
  DeCudaContext* ctx = net->ctx;
  int64_t neurons = 0;
  for (int h = 1; h <= net->L; ++h) neurons += net->units[h];
  if (!input || !stats || samples < 0 || rowsPerPass <= 0 || rowsPerPass > net->maxRows)
    return fail(ctx, kInvalid, "net_mc_stats: needs an input, stats, and 0 < rows_per_pass <= max_rows");
  if (stats->neurons != neurons || (statsS && statsS->neurons != neurons))
    return fail(ctx, kInvalid, "net_mc_stats: stats must have one neuron per unit of layers 1..L (" +
                                   std::to_string(neurons) + ")");
  float* x = nullptr;  // the one input, gathered into every row by gather_gate (idx null)
  if (DeCudaStatus s = scratch(ctx, 0, sizeof(float) * net->units[0], reinterpret_cast<void**>(&x))) return s;
  if (DeCudaStatus s = upload(ctx, x, input, sizeof(float) * net->units[0])) return s;
  for (int64_t done = 0; done < samples; done += rowsPerPass) {
    const int64_t rows = samples - done < rowsPerPass ? samples - done : rowsPerPass;
    const uint64_t r0 = row0 + static_cast<uint64_t>(done);
    DeCudaStatus s = launch_gather_gate(ctx, x, nullptr, rows, net->units[0], gates_of(net, 0, seed, purpose, r0),
                                        net->Y[0]);
    if (!s) s = forward(net, rows, seed, purpose, r0, true);
    int64_t col0 = 0;
    for (int h = 1; h <= net->L && !s; ++h) {
      LogSource logs;
      const int64_t uh = net->units[h];
      if (net->act[h].kind == 0) {  // log O from the logit z = λS − ln c, stably
        logs.logits = net->S[h];
        logs.ld = uh;
        logs.scale = net->act[h].lambda;
        logs.shift = -static_cast<double>(net->act[h].lnC);
      } else if (net->act[h].kind == 2) {
        logs.logO = net->logSoftmax;
        logs.ld = uh;
      }
      s = moments_accumulate(ctx, stats, col0, uh, net->O[h], rows, uh, logs);
      if (!s && statsS) {
        LogSource none;
        none.none = true;
        s = moments_accumulate(ctx, statsS, col0, uh, net->S[h], rows, uh, none);
      }
      col0 += uh;
    }
    if (s) return s;
  }
  return synchronize(ctx);
}

}  // namespace de_cuda
