// Connection dropout (Eq. 3). Each (example, output unit) row of gates is drawn into a per-worker
// buffer as 32-bit lane masks — by the AVX2 Philox (cpu/connection_avx2.cpp) when the CPU has it,
// else by the scalar Philox; the very same gates either way — and used at once by a vectorised
// masked dot product or axpy. The loops are ordered so that the weights a task reads stay in L2
// while every example of the batch passes over them (W of a 1200×1200 layer is 5.8 MB; reading it
// once per example would cost more than the arithmetic).
#include "core/connection_dropout.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/connection_simd.h"
#include "cpu/kernels.h"

namespace de {

namespace {

constexpr int64_t kOutChunk = 32;  // output units per task / per pass: W rows of a chunk stay in L2
constexpr int64_t kRowChunk = 4;   // examples per input-gradient task: their dA rows stay in L1
constexpr uint64_t kTwo32 = uint64_t{1} << 32;

void run(ThreadPool* pool, int threads, int64_t tasks, const std::function<void(int64_t, int)>& fn) {
  if (pool && tasks > 1) {
    pool->parallel_for(tasks, threads, fn);
  } else {
    for (int64_t t = 0; t < tasks; ++t) fn(t, 0);
  }
}

// ---- portable inner loops (any CPU, and DE_CPU_KERNEL=ref) ----
void gate_row_portable(const cpu::GateRow& g, const uint64_t* thresholds, int32_t* mask) {
  const uint32_t k0 = static_cast<uint32_t>(g.seed), k1 = static_cast<uint32_t>(g.seed >> 32);
  int64_t j = 0;
  while (j < g.n) {
    const uint64_t col = g.col0 + static_cast<uint64_t>(j);
    const U32x4 w = philox4x32_10(mask_counter(g.stream, g.row, col), k0, k1);
    for (uint64_t q = col & 3; q < 4 && j < g.n; ++q, ++j) mask[j] = -static_cast<int32_t>(static_cast<uint64_t>(w.v[q]) < thresholds[j]);
  }
}
float masked_dot_portable(const int32_t* mask, const float* w, const float* a, int64_t n) {
  float s = 0.0f;
  for (int64_t j = 0; j < n; ++j) s += mask[j] ? w[j] * a[j] : 0.0f;
  return s;
}
void masked_axpy_portable(const int32_t* mask, float d, const float* x, float* y, int64_t n) {
  for (int64_t j = 0; j < n; ++j) y[j] += mask[j] ? d * x[j] : 0.0f;
}

bool use_avx2() {
  return cpu::kConnectionAvx2Compiled && cpu_use_avx2();
}

// Draws rows of gates into per-worker scratch, from Philox or from given bytes.
class GateDrawer {
 public:
  GateDrawer(const ConnectionGates& g, ThreadPool* pool)
      : g_(g), avx2_(use_avx2()), workers_(pool ? pool->size() : 1) {
    const int64_t n = g.unitsL;
    mask_.resize(static_cast<size_t>(workers_ * cpu::gate_mask_scratch(n)));
    if (g.given || g.replay || !avx2_) return;
    words_.resize(static_cast<size_t>(workers_ * cpu::gate_words_scratch(n)));
    const size_t padded = static_cast<size_t>(cpu::gate_mask_scratch(n));
    biased_.assign(padded, static_cast<int32_t>(0x80000000u));  // padding: never kept
    always_.assign(padded, 0);
    for (int64_t j = 0; j < n; ++j) {
      const uint64_t t = g.thresholds[j];
      biased_[j] = static_cast<int32_t>(static_cast<uint32_t>(std::min<uint64_t>(t, kTwo32 - 1)) ^ 0x80000000u);
      always_[j] = t >= kTwo32 ? -1 : 0;
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
      if (avx2_) {
        cpu::bits_to_mask_avx2(g_.replay + at, n, mask);
      } else {
        for (int64_t j = 0; j < n; ++j) mask[j] = -static_cast<int32_t>((g_.replay[at + (j >> 6)] >> (j & 63)) & 1);
      }
      return mask;
    }
    if (avx2_) {
      cpu::gate_row_avx2(gate_row(r, o), thresholds(), words_.data() + worker * cpu::gate_words_scratch(n), mask);
    } else {
      gate_row_portable(gate_row(r, o), g_.thresholds, mask);
    }
    if (g_.record) {
      if (avx2_) {
        cpu::mask_to_bits_avx2(mask, n, g_.record + at);
      } else {
        uint64_t* bits = g_.record + at;
        std::fill(bits, bits + gate_words(n), uint64_t{0});
        for (int64_t j = 0; j < n; ++j) bits[j >> 6] |= static_cast<uint64_t>(mask[j] != 0) << (j & 63);
      }
    }
    return mask;
  }

  float dot(const int32_t* m, const float* w, const float* a) const {
    return avx2_ ? cpu::masked_dot_avx2(m, w, a, g_.unitsL) : masked_dot_portable(m, w, a, g_.unitsL);
  }
  // Σ_j gate_j·w_j·a_j over the gates of row (r, o); drawn Philox gates go straight into the AVX2 loop.
  float dot_row(int64_t r, int64_t o, int worker, const float* w, const float* a) {
    if (!g_.given && !g_.replay && avx2_) {
      const int64_t n = g_.unitsL;
      uint64_t* record = g_.record ? g_.record + (r * g_.unitsH + o) * gate_words(n) : nullptr;
      return cpu::gate_dot_avx2(gate_row(r, o), thresholds(), words_.data() + worker * cpu::gate_words_scratch(n), w, a,
                                record);
    }
    return dot(row(r, o, worker), w, a);
  }
  void axpy(const int32_t* m, float d, const float* x, float* y) const {
    avx2_ ? cpu::masked_axpy_avx2(m, d, x, y, g_.unitsL) : masked_axpy_portable(m, d, x, y, g_.unitsL);
  }
  // y += d·(gates of row (r, o))⊙x; recorded bits go straight into the AVX2 loop.
  void axpy_row(int64_t r, int64_t o, int worker, float d, const float* x, float* y) {
    if (g_.replay && !g_.given && avx2_) {
      cpu::bits_axpy_avx2(g_.replay + (r * g_.unitsH + o) * gate_words(g_.unitsL), d, x, y, g_.unitsL);
      return;
    }
    axpy(row(r, o, worker), d, x, y);
  }

 private:
  // The Philox gates of connections (o ← j) of batch row r, and the AVX2 kernel's thresholds.
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
  bool avx2_;
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
