// Parameter updates: SGD with momentum (the algorithm of Section 5) and Adam, on the flat parameter
// array of a Network. L2 weight decay adds weightDecay·w to the gradient of every weight (biases
// excluded); max-norm then caps the L2 norm of each unit's incoming weights, taken across all the
// matrices of its `from` list (Srivastava et al. 2014), after the update.
#pragma once
#include <cstdint>
#include <vector>

#include "common/status.h"

namespace de {

class Network;

enum class OptimizerKind : uint8_t { Sgd = 0, Adam = 1 };

// Everything a resumed run needs besides the weights: moments, step and position.
struct OptimizerState {
  OptimizerKind kind = OptimizerKind::Sgd;
  int64_t step = 0;      // updates done (Adam's bias correction uses it)
  std::vector<float> m;  // SGD: velocity; Adam: first moment. Empty = not started (zeros)
  std::vector<float> v;  // Adam: second moment; empty for SGD
  int64_t epoch = 0;     // epochs completed: the next update is in this epoch …
  int64_t position = 0;  // … at this position of its shuffled order (examples done in it)
};

struct UpdateParams {
  float learningRate = 0.001f;
  float momentum = 0.0f;  // SGD: v ← μ·v − lr·g, w ← w + v
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;  // Adam (Kingma & Ba 2015)
  float weightDecay = 0.0f;
  float maxNorm = 0.0f;   // 0 = off
  // Per layer h = 1..L at [h − 1]: a factor on the step of the layer's incoming weights and biases
  // (PyTorch's parameter groups). nullptr = 1 for every layer.
  const float* learningRateScale = nullptr;
};

// Applies one update with gradient grad (flat layout of net.params()); state.step is incremented.
// state.m / state.v are allocated (zeros) on first use or when their size or kind does not match.
// The update runs unit by unit: a unit's incoming weights are updated and, with maxNorm, capped
// while they are still in cache (one pass over the parameters instead of two).
Result optimizer_step(Network& net, OptimizerState& state, const float* grad, const UpdateParams& p, int threads = 0);

// A gradient that is zero outside the kept units (shared_gates_step.h): per edge e the block
// [kept_h × kept_l] of dW, per layer h the kept part of db, and per layer the map unit → index in
// its kept list (−1: dropped). The same update as the flat gradient it stands for, without writing it.
struct CompactGradient {
  std::vector<const float*> dW;                   // per edge
  std::vector<const float*> db;                   // per layer [0, L]; entry 0 unused
  std::vector<const std::vector<int64_t>*> slot;  // per layer [0, L]
  std::vector<int64_t> kept;                      // per layer [0, L]: kept units
};
Result optimizer_step(Network& net, OptimizerState& state, const CompactGradient& grad, const UpdateParams& p,
                      int threads = 0);
// Row o of edge e's weight gradient, and layer h's bias gradient, written out in full (zeros at the
// dropped units): [units_l] and [units_h] floats.
void expand_weight_row(const Network& net, const CompactGradient& g, int e, int64_t o, float* out);
void expand_biases(const Network& net, const CompactGradient& g, int h, float* out);

// Caps each unit's incoming weight norm at maxNorm (exposed for tests and for set-after-load).
void apply_max_norm(Network& net, float maxNorm, int threads = 0);

}  // namespace de
