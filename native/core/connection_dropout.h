// Connection dropout (Eq. 3): every connection (h, o ← l, j) has its own gate per example, so the
// product cannot be one GEMM. These kernels draw the gates on the fly from Philox (or read given
// bytes, or bits recorded by the forward pass) one (example, output unit) row at a time: memory
// O(units_l) per task, and every output element is owned by one task, so results do not depend on
// the thread count.
#pragma once
#include <cstdint>

#include "common/philox.h"

namespace de {

class ThreadPool;

struct ConnectionGates {
  int64_t unitsH = 0, unitsL = 0;
  const uint8_t* given = nullptr;        // [rows × unitsH × unitsL], or null: Philox below
  uint64_t seed = 0;
  uint32_t stream = 0;                   // connection_stream(purpose, h, l)
  uint64_t row0 = 0;
  const uint64_t* thresholds = nullptr;  // per source unit j (keep_threshold of keep_l[j])
  // Gates as bits, row (r, o) at words (r·unitsH + o)·gate_words(unitsL) (bit j & 63 of word j >> 6):
  // `record` — connection_forward also writes the Philox gates it draws there; `replay` — the
  // gradients read the gates from there instead of drawing them again (they must have been recorded
  // by a forward pass with the same seed, stream and rows). Ignored when `given` is set.
  uint64_t* record = nullptr;
  const uint64_t* replay = nullptr;

  // Gates of connections (o ← j), j in [0, unitsL), for batch row r, into g.
  void row(int64_t r, int64_t o, uint8_t* g) const;
};

inline int64_t gate_words(int64_t unitsL) { return (unitsL + 63) / 64; }

// S[r, o] (+)= Σ_j g(r,o,j)·W[o, j]·A[r, j]; with accumulate false S starts from bias (or 0).
void connection_forward(const ConnectionGates& gates, int64_t rows, const float* A, const float* W,
                        const float* bias, bool accumulate, float* S, ThreadPool* pool, int threads);
// dW[o, j] = Σ_r dS[r, o]·g(r,o,j)·A[r, j]   (overwrites dW)
void connection_weight_grad(const ConnectionGates& gates, int64_t rows, const float* dS, const float* A,
                            float* dW, ThreadPool* pool, int threads);
// dA[r, j] (+)= Σ_o dS[r, o]·g(r,o,j)·W[o, j]
void connection_input_grad(const ConnectionGates& gates, int64_t rows, const float* dS, const float* W,
                           bool accumulate, float* dA, ThreadPool* pool, int threads);

}  // namespace de
