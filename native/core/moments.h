// Streaming per-neuron moments over samples, in float64: count, mean, M2, M3 (Welford / Pébay),
// Σ log O and Σ log(1−O), min, max, and a fixed-bin histogram. Shards merge exactly (Chan / Pébay),
// and serialise to bytes, so shards from threads, processes or machines combine into the whole.
// Memory is O(neurons · bins), independent of the number of samples.
//
// Log sums are optional: construct with logs = false for layers whose outputs are not probabilities
// (ReLU, linear, tanh, or the pre-activations S). add() then skips them entirely (about 20× cheaper
// than log O and log1p(−O) in float64 without logits), sum_log() / sum_log1m() are NaN, and a merge
// with such an accumulator makes the sums NaN and logs() false. Default: on (backward compatible).
#pragma once
#include <cstdint>
#include <vector>

#include "common/status.h"

namespace de {

class ThreadPool;

class MomentAccumulator {
 public:
  // bins = 0: no histogram. [lo, hi) is split into `bins` equal bins; values outside go to the
  // first / last bin (clamped), NaN is not counted in the histogram.
  // logs = false: no Σ log O / Σ log(1−O) (see the note at the top).
  explicit MomentAccumulator(int64_t neurons, int bins = 64, double lo = 0.0, double hi = 1.0, bool logs = true);

  // values: rows x neurons, leading dimension ld. logits (optional, same shape, leading dimension
  // ldLogit): z with O = σ(z) (for a logistic unit 1/(1+c·e^(−λS)), z = λS − ln c); when given,
  // log O = log σ(z) and log(1−O) = log σ(−z) are computed stably from z. Without logits, log O and
  // log(1−O) are log(O) and log1p(−O) in float64 (NaN outside [0, 1]).
  void add(const float* values, int64_t rows, int64_t ld, const float* logits = nullptr, int64_t ldLogit = 0,
           ThreadPool* pool = nullptr, int threads = 1);
  // Explicit logs (e.g. from a stable log-softmax); any of the pointers may be null.
  void add_with_logs(const float* values, const float* logO, const float* log1mO, int64_t rows, int64_t ld,
                     ThreadPool* pool = nullptr, int threads = 1);

  Result merge(const MomentAccumulator& other);  // neurons, bins and range must match

  int64_t neurons() const { return neurons_; }
  int64_t count() const { return count_; }
  int bins() const { return bins_; }
  bool logs() const { return logs_; }  // whether sum_log / sum_log1m are kept (else NaN)
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& m2() const { return m2_; }    // Σ (x − mean)²
  const std::vector<double>& m3() const { return m3_; }    // Σ (x − mean)³
  const std::vector<double>& sum_log() const { return sumLog_; }
  const std::vector<double>& sum_log1m() const { return sumLog1m_; }
  const std::vector<double>& min() const { return min_; }
  const std::vector<double>& max() const { return max_; }
  const std::vector<uint64_t>& histogram() const { return hist_; }  // neurons x bins
  double variance(int64_t i) const;  // population variance M2 / n (the distribution over subnetworks)
  double third_central(int64_t i) const;  // M3 / n
  double quantile(int64_t i, double q) const;  // from the histogram, linear within a bin

  std::vector<uint8_t> serialize() const;
  static Result deserialize(const uint8_t* data, size_t size, MomentAccumulator* out);

 private:
  int64_t neurons_ = 0;
  int64_t count_ = 0;
  int bins_ = 0;
  bool logs_ = true;
  double lo_ = 0.0, hi_ = 1.0;
  std::vector<double> mean_, m2_, m3_, sumLog_, sumLog1m_, min_, max_;
  std::vector<uint64_t> hist_;
};

}  // namespace de
