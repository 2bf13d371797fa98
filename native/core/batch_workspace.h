// Per-layer buffers of one batch size, allocated once per train / predict call (no per-batch
// allocation): S, O, dS per layer, the unit gates, the gathered inputs and targets.
#pragma once
#include <cstdint>
#include <vector>

#include "core/network.h"

namespace de {

struct BatchWorkspace {
  int64_t rows = 0;
  std::vector<std::vector<float>> S, O, dS;
  std::vector<std::vector<uint8_t>> masks;  // unit gates per source layer [rows × units_l]
  std::vector<float> input;                 // gathered rows [rows × inputs]
  std::vector<float> targetValues;          // gathered [rows × outputs]
  std::vector<int32_t> targetLabels;        // gathered [rows]
  ForwardBuffers fwd;
  std::vector<float*> dSPtr;

  BatchWorkspace(const Network& net, int64_t rows, bool withBackward) : rows(rows) {
    const int L = net.top();
    S.resize(L + 1); O.resize(L + 1); dS.resize(L + 1); masks.resize(L);
    fwd.S.assign(L + 1, nullptr); fwd.O.assign(L + 1, nullptr); fwd.unitMasks.assign(L, nullptr);
    dSPtr.assign(L + 1, nullptr);
    for (int h = 1; h <= L; ++h) {
      const size_t n = static_cast<size_t>(rows * net.units(h));
      S[h].resize(n); O[h].resize(n);
      fwd.S[h] = S[h].data(); fwd.O[h] = O[h].data();
      if (withBackward) { dS[h].resize(n); dSPtr[h] = dS[h].data(); }
    }
    if (net.spec().dropout == DropoutMode::Units) {
      for (int l = 0; l < L; ++l) {
        if (net.keeps_all(l)) continue;
        masks[l].resize(static_cast<size_t>(rows * net.units(l)));
        fwd.unitMasks[l] = masks[l].data();
      }
    }
    input.resize(static_cast<size_t>(rows * net.units(0)));
  }
};

}  // namespace de
