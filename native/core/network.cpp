#include "core/network.h"

#include <cmath>
#include <cstring>
#include <string>

#include "core/masks.h"
#include "core/optimizer.h"
#include "common/philox.h"

namespace de {

Network::~Network() = default;

Result Network::create(const NetworkSpec& spec, std::unique_ptr<Network>* out) {
  std::unique_ptr<Network> n(new Network());
  Result r = normalise_spec(spec, &n->spec_);
  if (!r.ok()) return r;
  const int L = n->top();
  n->units_.resize(L + 1);
  n->units_[0] = n->spec_.inputs;
  for (int h = 1; h <= L; ++h) n->units_[h] = n->spec_.layers[h - 1].units;
  n->keepsAll_.assign(L + 1, true);
  n->thresholds_.resize(L);
  for (int l = 0; l < L; ++l) {
    for (float k : n->keep(l)) {
      n->thresholds_[l].push_back(keep_threshold(static_cast<double>(k)));
      if (k != 1.0f) n->keepsAll_[l] = false;
    }
  }
  n->into_.resize(L + 1);
  n->outOf_.resize(L + 1);
  int64_t offset = 0;
  for (int h = 1; h <= L; ++h) {
    for (int l : n->spec_.layers[h - 1].from) {
      const int64_t size = n->units_[h] * n->units_[l];
      if (offset + size > (int64_t(1) << 40)) return Result::error(Status::OutOfMemory, "too many weights");
      n->into_[h].push_back(static_cast<int>(n->edges_.size()));
      n->outOf_[l].push_back(static_cast<int>(n->edges_.size()));
      n->edges_.push_back({h, l, offset});
      offset += size;
    }
  }
  n->biasOffset_.assign(L + 2, 0);
  for (int h = 1; h <= L + 1; ++h) {
    n->biasOffset_[h] = offset;
    if (h <= L) offset += n->units_[h];
  }
  n->params_.assign(static_cast<size_t>(offset), 0.0f);
  n->initialise();
  n->pool_.reset(new ThreadPool(pool_threads(n->spec_.threads)));
  n->optimizer_.reset(new OptimizerState());
  *out = std::move(n);
  return Result::success();
}

// Uniform in [−a, a] from Philox words, purpose Init, row = edge code h << 11 | l, col = element.
// The bound a depends on the activation (see network.h).
void Network::initialise() {
  const int L = top();
  for (int h = 1; h <= L; ++h) {
    const LayerSpec& s = layer(h);
    double fanIn = 0;
    for (int e : into_[h]) {
      const int l = edges_[e].l;
      for (float k : keep(l)) fanIn += k;
    }
    fanIn = fanIn > 1e-3 ? fanIn : 1e-3;  // a layer whose sources are all dropped: any scale works
    const double fanOut = static_cast<double>(units_[h]);
    double a = 0;
    switch (s.activation) {
      case Activation::Logistic: a = 4.0 * std::sqrt(6.0 / (fanIn + fanOut)) / std::fabs(s.lambda); break;
      case Activation::Tanh: a = std::sqrt(6.0 / (fanIn + fanOut)); break;
      case Activation::Relu: a = std::sqrt(6.0 / fanIn); break;
      case Activation::Linear: case Activation::Softmax: a = std::sqrt(3.0 / fanIn); break;
    }
    for (int e : into_[h]) {
      const Edge& ed = edges_[e];
      const uint32_t stream = unit_stream(MaskPurpose::Init, 0);
      const uint64_t row = (static_cast<uint64_t>(h) << 11) | static_cast<uint64_t>(ed.l);
      const int64_t n = units_[h] * units_[ed.l];
      float* w = params_.data() + ed.offset;
      for (int64_t i = 0; i < n; i += 4) {
        const U32x4 words = philox4x32_10(mask_counter(stream, row, static_cast<uint64_t>(i)),
                                          static_cast<uint32_t>(spec_.seed), static_cast<uint32_t>(spec_.seed >> 32));
        for (int k = 0; k < 4 && i + k < n; ++k) {
          const double u = (static_cast<double>(words.v[k]) + 0.5) * (1.0 / 4294967296.0);  // (0, 1)
          w[i + k] = static_cast<float>((2.0 * u - 1.0) * a);
        }
      }
    }
    float* b = params_.data() + biasOffset_[h];
    const float b0 = s.activation == Activation::Logistic ? static_cast<float>(std::log(s.c) / s.lambda) : 0.0f;
    for (int64_t o = 0; o < units_[h]; ++o) b[o] = b0;
  }
}

int Network::edge_index(int h, int l) const {
  if (h < 1 || h > top()) return -1;
  for (int e : into_[h]) {
    if (edges_[e].l == l) return e;
  }
  return -1;
}

static Result no_edge(int h, int l) {
  return Result::error(Status::InvalidArgument,
                       "layer " + std::to_string(h) + " does not read layer " + std::to_string(l));
}

Result Network::get_weights(int h, int l, float* out, int64_t n) const {
  const int e = edge_index(h, l);
  if (e < 0) return no_edge(h, l);
  if (n != units_[h] * units_[l]) return Result::error(Status::InvalidArgument, "weights have the wrong length");
  std::memcpy(out, weights(e), sizeof(float) * static_cast<size_t>(n));
  return Result::success();
}

Result Network::set_weights(int h, int l, const float* in, int64_t n) {
  const int e = edge_index(h, l);
  if (e < 0) return no_edge(h, l);
  if (n != units_[h] * units_[l]) return Result::error(Status::InvalidArgument, "weights have the wrong length");
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(in[i])) return Result::error(Status::InvalidArgument, "weights must be finite");
  }
  std::memcpy(weights(e), in, sizeof(float) * static_cast<size_t>(n));
  return Result::success();
}

Result Network::get_bias(int h, float* out, int64_t n) const {
  if (h < 1 || h > top()) return Result::error(Status::InvalidArgument, "bias layer must be in [1, L]");
  if (n != units_[h]) return Result::error(Status::InvalidArgument, "bias has the wrong length");
  std::memcpy(out, bias(h), sizeof(float) * static_cast<size_t>(n));
  return Result::success();
}

Result Network::set_bias(int h, const float* in, int64_t n) {
  if (h < 1 || h > top()) return Result::error(Status::InvalidArgument, "bias layer must be in [1, L]");
  if (n != units_[h]) return Result::error(Status::InvalidArgument, "bias has the wrong length");
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(in[i])) return Result::error(Status::InvalidArgument, "bias must be finite");
  }
  std::memcpy(bias(h), in, sizeof(float) * static_cast<size_t>(n));
  return Result::success();
}

}  // namespace de
