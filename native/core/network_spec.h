// The plain description of a network (Eq. 1): layer 0 is the input, layers 1..L are computed in
// order, and layer h reads any subset `from` of the lower layers, one weight matrix per (h, l) pair.
// The binding copies the JS description into this struct; validate_spec re-checks it (TS has
// checked it first, with better messages).
#pragma once
#include <cstdint>
#include <vector>

#include "common/limits.h"
#include "common/status.h"

namespace de {

enum class Activation : uint8_t { Logistic = 0, Linear = 1, Softmax = 2, Relu = 3, Tanh = 4 };
enum class DropoutMode : uint8_t { Units = 0, Connections = 1 };

struct LayerSpec {
  int64_t units = 0;
  Activation activation = Activation::Logistic;
  double c = 1.0, lambda = 1.0;  // logistic only: O = 1/(1 + c·e^(−λS)), c > 0, λ ≠ 0
  std::vector<float> keep;       // P(δ=1) per unit as seen by the layers above; empty = all 1.
                                 // The top layer has no readers, so its keep must be empty.
  std::vector<double> keepExact; // the same keeps as the description gives them (0.8, not the float
                                 // 0.800000011920929); empty = `keep` widened. See NetworkSpec.
  std::vector<int> from;         // lower layers read, strictly ascending, each in [0, h); empty = {h−1}
};

struct NetworkSpec {
  int64_t inputs = 0;
  std::vector<float> inputKeep;  // per input unit; empty = all 1
  // Each keep exists twice. The float keeps are what masks and training use: mask thresholds
  // (common/keep_threshold.h), weight scaling and the sampler, on every backend. The double keeps
  // are what the exact enumeration weighs its subnetworks by, so that its float64 results are those
  // of the network as described. Each double rounds to its float (normalise_spec checks).
  std::vector<double> inputKeepExact;  // empty = inputKeep widened
  DropoutMode dropout = DropoutMode::Units;
  std::vector<LayerSpec> layers; // paper layers 1..L, in order
  uint64_t seed = 0;             // weight initialisation (and the default training seed, chosen in TS)
  int threads = 0;               // threads of the network's own pool; 0 = hardware_threads()
};

// Checks sizes, keeps in [0, 1], activations and parameters, `from` lists, and that the top layer
// has no keep. Fills empty `from` with {h−1}, empty keeps with ones and empty double keeps with the
// float keeps widened in the returned copy.
Result normalise_spec(const NetworkSpec& in, NetworkSpec* out);

}  // namespace de
