#include "core/probes.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/ensemble_sampler.h"
#include "core/network.h"

namespace de {

namespace {

// f′ at S_ENS from O* (see probes.h).
double slope(const LayerSpec& ls, double o) {
  switch (ls.activation) {
    case Activation::Logistic: return ls.lambda * ls.lambda * o * (1.0 - o);
    case Activation::Linear: return 1.0;
    case Activation::Softmax: return o * (1.0 - o);
    case Activation::Relu: return o > 0.0 ? 1.0 : 0.0;
    case Activation::Tanh: return 1.0 - o * o;
  }
  return 1.0;
}

}  // namespace

Result ProbeRecorder::check(const Network& net) const {
  if (!opt_.inputs || opt_.count < 1) return Result::error(Status::InvalidArgument, "probes: inputs must hold at least one input");
  if (opt_.every < 1) return Result::error(Status::InvalidArgument, "probes: every must be >= 1");
  if (opt_.samples < 2) return Result::error(Status::InvalidArgument, "probes: samples must be >= 2");
  (void)net;
  return Result::success();
}

Result ProbeRecorder::on_step(const Network& net, int64_t step, int64_t epoch, int64_t position) {
  if (step % opt_.every != 0) return Result::success();
  return record(net, step, epoch, position);
}

Result ProbeRecorder::record(const Network& net, int64_t step, int64_t epoch, int64_t position) {
  if (step == lastStep_) return Result::success();
  const int L = net.top();
  const int64_t inputs = net.units(0);
  ProbeRecord rec;
  rec.step = step;
  rec.epoch = epoch;
  rec.position = position;
  rec.weightDecay.assign(static_cast<size_t>(L), 0.0);
  rec.meanActivity.assign(static_cast<size_t>(L), 0.0);
  rec.sparsity.assign(static_cast<size_t>(L), 0.0);
  rec.deterministic.resize(static_cast<size_t>(L));
  rec.std.resize(static_cast<size_t>(L));
  for (int h = 1; h <= L; ++h) {
    rec.deterministic[h - 1].resize(static_cast<size_t>(opt_.count * net.units(h)));
    rec.std[h - 1].resize(static_cast<size_t>(opt_.count * net.units(h)));
  }
  EnsembleSamplerOptions so;
  so.samples = opt_.samples;
  so.seed = opt_.seed;
  so.batch = opt_.samples < 512 ? opt_.samples : 512;
  so.abort = opt_.abort;
  so.threads = opt_.threads;
  const double inv = 1.0 / static_cast<double>(opt_.count);
  for (int64_t k = 0; k < opt_.count; ++k) {
    const float* x = opt_.inputs + k * inputs;
    EnsembleMoments m;
    Result r = sample_ensemble(net, x, so, &m);
    if (!r.ok()) return r;
    for (int h = 1; h <= L; ++h) {
      const EnsembleLayerMoments& lm = m.layers[h - 1];
      const int64_t n = net.units(h);
      double* det = rec.deterministic[h - 1].data() + k * n;
      double* sd = rec.std[h - 1].data() + k * n;
      double active = 0, inactive = 0;
      for (int64_t i = 0; i < n; ++i) {
        det[i] = lm.deterministic[i];
        sd[i] = std::sqrt(std::max(0.0, lm.variance[i]));
        active += lm.deterministic[i];
        inactive += lm.deterministic[i] <= 0.1 ? 1.0 : 0.0;
      }
      rec.meanActivity[h - 1] += inv * active / static_cast<double>(n);
      rec.sparsity[h - 1] += inv * inactive / static_cast<double>(n);
      // Eq. 28/30: ½ Σ_i f′_i Σ_j w_ij² I_j² p_j(1 − p_j).
      double term = 0;
      for (int e : net.edges_into(h)) {
        const int l = net.edges()[e].l;
        const int64_t nl = net.units(l);
        const float* W = net.weights(e);
        const std::vector<float>& keep = net.keep(l);
        std::vector<double> a(static_cast<size_t>(nl));
        for (int64_t j = 0; j < nl; ++j) {
          const double I = l == 0 ? static_cast<double>(x[j]) : m.layers[l - 1].deterministic[j];
          const double p = keep[j];
          a[j] = I * I * p * (1.0 - p);
        }
        for (int64_t i = 0; i < n; ++i) {
          double s = 0;
          for (int64_t j = 0; j < nl; ++j) s += static_cast<double>(W[i * nl + j]) * W[i * nl + j] * a[j];
          term += slope(net.layer(h), lm.deterministic[i]) * s;
        }
      }
      rec.weightDecay[h - 1] += inv * 0.5 * term;
    }
  }
  records_.push_back(std::move(rec));
  lastStep_ = step;
  return Result::success();
}

}  // namespace de
