// The network engine: weights of a layered acyclic network (Eq. 1), its forward pass with unit
// (Eq. 2/9) or connection (Eq. 3) dropout, and its backward pass. Training lives in trainer.h,
// prediction in predict.h, masks' stream numbers in mask_streams.h.
//
// Design choices (the binding, the TS Network class, the ensemble sampler and CUDA rely on them):
// - Layers are numbered as in the paper: 0 is the input, 1..L the entries of spec.layers. Every
//   buffer indexed by layer has L+1 entries; entries a function does not use are ignored.
// - Parameters live in ONE flat float32 array: every weight matrix W_hl (row-major
//   [units_h × units_l], in the order of the edges: h ascending, then l as listed in `from`), then
//   every bias b_h (h = 1..L). The optimizer state and the gradients use the same layout.
// - No inverted dropout: training multiplies by the raw 0/1 gates; prediction by weight scaling
//   uses W_hl·diag(keep_l) (Eq. 4/13, O* of the paper). Biases are never gated or scaled.
// - Unit dropout: one gate per (example, source unit), shared by every layer that reads the unit.
//   Connection dropout: one gate per (example, h, o, l, j) with keep_l[j]. The top layer has no keep.
// - Initialisation (reproducible from spec.seed, Philox purpose Init): weights uniform in [−a, a]
//   with fan_in = Σ_{l ∈ from(h)} units_l · keep_l (the expected number of live inputs) and
//     logistic:  a = 4·sqrt(6/(fan_in + units_h)) / λ   (Glorot-uniform for sigmoid, scaled by 1/λ)
//     tanh:      a =   sqrt(6/(fan_in + units_h))        (Glorot-uniform)
//     relu:      a =   sqrt(6/fan_in)                    (He-uniform)
//     linear, softmax: a = sqrt(3/fan_in)                (unit variance of S for unit-variance input)
//   Biases start at 0, except logistic units whose bias makes σ(0·w + b) = 0.5: b = ln(c)/λ.
// - Every pass runs on the network's own ThreadPool (spec.threads). Products split output tiles
//   only, and every elementwise or connection-dropout task owns its outputs, so results are
//   bit-identical for any thread count.
//
// Measured recipe (for the TS defaults): the paper's 784-1200×4-10 network (logistic hidden, softmax
// top, keep 0.8 / 0.5), this initialisation, Adam lr 1e-3 (β 0.9/0.999, ε 1e-8), batch 100, one
// epoch on the 60,000 MNIST digits: 7.81% test error with weight-scaled prediction (seed 1,
// training seed 2). So the default optimizer should be Adam 1e-3; SGD+momentum is the paper's
// algorithm and stays available (PyTorch measurements: it stalls on the initial plateau here).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/mask_streams.h"
#include "core/gemm.h"
#include "core/network_spec.h"
#include "common/status.h"
#include "core/thread_pool.h"

namespace de {

struct OptimizerState;  // optimizer.h

class Network {
 public:
  // One weight matrix W_hl: [units_h × units_l] at params()[offset].
  struct Edge {
    int h = 0, l = 0;
    int64_t offset = 0;
  };

  // Validates the spec (normalise_spec), allocates and initialises the parameters, starts the pool.
  static Result create(const NetworkSpec& spec, std::unique_ptr<Network>* out);
  ~Network();

  const NetworkSpec& spec() const { return spec_; }  // normalised: `from` and keeps filled in
  int top() const { return static_cast<int>(spec_.layers.size()); }  // L
  int64_t units(int h) const { return units_[h]; }
  // keep of layer h's units (h in [0, L)); size units(h).
  const std::vector<float>& keep(int h) const { return h == 0 ? spec_.inputKeep : spec_.layers[h - 1].keep; }
  // The same keeps as doubles, as the description gives them: for the exact enumeration only (the
  // masks, training and sampling use keep()).
  const std::vector<double>& keep_exact(int h) const {
    return h == 0 ? spec_.inputKeepExact : spec_.layers[h - 1].keepExact;
  }
  const LayerSpec& layer(int h) const { return spec_.layers[h - 1]; }  // h in [1, L]
  bool keeps_all(int l) const { return keepsAll_[l]; }  // every keep of layer l is 1 (no gates)
  const uint64_t* thresholds(int l) const { return thresholds_[l].data(); }  // keep_threshold per unit

  const std::vector<Edge>& edges() const { return edges_; }
  int edge_index(int h, int l) const;                  // -1 when h does not read l
  const std::vector<int>& edges_into(int h) const { return into_[h]; }
  const std::vector<int>& edges_from(int l) const { return outOf_[l]; }

  float* params() { return params_.data(); }
  const float* params() const { return params_.data(); }
  int64_t param_count() const { return static_cast<int64_t>(params_.size()); }
  int64_t weight_count() const { return biasOffset_[1]; }  // weights come first
  int64_t bias_offset(int h) const { return biasOffset_[h]; }
  float* weights(int e) { return params_.data() + edges_[e].offset; }
  const float* weights(int e) const { return params_.data() + edges_[e].offset; }
  float* bias(int h) { return params_.data() + biasOffset_[h]; }
  const float* bias(int h) const { return params_.data() + biasOffset_[h]; }

  // Copies with validated lengths (n must equal the matrix / vector size).
  Result get_weights(int h, int l, float* out, int64_t n) const;
  Result set_weights(int h, int l, const float* in, int64_t n);
  Result get_bias(int h, float* out, int64_t n) const;
  Result set_bias(int h, const float* in, int64_t n);

  ThreadPool* pool() const { return pool_.get(); }
  int threads() const { return pool_->size(); }

  // Set by the binding while an asynchronous operation uses the network (ERR_BUSY otherwise).
  std::atomic<bool>& busy() const { return busy_; }
  // Training state kept between train() calls: optimizer moments, step, epoch and position.
  OptimizerState& optimizer() { return *optimizer_; }
  const OptimizerState& optimizer() const { return *optimizer_; }

 private:
  Network() = default;
  void initialise();

  NetworkSpec spec_;
  std::vector<int64_t> units_;             // [L+1]
  std::vector<bool> keepsAll_;             // [L+1]
  std::vector<std::vector<uint64_t>> thresholds_;  // [L]: Philox thresholds of each source layer
  std::vector<Edge> edges_;
  std::vector<std::vector<int>> into_, outOf_;  // edge indices by reader h / by source l
  std::vector<int64_t> biasOffset_;        // [L+2]: biasOffset_[h] for h in 1..L, [L+1] = end
  std::vector<float> params_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<OptimizerState> optimizer_;
  mutable std::atomic<bool> busy_{false};
};

// ---- the forward pass for a batch of rows (used by training, prediction and the ensemble sampler) ----

enum class MaskMode : uint8_t {
  None = 0,    // deterministic network (optionally weight-scaled)
  Philox = 1,  // gates drawn from (seed, purpose, row0 + r) — see mask_streams.h
  Given = 2,   // gates supplied by the caller as 0/1 bytes
};

struct MaskSource {
  MaskMode mode = MaskMode::None;
  bool weightScaled = false;  // None only: every W_hl scaled by keep_l (Eq. 4/13)
  // Philox
  uint64_t seed = 0;
  MaskPurpose purpose = MaskPurpose::MonteCarlo;
  uint64_t row0 = 0;          // absolute row of the first row of the batch
  // Given (unit mode):       units[l], l in [0, L): [rows × units_l], null = every gate 1.
  // Given (connection mode): connections[e] per edge e: [rows × units_h × units_l] (row r, then
  //                          o, then j), null = every gate 1.
  std::vector<const uint8_t*> units;
  std::vector<const uint8_t*> connections;
};

struct ForwardBuffers {
  // S[h] (pre-activation) and O[h] (output), h in [1, L]: [rows × units_h] row-major; required.
  // Entry 0 is unused (the input is passed separately). For a logistic unit the logit is
  // z = λS − ln c, so O = σ(z) (activations.h).
  std::vector<float*> S, O;
  // Unit mode with Philox masks: when unitMasks[l] is non-null ([rows × units_l] bytes), the gates
  // of layer l are written there (to replay them as Given, e.g. in the backward pass or for
  // returnMasks). When null, scratch is allocated for the call. Ignored in other modes.
  std::vector<uint8_t*> unitMasks;
  // Connection mode with Philox masks: when connectionGates[e] is non-null ([rows × units_h ×
  // gate_words(units_l)] words, connection_dropout.h), forward records the gate bits of edge e there
  // and backward, given the same buffers and masks, replays them instead of drawing them again.
  std::vector<uint64_t*> connectionGates;
};

// O[L] of rows input rows. threads: pool threads to use (0 = all). precision: of the operands of the
// unit-dropout products (core/gemm.h); connection-gated edges compute in fp32 whatever it says.
Result forward(const Network& net, const float* input, int64_t rows, const MaskSource& masks,
               const ForwardBuffers& buf, int threads = 0, Precision precision = Precision::Fp32);

// The gates forward() draws with Philox, for callers that need them materialised.
// Unit gates of layer l for rows [row0, row0 + rows): out [rows × units_l].
Result fill_unit_masks(const Network& net, uint64_t seed, MaskPurpose purpose, uint64_t row0, int64_t rows,
                       int l, uint8_t* out, int threads = 0);
// The unit gate of every source layer for one batch in unit mode (Eq. 2/9: one gate per unit,
// shared by all its readers): mask[l] is null where every gate is 1 (keep 1, no reader, no masks,
// or connection mode), the caller's pointer for Given masks, else gates drawn from Philox into
// out[l] when the caller supplies it (out may be shorter than L) or into owned scratch.
struct UnitGates {
  std::vector<const uint8_t*> mask;
  std::vector<std::vector<uint8_t>> owned;
};
Result gather_unit_gates(const Network& net, const MaskSource& masks, int64_t rows,
                         const std::vector<uint8_t*>& out, int threads, UnitGates* gates);
// Connection gates of edge e: out [rows × units_h × units_l].
Result fill_connection_masks(const Network& net, uint64_t seed, MaskPurpose purpose, uint64_t row0,
                             int64_t rows, int e, uint8_t* out, int threads = 0);

// ---- the backward pass ----

// Given dS[L] = ∂E/∂S_L (filled by the loss, loss.h) and the forward buffers of the same batch and
// masks (unit mode: Given masks — the ones forward() wrote to unitMasks — or Philox, redrawn),
// computes grad (flat, the layout of params(); overwritten) = ∂E/∂params, summed over the rows.
// dS[h], h in [1, L): scratch [rows × units_h] for the hidden deltas (overwritten).
Result backward(const Network& net, const float* input, int64_t rows, const MaskSource& masks,
                const ForwardBuffers& fwd, const std::vector<float*>& dS, float* grad, int threads = 0,
                Precision precision = Precision::Fp32);

}  // namespace de
