// The whole training loop of Section 5, native: epochs, a shuffle per epoch from the seed,
// minibatches with fresh independent gates per example (Philox, purpose Train, row = epoch·count +
// position; or shared by groups of examples, maskGroup), forward, loss, backward, update. Cancellation through an atomic flag polled between
// minibatches; progress through callbacks invoked between minibatches on the training thread.
//
// Resumability: the network's OptimizerState carries (step, moments, epoch, position). train()
// starts where the state says, so train(2 epochs) ≡ train(1) then train(1), and a run stopped by
// abort (or saved with its optimizer state and restored) continues with the same masks, shuffles
// and updates as the uninterrupted run: bit-identical weights.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/gemm.h"
#include "core/loss.h"
#include "core/optimizer.h"
#include "common/status.h"

namespace de {

class Network;

struct TrainData {
  const float* inputs = nullptr;  // [count × inputs]
  int64_t count = 0;
  Targets targets;                // labels [count] or values [count × outputs]
};

struct EpochRecord {
  int64_t epoch = 0;          // absolute epoch number (0-based)
  int64_t examples = 0;       // examples trained in this call's part of the epoch
  double loss = 0;            // mean training loss of the dropout network, as trained
  double trainError = 0;      // its error rate on the minibatches as trained (NaN if not a classifier)
  double validationLoss = 0;  // weight-scaled network (Eq. 4/13) on the validation set; NaN if none
  double validationError = 0; // NaN if no validation set or not a classifier
  double seconds = 0;
};

struct BatchProgress {
  int64_t epoch = 0;        // absolute epoch
  int64_t position = 0;     // examples done in this epoch after this batch
  int64_t count = 0;        // examples per epoch
  int64_t step = 0;         // total updates
  double loss = 0;          // mean loss of this batch
};

struct TrainOptions {
  int64_t epochs = 1;       // epochs to run in this call (a partially done first epoch counts as one)
  int64_t batchSize = 100;
  OptimizerKind optimizer = OptimizerKind::Adam;
  Loss loss = Loss::CrossEntropy;
  std::vector<float> learningRate;  // per epoch of this call, size epochs (schedules evaluated in TS)
  std::vector<float> momentum;      // per epoch (SGD); size epochs, or empty = 0
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
  float weightDecay = 0.0f, maxNorm = 0.0f;
  // Per layer h = 1..L at [h − 1]: a factor (finite, > 0) on learningRate for the layer's incoming
  // weights and biases (UpdateParams::learningRateScale). Empty = 1 for every layer.
  std::vector<float> learningRateScale;
  uint64_t seed = 0;                // masks and shuffles
  bool shuffle = true;
  // Examples that share one draw of unit gates: 1 = fresh gates per example (the paper's dropout);
  // g > 1 = the examples at epoch positions [k·g, (k+1)·g) share the gates of position k·g, and each
  // product only involves the kept units (shared_gates_step.h). Unit dropout only.
  int64_t maskGroup = 1;
  // The operands of the products of forward and backward (core/gemm.h): fp32, or rounded to
  // bfloat16 with fp32 sums. Weights, updates and losses stay fp32, and so does the validation pass
  // (the weight-scaled network, a measurement). Unit dropout only: connection dropout's gated
  // products run in their own fp32 kernels.
  Precision precision = Precision::Fp32;
  TrainData validation;             // count 0 = none
  const std::atomic<bool>* abort = nullptr;
  std::function<void(const BatchProgress&)> onBatch;  // after every update
  std::function<void(const EpochRecord&)> onEpoch;    // after every epoch
  int threads = 0;                  // 0 = the network's pool size
};

// Cancelled (ERR_ABORTED) when the abort flag was seen; the network then holds the last completed
// update and the optimizer state its position. history receives the completed epochs.
Result train(Network& net, const TrainData& data, const TrainOptions& o, std::vector<EpochRecord>* history);

// The permutation of epoch `epoch` (Fisher–Yates on Philox words, purpose Shuffle).
void epoch_order(uint64_t seed, int64_t epoch, int64_t count, std::vector<int64_t>* order);

// The pieces of train() that another engine (the CUDA one, cuda_network.h) shares, so that both
// check, resume and report alike.
// Checks data, validation, loss and options (one learning rate, and momentum, per epoch), then
// prepares the optimizer state: another optimizer starts from fresh moments; a position past the end
// of the data (a state from a larger data set) starts the next epoch.
Result begin_training(Network& net, const TrainData& data, const TrainOptions& o);
// The order of epoch `epoch`: its shuffle (epoch_order), or 0 .. count−1 without shuffling.
void training_order(const TrainOptions& o, int64_t epoch, int64_t count, std::vector<int64_t>* order);
// The record of a finished epoch (the weight-scaled network, Eq. 4/13, on the validation set; error
// rates only for classifiers), appended to history and passed to onEpoch. t0: its start (now_seconds).
Result close_epoch(const Network& net, const TrainData& data, const TrainOptions& o, int64_t epoch, int64_t examples,
                   const LossSums& sums, double t0, std::vector<EpochRecord>* history);
double now_seconds();  // steady clock, in seconds

}  // namespace de
