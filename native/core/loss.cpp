#include "core/loss.h"

#include <cmath>
#include <vector>

#include "core/activations.h"

namespace de {

Result check_loss(const LayerSpec& top, Loss loss) {
  if (loss == Loss::CrossEntropy && top.activation != Activation::Softmax && top.activation != Activation::Logistic) {
    return Result::error(Status::InvalidArgument, "cross-entropy needs a softmax or logistic top layer");
  }
  return Result::success();
}

// Target of output k for row i (labels one-hot; a single output takes the label itself).
static inline float target(const Targets& t, int64_t i, int64_t k, int64_t outputs) {
  if (t.values) return t.values[i * outputs + k];
  if (outputs == 1) return static_cast<float>(t.labels[i]);
  return t.labels[i] == k ? 1.0f : 0.0f;
}

void loss_and_delta(const LayerSpec& top, Loss loss, const float* S, const float* O, int64_t rows,
                    int64_t outputs, const Targets& t, float scale, float* dS, LossSums* sums) {
  std::vector<double> logp(static_cast<size_t>(outputs));
  double total = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const float* s = S + i * outputs;
    const float* o = O + i * outputs;
    float* d = dS + i * outputs;
    if (loss == Loss::CrossEntropy && top.activation == Activation::Softmax) {
      // E = −Σ t_k log O_k; ∂E/∂S_k = O_k·Σt − t_k (= O − t for a distribution).
      log_softmax_row(s, logp.data(), outputs);
      double tsum = 0;
      for (int64_t k = 0; k < outputs; ++k) {
        const float tk = target(t, i, k, outputs);
        if (tk != 0.0f) total -= tk * logp[k];
        tsum += tk;
      }
      for (int64_t k = 0; k < outputs; ++k) d[k] = scale * (o[k] * static_cast<float>(tsum) - target(t, i, k, outputs));
    } else if (loss == Loss::CrossEntropy) {
      // Logistic, Section 5.2: E = −(t log O + (1−t) log(1−O)) with log O = log σ(z), z = λS − ln c;
      // ∂E/∂S = λ(O − t) (Eq. 29).
      const LogisticParams p = logistic_params(top);
      for (int64_t k = 0; k < outputs; ++k) {
        const float tk = target(t, i, k, outputs);
        const double z = static_cast<double>(p.lambda) * s[k] - p.lnC;
        total -= tk * log_sigmoid(z) + (1.0 - tk) * log_sigmoid(-z);
        d[k] = scale * p.lambda * (o[k] - tk);
      }
    } else {
      // Squared error, Section 5.1: E = ½ Σ (t − O)²; ∂E/∂S = (O − t) ⊙ f′(S).
      for (int64_t k = 0; k < outputs; ++k) {
        const float diff = o[k] - target(t, i, k, outputs);
        total += 0.5 * static_cast<double>(diff) * diff;
        d[k] = scale * diff;
      }
      derivative_row(top, s, o, d, outputs);
    }
  }
  sums->loss += total;
  sums->errors += classification_errors(O, rows, outputs, t);
}

static int64_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t k = 1; k < n; ++k) {
    if (v[k] > v[best]) best = k;
  }
  return best;
}

int64_t classification_errors(const float* O, int64_t rows, int64_t outputs, const Targets& t) {
  int64_t wrong = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const float* o = O + i * outputs;
    if (outputs == 1) {
      const bool predicted = o[0] >= 0.5f;
      const bool actual = t.values ? t.values[i] >= 0.5f : t.labels[i] != 0;
      wrong += predicted != actual;
    } else {
      const int64_t want = t.values ? argmax(t.values + i * outputs, outputs) : t.labels[i];
      wrong += argmax(o, outputs) != want;
    }
  }
  return wrong;
}

}  // namespace de
