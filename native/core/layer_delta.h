// One step of the backward pass shared by the dense masked pass (network_backward.cpp) and the
// compact one (shared_gates_step.cpp): a layer's deltas from its output gradient, and its bias
// gradient, over a [rows × units] buffer.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/activations.h"
#include "core/parallel_rows.h"

namespace de {

// Hidden layer (not the top): d holds dO, complete once every reader above has added to it, and
// becomes dS = dO ⊙ f′(S); a layer nobody read (`reached` false) gets no gradient: d = 0.
// Every layer: db = column sums of d over the rows, in row order with float64 accumulation, so the
// sums are the same for any thread count.
inline void layer_delta_and_bias(const LayerSpec& spec, bool hidden, bool reached, const float* S, const float* O,
                                 float* d, int64_t rows, int64_t units, float* db, ThreadPool* pool, int threads) {
  if (hidden) {
    if (!reached) {
      std::fill(d, d + rows * units, 0.0f);
    } else {
      parallel_rows(pool, threads, rows, units, [&](int64_t r0, int64_t r1) {
        for (int64_t i = r0; i < r1; ++i) derivative_row(spec, S + i * units, O + i * units, d + i * units, units);
      });
    }
  }
  parallel_rows(pool, threads, units, rows, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double s = 0;
      for (int64_t i = 0; i < rows; ++i) s += d[i * units + c];
      db[c] = static_cast<float>(s);
    }
  });
}

}  // namespace de
