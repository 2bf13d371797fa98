// Launchers of the network engine's fused kernels (network_kernels.cu); network.cpp orchestrates.
// Gates follow philox.h: gate(row, j) = word(seed, stream, row0 + r, j) < thr[j]; thr null = keep all.
#pragma once
#include <cstdint>

#include "cuda/device/context.h"

namespace de_cuda {

struct Gates {
  uint64_t seed = 0;
  uint32_t stream = 0;
  uint64_t row0 = 0;
  const uint64_t* thr = nullptr;  // [units] device, null: every gate is 1
};

struct UnitAct {
  int32_t kind = 0;  // de::Activation
  float lambda = 1.0f, lnC = 0.0f;
};

// Y0[r, j] = gate · src[row(r), j] with row(r) = idx ? idx[r] : 0 (Monte Carlo: one input repeated).
DeCudaStatus launch_gather_gate(DeCudaContext* ctx, const float* src, const int64_t* idx, int64_t rows, int64_t units,
                                const Gates& g, float* Y);
// S += bias; O = f(S); Y = gate · O (Y may be null: no readers). Not for softmax.
DeCudaStatus launch_activate(DeCudaContext* ctx, float* S, const float* bias, int64_t rows, int64_t units, UnitAct a,
                             float* O, const Gates& g, float* Y);
// Softmax rows: S += bias, O = softmax(S); logO (optional) = log-softmax.
DeCudaStatus launch_softmax(DeCudaContext* ctx, float* S, const float* bias, int64_t rows, int64_t units, float* O,
                            float* logO);
// dS = scale·∂E/∂S of the top layer (loss.h) for targets labels[idx[r]] or values[idx[r]·units];
// adds Σ rows' losses to *lossSum and misclassified rows to *errors (device).
DeCudaStatus launch_loss_delta(DeCudaContext* ctx, UnitAct a, int32_t loss, const float* S, const float* O,
                               int64_t rows, int64_t units, const int64_t* idx, const int32_t* labels,
                               const float* values, float scale, float* dS, double* lossSum,
                               unsigned long long* errors);
// In place: d = d · gate · f′(S) (hidden layers; d holds ∂E/∂Y on entry).
DeCudaStatus launch_derivative(DeCudaContext* ctx, float* d, const float* S, const float* O, int64_t rows,
                               int64_t units, UnitAct a, const Gates& g);
// gb[j] = Σ_r dS[r, j]
DeCudaStatus launch_column_sums(DeCudaContext* ctx, const float* dS, int64_t rows, int64_t units, float* gb);

struct UpdateArgs {
  int32_t optimizer = 1;  // 0 SGD, 1 Adam
  float lr = 0, momentum = 0, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, weightDecay = 0;
  float alpha = 0, epsHat = 0;  // Adam: lr·√(1−β2^t)/(1−β1^t) and eps·√(1−β2^t), as optimizer.cpp folds them
};
// One optimizer step over n parameters; weight decay on the first nWeights only.
DeCudaStatus launch_update(DeCudaContext* ctx, float* w, const float* grad, float* m, float* v, int64_t n,
                           int64_t nWeights, const UpdateArgs& u);
// norms[o] += Σ_j W[o, j]² for W [rows × cols]; then scale_rows caps rows whose norm exceeds maxNorm.
DeCudaStatus launch_row_norms(DeCudaContext* ctx, const float* W, int64_t rows, int64_t cols, float* norms);
DeCudaStatus launch_cap_rows(DeCudaContext* ctx, float* W, int64_t rows, int64_t cols, const float* norms,
                             float maxNorm);
// Rows of src repeated: dst[r, :] = src[0, :] (Monte Carlo input) — done by gather_gate with idx null.

}  // namespace de_cuda
