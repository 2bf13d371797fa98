#include "core/exact_ensemble.h"

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/network.h"
#include "core/thread_pool.h"

namespace de {

namespace {

// One enumerated gate: a unit gate (layer l, unit j) or a connection gate (edge e, o ← j).
struct Gate {
  int l = 0, e = -1;  // e >= 0: connection gate
  int64_t o = 0, j = 0;
  double keep = 1.0;
};

// Gates and their probabilities come from the double keeps (Network::keep_exact), never the float
// ones: a keep of 0.8 weighs a configuration by 0.8, not by 0.800000011920929, so that every
// quantity past the float32 weights is float64.
bool enumerated(double k) { return k > 0.0 && k < 1.0; }

std::vector<Gate> collect_gates(const Network& net, int64_t limit) {
  std::vector<Gate> gates;
  const int L = net.top();
  if (net.spec().dropout == DropoutMode::Units) {
    for (int l = 0; l < L; ++l) {
      if (net.edges_from(l).empty()) continue;  // nobody reads it: its gates change nothing
      const std::vector<double>& keep = net.keep_exact(l);
      for (int64_t j = 0; j < net.units(l); ++j) {
        if (!enumerated(keep[j])) continue;
        if (static_cast<int64_t>(gates.size()) > limit) return gates;
        gates.push_back({l, -1, 0, j, keep[j]});
      }
    }
  } else {
    for (int e = 0; e < static_cast<int>(net.edges().size()); ++e) {
      const Network::Edge& edge = net.edges()[e];
      const std::vector<double>& keep = net.keep_exact(edge.l);
      for (int64_t o = 0; o < net.units(edge.h); ++o) {
        for (int64_t j = 0; j < net.units(edge.l); ++j) {
          if (!enumerated(keep[j])) continue;
          if (static_cast<int64_t>(gates.size()) > limit) return gates;
          gates.push_back({edge.l, e, o, j, keep[j]});
        }
      }
    }
  }
  return gates;
}

// Scratch of one worker: the gates' current values and one subnetwork's activities.
struct Walker {
  const Network* net = nullptr;
  const std::vector<Gate>* gates = nullptr;
  bool connections = false;
  std::vector<std::vector<double>> unitGate;  // [l][j] 0/1, fixed gates preset
  std::vector<std::vector<uint8_t>> connGate; // [e][o·units_l + j]
  std::vector<std::vector<double>> S, O, logO, log1mO, A;  // [h][unit]; A = gated O (unit mode)

  void init(const Network& n, const std::vector<Gate>& g, const float* input) {
    net = &n;
    gates = &g;
    const int L = n.top();
    connections = n.spec().dropout == DropoutMode::Connections;
    unitGate.resize(L + 1);
    connGate.resize(n.edges().size());
    S.resize(L + 1);
    O.resize(L + 1);
    logO.resize(L + 1);
    log1mO.resize(L + 1);
    A.resize(L + 1);
    for (int h = 0; h <= L; ++h) {
      const size_t u = static_cast<size_t>(n.units(h));
      S[h].assign(u, 0.0);
      O[h].assign(u, 0.0);
      logO[h].assign(u, 0.0);
      log1mO[h].assign(u, 0.0);
      A[h].assign(u, 0.0);
      unitGate[h].assign(u, 1.0);
      if (h < L) {
        const std::vector<double>& keep = n.keep_exact(h);
        for (size_t j = 0; j < u; ++j) unitGate[h][j] = keep[j] > 0.0 ? 1.0 : 0.0;  // keep 0: always off
      }
    }
    for (size_t j = 0; j < static_cast<size_t>(n.units(0)); ++j) O[0][j] = input[j];
    if (connections) {
      for (size_t e = 0; e < n.edges().size(); ++e) {
        const Network::Edge& edge = n.edges()[e];
        const int64_t m = n.units(edge.l);
        const std::vector<double>& keep = n.keep_exact(edge.l);
        connGate[e].assign(static_cast<size_t>(n.units(edge.h) * m), 1);
        for (int64_t o = 0; o < n.units(edge.h); ++o)
          for (int64_t j = 0; j < m; ++j) connGate[e][o * m + j] = keep[j] > 0.0 ? 1 : 0;
      }
    }
  }

  // Sets the gates of configuration m (bit g = gate g) and returns its probability.
  double set(uint64_t m) {
    double p = 1.0;
    for (size_t g = 0; g < gates->size(); ++g) {
      const Gate& gate = (*gates)[g];
      const bool on = (m >> g) & 1u;
      p *= on ? gate.keep : 1.0 - gate.keep;
      if (gate.e < 0) unitGate[gate.l][gate.j] = on ? 1.0 : 0.0;
      else connGate[gate.e][gate.o * net->units(gate.l) + gate.j] = on ? 1 : 0;
    }
    return p;
  }

  // The forward pass of the current subnetwork in float64 (Eq. 2/9 or Eq. 3); logs: also log O
  // and log(1 − O) (pass 1 only).
  void forward(bool logs) {
    const int L = net->top();
    if (!connections) gate_layer(0);
    for (int h = 1; h <= L; ++h) {
      const int64_t n = net->units(h);
      std::vector<double>& s = S[h];
      const float* b = net->bias(h);
      for (int64_t o = 0; o < n; ++o) s[o] = b[o];
      for (int e : net->edges_into(h)) {
        const int l = net->edges()[e].l;
        const int64_t m = net->units(l);
        const float* W = net->weights(e);
        if (!connections) {
          const double* a = A[l].data();
          for (int64_t o = 0; o < n; ++o) {
            double acc = 0;
            for (int64_t j = 0; j < m; ++j) acc += static_cast<double>(W[o * m + j]) * a[j];
            s[o] += acc;
          }
        } else {
          const double* a = O[l].data();
          const uint8_t* g = connGate[e].data();
          for (int64_t o = 0; o < n; ++o) {
            double acc = 0;
            for (int64_t j = 0; j < m; ++j) acc += g[o * m + j] ? static_cast<double>(W[o * m + j]) * a[j] : 0.0;
            s[o] += acc;
          }
        }
      }
      const LayerSpec& ls = net->layer(h);
      if (ls.activation == Activation::Softmax && logs) {
        softmax_logs_row(s.data(), n, O[h].data(), logO[h].data(), log1mO[h].data());
      } else {
        activate_row_f64(static_cast<int>(ls.activation), ls.c, ls.lambda, s.data(), O[h].data(), n);
        if (ls.activation == Activation::Logistic && logs) {
          const double lnC = std::log(ls.c);
          for (int64_t o = 0; o < n; ++o) logistic_logs(ls.lambda, lnC, s[o], &logO[h][o], &log1mO[h][o]);
        }
      }
      if (!connections && h < L) gate_layer(h);
    }
  }

  void gate_layer(int l) {
    for (size_t j = 0; j < A[l].size(); ++j) A[l][j] = unitGate[l][j] * O[l][j];
  }
};

}  // namespace

int64_t exact_gate_count(const Network& net) {
  return static_cast<int64_t>(collect_gates(net, std::numeric_limits<int64_t>::max() / 2).size());
}

Result exact_ensemble(const Network& net, const float* input, const ExactOptions& opt, EnsembleMoments* out) {
  if (!input || !out) return Result::error(Status::InvalidArgument, "exact_ensemble: null argument");
  const std::vector<Gate> gates = collect_gates(net, kMaxExactGates);
  if (static_cast<int64_t>(gates.size()) > kMaxExactGates) {
    return Result::error(Status::InvalidArgument,
                         "exactEnsemble: more than " + std::to_string(kMaxExactGates) +
                             " gates with keep in (0, 1); the ensemble is too large to enumerate");
  }
  const int L = net.top();
  out->layers.assign(static_cast<size_t>(L), EnsembleLayerMoments());
  for (int h = 1; h <= L; ++h) out->layers[h - 1].resize(net.units(h));
  Result r = weight_scaled_outputs(net, input, out, KeepPrecision::Exact);
  if (!r.ok()) return r;

  const uint64_t configs = uint64_t(1) << gates.size();
  out->samples = static_cast<int64_t>(configs);
  out->gates = static_cast<int64_t>(gates.size());
  // Flat neuron index over layers 1..L.
  std::vector<int64_t> offset(static_cast<size_t>(L + 2), 0);
  for (int h = 1; h <= L; ++h) offset[h + 1] = offset[h] + net.units(h);
  const int64_t neurons = offset[L + 1];

  ThreadPool* pool = net.pool();
  const int workers = pool ? pool->size() : 1;
  const int64_t chunks = static_cast<int64_t>(configs < 64 ? configs : 64);
  std::vector<Walker> walkers(static_cast<size_t>(workers));
  for (Walker& w : walkers) w.init(net, gates, input);
  std::atomic<bool> cancelled{false};

  // Each pass: per chunk, sums[k][neuron] for `width` quantities; merged in chunk order.
  auto run_pass = [&](int width, bool logs, const std::function<void(Walker&, double p, double* sums)>& visit) {
    std::vector<double> partial(static_cast<size_t>(chunks * width * neurons), 0.0);
    auto task = [&](int64_t c, int worker) {
      Walker& w = walkers[static_cast<size_t>(worker)];
      const uint64_t begin = configs * static_cast<uint64_t>(c) / static_cast<uint64_t>(chunks);
      const uint64_t end = configs * static_cast<uint64_t>(c + 1) / static_cast<uint64_t>(chunks);
      double* sums = partial.data() + c * width * neurons;
      for (uint64_t m = begin; m < end; ++m) {
        if (((m - begin) & 4095u) == 0 && opt.abort && opt.abort->load(std::memory_order_relaxed)) {
          cancelled.store(true);
          return;
        }
        const double p = w.set(m);
        w.forward(logs);
        visit(w, p, sums);
      }
    };
    if (pool) pool->parallel_for(chunks, opt.threads, task);
    else for (int64_t c = 0; c < chunks; ++c) task(c, 0);
    std::vector<double> total(static_cast<size_t>(width * neurons), 0.0);
    for (int64_t c = 0; c < chunks; ++c)
      for (int64_t k = 0; k < width * neurons; ++k) total[k] += partial[c * width * neurons + k];
    return total;
  };

  // Pass 1: E(O), E(S), E(log O), E(log(1 − O)).
  const std::vector<double> first = run_pass(4, true, [&](Walker& w, double p, double* sums) {
    for (int h = 1; h <= L; ++h) {
      const int64_t n = net.units(h);
      double* s = sums + offset[h];
      for (int64_t i = 0; i < n; ++i) {
        s[i] += p * w.O[h][i];
        s[neurons + i] += p * w.S[h][i];
        s[2 * neurons + i] += p * w.logO[h][i];
        s[3 * neurons + i] += p * w.log1mO[h][i];
      }
    }
  });
  if (cancelled.load()) return Result::error(Status::Cancelled, "exactEnsemble was aborted");
  for (int h = 1; h <= L; ++h) {
    EnsembleLayerMoments& lm = out->layers[h - 1];
    const Activation act = net.layer(h).activation;
    const bool geometric = act == Activation::Logistic || act == Activation::Softmax;
    for (int64_t i = 0; i < net.units(h); ++i) {
      const int64_t k = offset[h] + i;
      lm.mean[i] = first[k];
      lm.meanS[i] = first[neurons + k];
      lm.meanLogO[i] = geometric ? first[2 * neurons + k] : std::numeric_limits<double>::quiet_NaN();
      lm.meanLog1mO[i] = geometric ? first[3 * neurons + k] : std::numeric_limits<double>::quiet_NaN();
    }
  }

  // Pass 2: central moments about the exact means.
  const std::vector<double> second = run_pass(3, false, [&](Walker& w, double p, double* sums) {
    for (int h = 1; h <= L; ++h) {
      const EnsembleLayerMoments& lm = out->layers[h - 1];
      double* s = sums + offset[h];
      for (int64_t i = 0; i < net.units(h); ++i) {
        const double d = w.O[h][i] - lm.mean[i];
        const double dS = w.S[h][i] - lm.meanS[i];
        s[i] += p * d * d;
        s[neurons + i] += p * d * d * d;
        s[2 * neurons + i] += p * dS * dS;
      }
    }
  });
  if (cancelled.load()) return Result::error(Status::Cancelled, "exactEnsemble was aborted");
  for (int h = 1; h <= L; ++h) {
    EnsembleLayerMoments& lm = out->layers[h - 1];
    for (int64_t i = 0; i < net.units(h); ++i) {
      const int64_t k = offset[h] + i;
      lm.variance[i] = second[k];
      lm.third[i] = second[neurons + k];
      lm.varianceS[i] = second[2 * neurons + k];
    }
  }
  return Result::success();
}

}  // namespace de
