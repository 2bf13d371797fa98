// Losses on the top layer and their deltas ∂E/∂S_L. Cross-entropy is the relative entropy of
// Section 5.2; squared error is Section 5.1's E = ½(t − O)². Both are averaged over the batch by the
// caller's `scale` (1/rows): the gradient is that of the mean loss.
#pragma once
#include <cstdint>

#include "core/network_spec.h"
#include "common/status.h"

namespace de {

enum class Loss : uint8_t { CrossEntropy = 0, SquaredError = 1 };

// Targets of rows examples: class labels [rows] (one-hot over the outputs; with a single logistic
// output, the label is the binary target 0/1), or values [rows × outputs]. Exactly one is set.
struct Targets {
  const int32_t* labels = nullptr;
  const float* values = nullptr;
};

// Cross-entropy needs a softmax top (targets a distribution per row) or a logistic top (each
// output a Bernoulli probability); squared error takes any top.
Result check_loss(const LayerSpec& top, Loss loss);

struct LossSums {
  double loss = 0;     // Σ over rows of the per-example loss
  int64_t errors = 0;  // misclassified rows (see classification_error)
};

// dS [rows × outputs] = scale · ∂E/∂S (softmax+CE: O − t; logistic+CE: λ(O − t), from the stable
// log-sigmoid form; squared error: (O − t)·f′(S)). Adds the loss and error counts to *sums.
void loss_and_delta(const LayerSpec& top, Loss loss, const float* S, const float* O, int64_t rows,
                    int64_t outputs, const Targets& t, float scale, float* dS, LossSums* sums);

// Rows whose prediction is wrong: labels → argmax (single output: O ≥ 0.5 ↔ label 1); values with
// more than one output → argmax(O) ≠ argmax(t); a single value output → (O ≥ 0.5) ≠ (t ≥ 0.5).
int64_t classification_errors(const float* O, int64_t rows, int64_t outputs, const Targets& t);

}  // namespace de
