// A float64 reference of the network engine for the tests: the forward pass of Eq. 2/3/9 with
// fixed gates, written directly from the equations (no GEMM, no shared code with the engine but
// the description), and the mean loss over the rows.
#pragma once
#include <cmath>
#include <vector>

#include "core/network.h"

namespace de_test {

struct ReferenceGates {
  std::vector<std::vector<uint8_t>> units;        // per source layer l [rows × units_l] (empty = all 1)
  std::vector<std::vector<uint8_t>> connections;  // per edge [rows × units_h × units_l] (empty = all 1)
};

inline double ref_sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// O per layer [L+1][rows × units] with params p (flat layout of net.params()).
inline std::vector<std::vector<double>> reference_forward(const de::Network& net, const std::vector<double>& p,
                                                          const std::vector<double>& x, int64_t rows,
                                                          const ReferenceGates& g, std::vector<std::vector<double>>* Sout) {
  const int L = net.top();
  std::vector<std::vector<double>> O(L + 1), S(L + 1);
  O[0] = x;
  for (int h = 1; h <= L; ++h) {
    const int64_t nh = net.units(h);
    const de::LayerSpec& s = net.layer(h);
    S[h].assign(static_cast<size_t>(rows * nh), 0.0);
    O[h].assign(static_cast<size_t>(rows * nh), 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t o = 0; o < nh; ++o) {
        double sum = p[net.bias_offset(h) + o];
        for (int e : net.edges_into(h)) {
          const int l = net.edges()[e].l;
          const int64_t nl = net.units(l);
          for (int64_t j = 0; j < nl; ++j) {
            double gate = 1.0;
            if (net.spec().dropout == de::DropoutMode::Units) {
              if (static_cast<size_t>(l) < g.units.size() && !g.units[l].empty()) gate = g.units[l][r * nl + j];
            } else if (static_cast<size_t>(e) < g.connections.size() && !g.connections[e].empty()) {
              gate = g.connections[e][(r * nh + o) * nl + j];
            }
            sum += gate * p[net.edges()[e].offset + o * nl + j] * O[l][r * nl + j];
          }
        }
        S[h][r * nh + o] = sum;
      }
      double* out = O[h].data() + r * nh;
      const double* in = S[h].data() + r * nh;
      if (s.activation == de::Activation::Softmax) {
        double mx = in[0], z = 0;
        for (int64_t o = 1; o < nh; ++o) mx = std::max(mx, in[o]);
        for (int64_t o = 0; o < nh; ++o) z += std::exp(in[o] - mx);
        for (int64_t o = 0; o < nh; ++o) out[o] = std::exp(in[o] - mx) / z;
      } else {
        for (int64_t o = 0; o < nh; ++o) {
          const double v = in[o];
          switch (s.activation) {
            case de::Activation::Logistic: out[o] = 1.0 / (1.0 + s.c * std::exp(-s.lambda * v)); break;
            case de::Activation::Linear: out[o] = v; break;
            case de::Activation::Relu: out[o] = v > 0 ? v : 0; break;
            case de::Activation::Tanh: out[o] = std::tanh(v); break;
            default: break;
          }
        }
      }
    }
  }
  if (Sout) *Sout = S;
  return O;
}

// Mean loss over rows: cross-entropy (softmax: −Σ t log O; logistic: −Σ t log O + (1−t) log(1−O))
// or squared error ½ Σ (O − t)²; targets as values [rows × outputs].
inline double reference_loss(const de::Network& net, const std::vector<double>& p, const std::vector<double>& x,
                             int64_t rows, const ReferenceGates& g, const std::vector<double>& t, de::Loss loss) {
  const auto O = reference_forward(net, p, x, rows, g, nullptr);
  const int L = net.top();
  const int64_t no = net.units(L);
  double total = 0;
  for (int64_t i = 0; i < rows * no; ++i) {
    const double o = O[L][i];
    if (loss == de::Loss::SquaredError) total += 0.5 * (o - t[i]) * (o - t[i]);
    else if (net.layer(L).activation == de::Activation::Softmax) total -= t[i] * std::log(o);
    else total -= t[i] * std::log(o) + (1 - t[i]) * std::log(1 - o);
  }
  return total / static_cast<double>(rows);
}

}  // namespace de_test
