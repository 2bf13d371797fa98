// Per-neuron moments of a network's units over an ensemble of subnetworks, for one fixed input:
// what the Monte Carlo sampler (ensemble_sampler.h) estimates and the exact enumeration
// (exact_ensemble.h) computes. The derived columns (G, G′, NWGM, Eq. 20, Eq. 22, delta method) are
// formed from these in one place, the TS layer, so both paths share one set of formulas.
#pragma once
#include <cstdint>
#include <vector>

#include "common/status.h"

namespace de {

class Network;

struct EnsembleLayerMoments {  // one paper layer h >= 1, one value per unit
  std::vector<double> mean;        // E(O)
  std::vector<double> variance;    // Var(O) = E[(O − E)²] (the distribution over subnetworks)
  std::vector<double> third;       // κ3 = E[(O − E)³]
  std::vector<double> meanLogO;    // E[log O]: log G;  NaN for linear / relu / tanh units
  std::vector<double> meanLog1mO;  // E[log(1 − O)]: log G′; NaN likewise
  std::vector<double> meanS;       // E(S)
  std::vector<double> varianceS;   // Var(S)
  std::vector<double> deterministic;  // O*: the weight-scaled network (Eq. 4/13), float64
  void resize(int64_t units);
};

struct EnsembleMoments {
  int64_t samples = 0;  // subnetworks sampled, or enumerated configurations (exact)
  int64_t gates = 0;    // exact only: gates enumerated
  std::vector<EnsembleLayerMoments> layers;  // index h − 1
};

// Which keeps scale the weights of O*: the float keeps the masks are drawn with (Engine: the Monte
// Carlo sampler's O*, on every backend), or the double keeps of the description (Exact: the exact
// enumeration's O*, float64 throughout like the rest of its results).
enum class KeepPrecision : uint8_t { Engine, Exact };

// O* of every layer (weight-scaled network, Eq. 4/13) in float64 from the float32 weights, into
// out->layers[h − 1].deterministic. Also used as the starting point of the exact enumeration.
Result weight_scaled_outputs(const Network& net, const float* input, EnsembleMoments* out,
                             KeepPrecision keeps = KeepPrecision::Engine);

// log O and log(1 − O) of one unit from its pre-activation, stably: logistic from the logit
// z = λS − ln c (log σ(z), log σ(−z)); NaN pair for units whose output is not in (0, 1) in general.
// Softmax needs the whole row: see softmax_logs_row.
void logistic_logs(double lambda, double lnC, double S, double* logO, double* log1mO);
void softmax_logs_row(const double* S, int64_t units, double* O, double* logO, double* log1mO);
// O = f(S) for one row in float64 (softmax normalises the row).
void activate_row_f64(int activation, double c, double lambda, const double* S, double* O, int64_t units);

}  // namespace de
