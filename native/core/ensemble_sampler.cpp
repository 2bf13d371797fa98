#include "core/ensemble_sampler.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/activations.h"
#include "common/mask_streams.h"
#include "core/moments.h"
#include "core/network.h"

namespace de {

namespace {

// Feeds one batch of a layer into its accumulators: O with the logs that G and G′ need, and S.
struct LayerFeed {
  Activation activation = Activation::Logistic;
  bool plainLogit = true;  // logistic with c = λ = 1: the logit is S itself
  LogisticParams logistic;
  std::vector<float> scratchA, scratchB;  // logits, or log O and log(1 − O) for softmax
};

void feed(LayerFeed& f, const float* S, const float* O, int64_t rows, int64_t units, MomentAccumulator& accO,
          MomentAccumulator& accS, ThreadPool* pool, int threads) {
  switch (f.activation) {
    case Activation::Logistic:
      if (f.plainLogit) {
        accO.add(O, rows, units, S, units, pool, threads);
      } else {
        float* z = f.scratchA.data();
        for (int64_t k = 0; k < rows * units; ++k) z[k] = logit(f.logistic.lambda, S[k], f.logistic.lnC);
        accO.add(O, rows, units, z, units, pool, threads);
      }
      break;
    case Activation::Softmax: {
      float* logO = f.scratchA.data();
      float* log1m = f.scratchB.data();
      for (int64_t r = 0; r < rows; ++r) {
        const float* s = S + r * units;
        float mx = s[0];
        for (int64_t i = 1; i < units; ++i) mx = s[i] > mx ? s[i] : mx;
        double sum = 0;
        for (int64_t i = 0; i < units; ++i) sum += std::exp(static_cast<double>(s[i] - mx));
        const float lse = mx + static_cast<float>(std::log(sum));
        for (int64_t i = 0; i < units; ++i) {
          logO[r * units + i] = s[i] - lse;
          log1m[r * units + i] = static_cast<float>(std::log1p(-std::exp(static_cast<double>(s[i] - lse))));
        }
      }
      accO.add_with_logs(O, logO, log1m, rows, units, pool, threads);
      break;
    }
    default:  // outputs outside (0, 1): no geometric means (the accumulator keeps no log sums)
      accO.add(O, rows, units, nullptr, 0, pool, threads);
      break;
  }
  accS.add(S, rows, units, nullptr, 0, pool, threads);
}

Result check_options(const Network& net, const EnsembleSamplerOptions& o) {
  const int L = net.top();
  const size_t edges = net.edges().size();
  if (o.samples < 1) return Result::error(Status::InvalidArgument, "ensemble: samples must be >= 1");
  if (o.first < 0 || o.first > (int64_t(1) << 52) - o.samples) return Result::error(Status::InvalidArgument, "ensemble: first must be in [0, 2^52 − samples]");
  if (o.batch < 1) return Result::error(Status::InvalidArgument, "ensemble: batch must be >= 1");
  if (o.returnUnitMasks.size() > static_cast<size_t>(L) || o.givenUnitMasks.size() > static_cast<size_t>(L) ||
      o.returnConnectionMasks.size() > edges || o.givenConnectionMasks.size() > edges) {
    return Result::error(Status::InvalidArgument, "ensemble: too many mask buffers");
  }
  return Result::success();
}

}  // namespace

Result sample_ensemble(const Network& net, const float* input, const EnsembleSamplerOptions& o, EnsembleMoments* out) {
  if (!input || !out) return Result::error(Status::InvalidArgument, "ensemble: null argument");
  Result r = check_options(net, o);
  if (!r.ok()) return r;
  const int L = net.top();
  const bool connections = net.spec().dropout == DropoutMode::Connections;
  const int64_t batch = o.batch < o.samples ? o.batch : o.samples;
  const int64_t inputs = net.units(0);

  // Batch buffers: the input repeated, S and O of every layer.
  std::vector<float> in(static_cast<size_t>(batch * inputs));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t j = 0; j < inputs; ++j) in[b * inputs + j] = input[j];
  std::vector<std::vector<float>> S(L + 1), O(L + 1);
  ForwardBuffers buf;
  buf.S.assign(L + 1, nullptr);
  buf.O.assign(L + 1, nullptr);
  buf.unitMasks.assign(L + 1, nullptr);
  std::vector<MomentAccumulator> accO, accS;
  std::vector<LayerFeed> feeds(L + 1);
  for (int h = 1; h <= L; ++h) {
    const size_t n = static_cast<size_t>(batch * net.units(h));
    S[h].resize(n);
    O[h].resize(n);
    buf.S[h] = S[h].data();
    buf.O[h] = O[h].data();
    const LayerSpec& ls = net.layer(h);
    // Log sums only where G and G′ are defined (outputs in (0, 1)); never for S. No histograms.
    const bool geometric = ls.activation == Activation::Logistic || ls.activation == Activation::Softmax;
    accO.emplace_back(net.units(h), 0, 0.0, 1.0, geometric);
    accS.emplace_back(net.units(h), 0, 0.0, 1.0, false);
    LayerFeed& f = feeds[h];
    f.activation = ls.activation;
    f.logistic = logistic_params(ls);
    f.plainLogit = ls.c == 1.0 && ls.lambda == 1.0;
    if (ls.activation == Activation::Softmax || (ls.activation == Activation::Logistic && !f.plainLogit)) f.scratchA.resize(n);
    if (ls.activation == Activation::Softmax) f.scratchB.resize(n);
  }

  MaskSource masks;
  masks.mode = o.given ? MaskMode::Given : MaskMode::Philox;
  masks.seed = o.seed;
  masks.purpose = MaskPurpose::Ensemble;
  for (int64_t s0 = 0; s0 < o.samples; s0 += batch) {
    if (o.abort && o.abort->load(std::memory_order_relaxed)) return Result::error(Status::Cancelled, "ensembleStats was aborted");
    const int64_t rows = o.samples - s0 < batch ? o.samples - s0 : batch;
    masks.row0 = static_cast<uint64_t>(o.first + s0);
    if (o.given) {
      masks.units.assign(o.givenUnitMasks.size(), nullptr);
      for (size_t l = 0; l < o.givenUnitMasks.size(); ++l)
        if (o.givenUnitMasks[l]) masks.units[l] = o.givenUnitMasks[l] + s0 * net.units(static_cast<int>(l));
      masks.connections.assign(o.givenConnectionMasks.size(), nullptr);
      for (size_t e = 0; e < o.givenConnectionMasks.size(); ++e) {
        const Network::Edge& ed = net.edges()[e];
        if (o.givenConnectionMasks[e]) masks.connections[e] = o.givenConnectionMasks[e] + s0 * net.units(ed.h) * net.units(ed.l);
      }
    } else if (!connections) {
      for (size_t l = 0; l < o.returnUnitMasks.size(); ++l)
        buf.unitMasks[l] = o.returnUnitMasks[l] ? o.returnUnitMasks[l] + s0 * net.units(static_cast<int>(l)) : nullptr;
    } else {
      for (size_t e = 0; e < o.returnConnectionMasks.size(); ++e) {
        if (!o.returnConnectionMasks[e]) continue;
        const Network::Edge& ed = net.edges()[e];
        r = fill_connection_masks(net, o.seed, MaskPurpose::Ensemble, static_cast<uint64_t>(o.first + s0), rows, static_cast<int>(e),
                                  o.returnConnectionMasks[e] + s0 * net.units(ed.h) * net.units(ed.l), o.threads);
        if (!r.ok()) return r;
      }
    }
    r = forward(net, in.data(), rows, masks, buf, o.threads);
    if (!r.ok()) return r;
    for (int h = 1; h <= L; ++h)
      feed(feeds[h], S[h].data(), O[h].data(), rows, net.units(h), accO[h - 1], accS[h - 1], net.pool(), o.threads);
  }

  out->layers.assign(static_cast<size_t>(L), EnsembleLayerMoments());
  for (int h = 1; h <= L; ++h) out->layers[h - 1].resize(net.units(h));
  r = weight_scaled_outputs(net, input, out);
  if (!r.ok()) return r;
  out->samples = o.samples;
  out->gates = 0;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int h = 1; h <= L; ++h) {
    const MomentAccumulator& a = accO[h - 1];
    const MomentAccumulator& s = accS[h - 1];
    EnsembleLayerMoments& lm = out->layers[h - 1];
    const Activation act = net.layer(h).activation;
    const bool geometric = act == Activation::Logistic || act == Activation::Softmax;
    const double n = static_cast<double>(a.count());
    for (int64_t i = 0; i < net.units(h); ++i) {
      lm.mean[i] = a.mean()[i];
      lm.variance[i] = a.variance(i);
      lm.third[i] = a.third_central(i);
      lm.meanLogO[i] = geometric ? a.sum_log()[i] / n : nan;
      lm.meanLog1mO[i] = geometric ? a.sum_log1m()[i] / n : nan;
      lm.meanS[i] = s.mean()[i];
      lm.varianceS[i] = s.variance(i);
    }
  }
  return Result::success();
}

}  // namespace de
