// Connection dropout (Eq. 3). Each (example, output unit) row of gates is drawn into a per-worker
// buffer as 32-bit lane masks — by the AVX2 Philox (cpu/connection_avx2.cpp) when the CPU has it,
// else by the scalar Philox (cpu/connection_ref.cpp); the very same gates either way — and used at
// once by a masked dot product or axpy. The loops are ordered so that the weights a task reads stay in L2
// while every example of the batch passes over them (W of a 1200×1200 layer is 5.8 MB; reading it
// once per example would cost more than the arithmetic).
#include "core/connection_dropout.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/biased_threshold.h"
#include "cpu/dispatch.h"

namespace de {

namespace {

constexpr int64_t kOutChunk = 32;  // output units per task / per pass: W rows of a chunk stay in L2
constexpr int64_t kRowChunk = 4;   // examples per input-gradient task: their dA rows stay in L1

void run(ThreadPool* pool, int threads, int64_t tasks, const std::function<void(int64_t, int)>& fn) {
  if (pool && tasks > 1) {
    pool->parallel_for(tasks, threads, fn);
  } else {
    for (int64_t t = 0; t < tasks; ++t) fn(t, 0);
  }
}

// Draws rows of gates into per-worker scratch, from Philox or from given bytes, with the gate
// kernels of the dispatch table (read once per pass).
class GateDrawer {
 public:
  GateDrawer(const ConnectionGates& g, ThreadPool* pool)
      : g_(g), k_(*cpu::dispatch().gates), workers_(pool ? pool->size() : 1) {
    const int64_t n = g.unitsL;
    mask_.resize(static_cast<size_t>(workers_ * cpu::gate_mask_scratch(n)));
    if (g.given || g.replay) return;
    words_.resize(static_cast<size_t>(workers_ * cpu::gate_words_scratch(n)));
    const size_t padded = static_cast<size_t>(cpu::gate_mask_scratch(n));
    biased_.assign(padded, cpu::biased_threshold(0));  // padding: never kept
    always_.assign(padded, 0);
    for (int64_t j = 0; j < n; ++j) {
      biased_[j] = cpu::biased_threshold(g.thresholds[j]);
      always_[j] = cpu::always_kept(g.thresholds[j]);
    }
  }

  // The gates of connections (o ← j), j < unitsL, of batch row r: −1 kept, 0 dropped.
  const int32_t* row(int64_t r, int64_t o, int worker) {
    const int64_t n = g_.unitsL;
    int32_t* mask = mask_.data() + worker * cpu::gate_mask_scratch(n);
    if (g_.given) {
      const uint8_t* b = g_.given + (r * g_.unitsH + o) * n;
      for (int64_t j = 0; j < n; ++j) mask[j] = -static_cast<int32_t>(b[j] != 0);
      return mask;
    }
    const int64_t at = (r * g_.unitsH + o) * gate_words(n);
    if (g_.replay) {
      k_.bits_to_mask(g_.replay + at, n, mask);
      return mask;
    }
    k_.gate_row(gate_row(r, o), thresholds(), words_.data() + worker * cpu::gate_words_scratch(n), mask);
    if (g_.record) k_.mask_to_bits(mask, n, g_.record + at);
    return mask;
  }

  float dot(const int32_t* m, const float* w, const float* a) const { return k_.masked_dot(m, w, a, g_.unitsL); }
  // Σ_j gate_j·w_j·a_j over the gates of row (r, o); drawn Philox gates go straight into the kernel.
  float dot_row(int64_t r, int64_t o, int worker, const float* w, const float* a) {
    if (!g_.given && !g_.replay) {
      const int64_t n = g_.unitsL;
      uint64_t* record = g_.record ? g_.record + (r * g_.unitsH + o) * gate_words(n) : nullptr;
      return k_.gate_dot(gate_row(r, o), thresholds(), words_.data() + worker * cpu::gate_words_scratch(n), w, a, record);
    }
    return dot(row(r, o, worker), w, a);
  }
  void axpy(const int32_t* m, float d, const float* x, float* y) const { k_.masked_axpy(m, d, x, y, g_.unitsL); }
  // y += d·(gates of row (r, o))⊙x; recorded bits go straight into the kernel.
  void axpy_row(int64_t r, int64_t o, int worker, float d, const float* x, float* y) {
    if (g_.replay && !g_.given) {
      k_.bits_axpy(g_.replay + (r * g_.unitsH + o) * gate_words(g_.unitsL), d, x, y, g_.unitsL);
      return;
    }
    axpy(row(r, o, worker), d, x, y);
  }

 private:
  // The Philox gates of connections (o ← j) of batch row r, and the kernels' thresholds.
  cpu::GateRow gate_row(int64_t r, int64_t o) const {
    cpu::GateRow row;
    row.seed = g_.seed;
    row.stream = g_.stream;
    row.row = g_.row0 + static_cast<uint64_t>(r);
    row.col0 = static_cast<uint64_t>(o) * static_cast<uint64_t>(g_.unitsL);
    row.n = g_.unitsL;
    return row;
  }
  cpu::GateThresholds thresholds() const {
    cpu::GateThresholds t;
    t.biased = biased_.data();
    t.always = always_.data();
    return t;
  }

  const ConnectionGates& g_;
  const cpu::GateKernels& k_;
  int workers_;
  std::vector<int32_t> mask_, biased_, always_;
  std::vector<uint32_t> words_;
};

}  // namespace

void ConnectionGates::row(int64_t r, int64_t o, uint8_t* g) const {
  if (given) {
    std::memcpy(g, given + (r * unitsH + o) * unitsL, static_cast<size_t>(unitsL));
    return;
  }
  const uint64_t absRow = row0 + static_cast<uint64_t>(r);
  const uint64_t col0 = static_cast<uint64_t>(o) * static_cast<uint64_t>(unitsL);
  const uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  int64_t j = 0;
  while (j < unitsL) {
    const uint64_t col = col0 + static_cast<uint64_t>(j);
    const U32x4 w = philox4x32_10(mask_counter(stream, absRow, col), k0, k1);
    for (uint64_t word = col & 3; word < 4 && j < unitsL; ++word, ++j) g[j] = static_cast<uint64_t>(w.v[word]) < thresholds[j];
  }
}

// Tasks own chunks of output units; each walks every example over its chunk of W (kept in L2).
void connection_forward(const ConnectionGates& gates, int64_t rows, const float* A, const float* W,
                        const float* bias, bool accumulate, float* S, ThreadPool* pool, int threads) {
  const int64_t nh = gates.unitsH, nl = gates.unitsL;
  GateDrawer draw(gates, pool);
  run(pool, threads, (nh + kOutChunk - 1) / kOutChunk, [&](int64_t task, int worker) {
    const int64_t o0 = task * kOutChunk, o1 = std::min(nh, o0 + kOutChunk);
    for (int64_t r = 0; r < rows; ++r) {
      const float* a = A + r * nl;
      for (int64_t o = o0; o < o1; ++o) {
        const float sum = draw.dot_row(r, o, worker, W + o * nl, a);
        float& s = S[r * nh + o];
        s = (accumulate ? s : (bias ? bias[o] : 0.0f)) + sum;
      }
    }
  });
}

void connection_weight_grad(const ConnectionGates& gates, int64_t rows, const float* dS, const float* A,
                            float* dW, ThreadPool* pool, int threads) {
  const int64_t nh = gates.unitsH, nl = gates.unitsL;
  GateDrawer draw(gates, pool);
  run(pool, threads, (nh + kOutChunk - 1) / kOutChunk, [&](int64_t task, int worker) {
    const int64_t o0 = task * kOutChunk, o1 = std::min(nh, o0 + kOutChunk);
    for (int64_t o = o0; o < o1; ++o) {
      float* dw = dW + o * nl;
      std::fill(dw, dw + nl, 0.0f);
      for (int64_t r = 0; r < rows; ++r) {
        const float d = dS[r * nh + o];
        if (d == 0.0f) continue;  // skipping exact zeros changes no sum
        draw.axpy_row(r, o, worker, d, A + r * nl, dw);
      }
    }
  });
}

// Tasks own kRowChunk examples; they pass over W chunk by chunk, so a chunk serves all of them while
// it is in L2. Every dA row still sums its output units in ascending order, whatever the chunking.
void connection_input_grad(const ConnectionGates& gates, int64_t rows, const float* dS, const float* W,
                           bool accumulate, float* dA, ThreadPool* pool, int threads) {
  const int64_t nh = gates.unitsH, nl = gates.unitsL;
  GateDrawer draw(gates, pool);
  run(pool, threads, (rows + kRowChunk - 1) / kRowChunk, [&](int64_t task, int worker) {
    const int64_t r0 = task * kRowChunk, r1 = std::min(rows, r0 + kRowChunk);
    if (!accumulate) std::fill(dA + r0 * nl, dA + r1 * nl, 0.0f);
    for (int64_t o0 = 0; o0 < nh; o0 += kOutChunk) {
      const int64_t o1 = std::min(nh, o0 + kOutChunk);
      for (int64_t r = r0; r < r1; ++r) {
        for (int64_t o = o0; o < o1; ++o) {
          const float d = dS[r * nh + o];
          if (d == 0.0f) continue;
          draw.axpy_row(r, o, worker, d, W + o * nl, dA + r * nl);
        }
      }
    }
  });
}

}  // namespace de
