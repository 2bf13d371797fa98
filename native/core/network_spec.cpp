#include <cmath>
#include <string>

#include "core/network_spec.h"

namespace de {

static Result bad(const std::string& m) { return Result::error(Status::InvalidArgument, m); }

static Result check_keeps(const std::vector<float>& keep, int64_t units, const std::string& where,
                          std::vector<float>* out) {
  if (keep.empty()) {
    out->assign(static_cast<size_t>(units), 1.0f);
    return Result::success();
  }
  if (static_cast<int64_t>(keep.size()) != units) return bad(where + ": keep must have one value per unit");
  for (float k : keep) {
    if (!(k >= 0.0f && k <= 1.0f)) return bad(where + ": keep must be in [0, 1]");
  }
  *out = keep;
  return Result::success();
}

// The double keeps beside the normalised float ones: each in [0, 1] and rounding to its float, so
// that the exact enumeration and the masks describe the same network.
static Result check_exact_keeps(const std::vector<double>& exact, const std::vector<float>& keep,
                                const std::string& where, std::vector<double>* out) {
  if (exact.empty()) {
    out->assign(keep.begin(), keep.end());
    return Result::success();
  }
  if (exact.size() != keep.size()) return bad(where + ": the double keeps must have one value per unit");
  for (size_t j = 0; j < exact.size(); ++j) {
    if (!(exact[j] >= 0.0 && exact[j] <= 1.0)) return bad(where + ": keep must be in [0, 1]");
    if (static_cast<float>(exact[j]) != keep[j]) return bad(where + ": the double keeps must round to the float keeps");
  }
  *out = exact;
  return Result::success();
}

Result normalise_spec(const NetworkSpec& in, NetworkSpec* out) {
  NetworkSpec s = in;
  const int L = static_cast<int>(in.layers.size());
  if (in.layers.empty()) return bad("a network needs at least one layer");
  if (L > kMaxLayers) return bad("too many layers (at most 2047)");
  if (in.inputs < 1 || in.inputs > kMaxUnits) return bad("inputs must be in [1, 2^24]");
  if (in.threads < 0 || in.threads > kMaxThreads) return bad("threads must be in [0, " + std::to_string(kMaxThreads) + "]");
  Result r = check_keeps(in.inputKeep, in.inputs, "inputKeep", &s.inputKeep);
  if (!r.ok()) return r;
  r = check_exact_keeps(in.inputKeepExact, s.inputKeep, "inputKeep", &s.inputKeepExact);
  if (!r.ok()) return r;
  for (int h = 1; h <= L; ++h) {
    const LayerSpec& l = in.layers[h - 1];
    LayerSpec& o = s.layers[h - 1];
    const std::string where = "layer " + std::to_string(h);
    if (l.units < 1 || l.units > kMaxUnits) return bad(where + ": units must be in [1, 2^24]");
    switch (l.activation) {
      case Activation::Logistic:
        if (!(l.c > 0 && std::isfinite(l.c))) return bad(where + ": logistic c must be finite and > 0");
        if (!(l.lambda != 0 && std::isfinite(l.lambda))) return bad(where + ": logistic lambda must be finite and non-zero");
        break;
      case Activation::Linear: case Activation::Softmax: case Activation::Relu: case Activation::Tanh:
        break;
      default:
        return bad(where + ": unknown activation");
    }
    if (h == L) {
      for (float k : l.keep) {
        if (k != 1.0f) return bad(where + ": the top layer has no readers, so it cannot have a keep");
      }
      for (double k : l.keepExact) {
        if (k != 1.0) return bad(where + ": the top layer has no readers, so it cannot have a keep");
      }
      o.keep.clear();
      o.keepExact.clear();
    } else {
      r = check_keeps(l.keep, l.units, where, &o.keep);
      if (!r.ok()) return r;
      r = check_exact_keeps(l.keepExact, o.keep, where, &o.keepExact);
      if (!r.ok()) return r;
    }
    if (l.from.empty()) {
      o.from = {h - 1};
    } else {
      for (size_t i = 0; i < l.from.size(); ++i) {
        if (l.from[i] < 0 || l.from[i] >= h) return bad(where + ": from must list layers in [0, " + std::to_string(h) + ")");
        if (i > 0 && l.from[i] <= l.from[i - 1]) return bad(where + ": from must be strictly ascending");
      }
    }
  }
  *out = std::move(s);
  return Result::success();
}

}  // namespace de
