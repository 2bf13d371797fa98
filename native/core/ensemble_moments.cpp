#include "core/ensemble_moments.h"

#include <cmath>
#include <limits>

#include "core/activations.h"
#include "core/network.h"

namespace de {

void EnsembleLayerMoments::resize(int64_t units) {
  const size_t n = static_cast<size_t>(units);
  for (auto* v : {&mean, &variance, &third, &meanLogO, &meanLog1mO, &meanS, &varianceS, &deterministic}) v->assign(n, 0.0);
}

void logistic_logs(double lambda, double lnC, double S, double* logO, double* log1mO) {
  const double z = lambda * S - lnC;  // O = σ(z)
  *logO = log_sigmoid(z);
  *log1mO = log_sigmoid(-z);
}

void softmax_logs_row(const double* S, int64_t units, double* O, double* logO, double* log1mO) {
  double mx = S[0];
  for (int64_t i = 1; i < units; ++i) mx = S[i] > mx ? S[i] : mx;
  double sum = 0;
  for (int64_t i = 0; i < units; ++i) sum += std::exp(S[i] - mx);
  const double lse = mx + std::log(sum);
  for (int64_t i = 0; i < units; ++i) {
    logO[i] = S[i] - lse;
    O[i] = std::exp(logO[i]);
    log1mO[i] = std::log1p(-O[i]);
  }
}

void activate_row_f64(int activation, double c, double lambda, const double* S, double* O, int64_t units) {
  switch (static_cast<Activation>(activation)) {
    case Activation::Logistic: {
      const double lnC = std::log(c);
      for (int64_t i = 0; i < units; ++i) O[i] = sigmoid(lambda * S[i] - lnC);
      break;
    }
    case Activation::Linear:
      for (int64_t i = 0; i < units; ++i) O[i] = S[i];
      break;
    case Activation::Relu:
      for (int64_t i = 0; i < units; ++i) O[i] = S[i] > 0 ? S[i] : 0.0;
      break;
    case Activation::Tanh:
      for (int64_t i = 0; i < units; ++i) O[i] = std::tanh(S[i]);
      break;
    case Activation::Softmax: {
      double mx = S[0];
      for (int64_t i = 1; i < units; ++i) mx = S[i] > mx ? S[i] : mx;
      double sum = 0;
      for (int64_t i = 0; i < units; ++i) sum += O[i] = std::exp(S[i] - mx);
      for (int64_t i = 0; i < units; ++i) O[i] /= sum;
      break;
    }
  }
}

Result weight_scaled_outputs(const Network& net, const float* input, EnsembleMoments* out, KeepPrecision keeps) {
  if (!input || !out) return Result::error(Status::InvalidArgument, "weight_scaled_outputs: null argument");
  const int L = net.top();
  if (static_cast<int>(out->layers.size()) != L) {
    out->layers.resize(static_cast<size_t>(L));
    for (int h = 1; h <= L; ++h) out->layers[h - 1].resize(net.units(h));
  }
  std::vector<std::vector<double>> O(static_cast<size_t>(L + 1));
  O[0].assign(input, input + net.units(0));
  std::vector<double> S;
  for (int h = 1; h <= L; ++h) {
    const int64_t n = net.units(h);
    S.assign(static_cast<size_t>(n), 0.0);
    const float* b = net.bias(h);
    for (int64_t o = 0; o < n; ++o) S[o] = b[o];
    for (int e : net.edges_into(h)) {
      const int l = net.edges()[e].l;
      const int64_t m = net.units(l);
      const float* W = net.weights(e);
      const std::vector<float>& keep = net.keep(l);
      const std::vector<double>& keepExact = net.keep_exact(l);
      std::vector<double> a(static_cast<size_t>(m));
      for (int64_t j = 0; j < m; ++j) {
        const double k = keeps == KeepPrecision::Exact ? keepExact[j] : static_cast<double>(keep[j]);
        a[j] = k * O[l][j];  // Eq. 4/13
      }
      for (int64_t o = 0; o < n; ++o) {
        double s = 0;
        for (int64_t j = 0; j < m; ++j) s += static_cast<double>(W[o * m + j]) * a[j];
        S[o] += s;
      }
    }
    O[h].assign(static_cast<size_t>(n), 0.0);
    const LayerSpec& ls = net.layer(h);
    activate_row_f64(static_cast<int>(ls.activation), ls.c, ls.lambda, S.data(), O[h].data(), n);
    out->layers[h - 1].deterministic = O[h];
  }
  return Result::success();
}

}  // namespace de
