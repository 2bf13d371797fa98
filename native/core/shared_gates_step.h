// One minibatch of unit dropout in which groups of consecutive examples share their gates
// (TrainOptions::maskGroup > 1; Graham, Reizenstein & Robinson 2015). Every example of a group sees
// the same kept units, so each layer's product only involves the kept rows and columns: the kept
// part of every weight matrix is gathered into a dense block, the forward and backward passes run
// on those blocks, and the gradients are scattered back (zero for every weight and bias of a dropped
// unit, exactly as the dense masked product gives). The arithmetic per example falls with the
// keeps: about keep_l · keep_h of a product survives (0.25 for two layers at keep 0.5).
//
// The gates of the group starting at epoch position p are the per-example gates of that position
// (Philox purpose Train, row = epoch·count + p), so a group of one is the per-example draw, and the
// gates are a function of the seed and the position only, whatever the thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "core/loss.h"
#include "core/network.h"
#include "core/optimizer.h"

namespace de {

class SharedGatesStep {
 public:
  // rows: the largest number of examples one call may hold (the batch size).
  SharedGatesStep(const Network& net, int64_t rows);

  // Forward, loss and backward of `rows` examples that share the gates of Philox row `gateRow`.
  // input: [rows × inputs]; t: their targets; scale: the loss weight of each example (1/batch).
  // grad (the layout of params()) is overwritten when `overwrite`, else accumulated into; when null,
  // the gradient stays compact for optimizer_step(compact()). precision: of the products' operands.
  Result run(const Network& net, const float* input, int64_t rows, const Targets& t, Loss loss, float scale,
             uint64_t seed, uint64_t gateRow, float* grad, bool overwrite, LossSums* sums, int threads,
             Precision precision = Precision::Fp32);

  // The gradient of the last run(), compact: valid until the next run().
  CompactGradient compact(const Network& net) const;

 private:
  Result draw(const Network& net, uint64_t seed, uint64_t gateRow, int threads);
  void gather_weights(const Network& net, int threads);
  void scatter_gradients(const Network& net, float* grad, bool overwrite, int threads) const;

  int L_ = 0;
  std::vector<uint8_t> gates_;                   // one layer's gates, scratch
  std::vector<std::vector<int64_t>> kept_;       // [L+1]: kept units of each layer, ascending
  std::vector<std::vector<int64_t>> slot_;       // [L+1]: unit → its index in kept_, or −1
  std::vector<std::vector<float>> S_, O_, dS_;   // [L+1]: compact [rows × kept]
  std::vector<std::vector<float>> W_, dW_;       // per edge: compact [kept_h × kept_l]
  std::vector<std::vector<float>> b_, db_;       // [L+1]: compact [kept_h]
  std::vector<float> input_;                     // compact [rows × kept_0]
};

}  // namespace de
