// Per-layer buffers of one batch size, allocated once per train / predict call (no per-batch
// allocation): S, O, dS per layer, the unit gates, the gathered inputs and targets.
#pragma once
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "core/connection_dropout.h"
#include "core/network.h"

namespace de {

struct BatchWorkspace {
  int64_t rows = 0;
  std::vector<std::vector<float>> S, O, dS;
  std::vector<std::vector<uint8_t>> masks;  // unit gates per source layer [rows × units_l]
  // Connection gate bits of every gated edge, forward → backward. Left uninitialised on purpose:
  // the pages are only touched by a pass with Philox connection gates (never by evaluation).
  std::unique_ptr<uint64_t[]> connectionGates;
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
    if (net.spec().dropout == DropoutMode::Connections && withBackward) {
      // Recording the gates lets backward skip two of the three Philox draws (the bulk of the
      // cost of Eq. 3); 66 MB for the paper's network at batch 100. Past the cap it redraws them.
      constexpr int64_t kMaxGateWords = int64_t{1} << 25;  // 256 MB
      int64_t words = 0;
      std::vector<int64_t> at(net.edges().size(), -1);
      for (size_t e = 0; e < net.edges().size(); ++e) {
        const Network::Edge& ed = net.edges()[e];
        if (net.keeps_all(ed.l)) continue;
        at[e] = words;
        words += rows * net.units(ed.h) * gate_words(net.units(ed.l));
      }
      if (words > 0 && words <= kMaxGateWords) connectionGates.reset(new (std::nothrow) uint64_t[static_cast<size_t>(words)]);
      if (connectionGates) {  // else (out of memory) backward simply draws the gates again
        fwd.connectionGates.assign(net.edges().size(), nullptr);
        for (size_t e = 0; e < at.size(); ++e)
          if (at[e] >= 0) fwd.connectionGates[e] = connectionGates.get() + at[e];
      }
    }
    input.resize(static_cast<size_t>(rows * net.units(0)));
  }
};

}  // namespace de
