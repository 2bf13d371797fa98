#include "core/connection_dropout.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"

namespace de {

namespace {
constexpr int64_t kOutChunk = 32;  // output units per task: fixed, so the split never depends on threads
constexpr int kMaxWorkers = 1024;

void run(ThreadPool* pool, int threads, int64_t tasks, const std::function<void(int64_t, int)>& fn) {
  if (pool) {
    pool->parallel_for(tasks, threads, fn);
  } else {
    for (int64_t t = 0; t < tasks; ++t) fn(t, 0);
  }
}
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

void connection_forward(const ConnectionGates& gates, int64_t rows, const float* A, const float* W,
                        const float* bias, bool accumulate, float* S, ThreadPool* pool, int threads) {
  const int64_t nh = gates.unitsH, nl = gates.unitsL;
  const int64_t chunks = (nh + kOutChunk - 1) / kOutChunk;
  std::vector<std::vector<uint8_t>> scratch(static_cast<size_t>(std::min(kMaxWorkers, pool ? pool->size() : 1)));
  for (auto& s : scratch) s.resize(static_cast<size_t>(nl));
  run(pool, threads, rows * chunks, [&](int64_t task, int worker) {
    const int64_t r = task / chunks, o0 = (task % chunks) * kOutChunk, o1 = std::min(nh, o0 + kOutChunk);
    uint8_t* g = scratch[worker].data();
    const float* a = A + r * nl;
    for (int64_t o = o0; o < o1; ++o) {
      gates.row(r, o, g);
      const float* w = W + o * nl;
      float sum = 0.0f;
      for (int64_t j = 0; j < nl; ++j) sum += static_cast<float>(g[j]) * w[j] * a[j];
      float& s = S[r * nh + o];
      s = (accumulate ? s : (bias ? bias[o] : 0.0f)) + sum;
    }
  });
}

void connection_weight_grad(const ConnectionGates& gates, int64_t rows, const float* dS, const float* A,
                            float* dW, ThreadPool* pool, int threads) {
  const int64_t nh = gates.unitsH, nl = gates.unitsL;
  const int64_t chunks = (nh + kOutChunk - 1) / kOutChunk;
  std::vector<std::vector<uint8_t>> scratch(static_cast<size_t>(std::min(kMaxWorkers, pool ? pool->size() : 1)));
  for (auto& s : scratch) s.resize(static_cast<size_t>(nl));
  run(pool, threads, chunks, [&](int64_t task, int worker) {
    const int64_t o0 = task * kOutChunk, o1 = std::min(nh, o0 + kOutChunk);
    uint8_t* g = scratch[worker].data();
    for (int64_t o = o0; o < o1; ++o) {
      float* dw = dW + o * nl;
      std::fill(dw, dw + nl, 0.0f);
      for (int64_t r = 0; r < rows; ++r) {
        const float d = dS[r * nh + o];
        if (d == 0.0f) continue;  // skipping exact zeros changes no sum
        gates.row(r, o, g);
        const float* a = A + r * nl;
        for (int64_t j = 0; j < nl; ++j) dw[j] += static_cast<float>(g[j]) * d * a[j];
      }
    }
  });
}

void connection_input_grad(const ConnectionGates& gates, int64_t rows, const float* dS, const float* W,
                           bool accumulate, float* dA, ThreadPool* pool, int threads) {
  const int64_t nh = gates.unitsH, nl = gates.unitsL;
  std::vector<std::vector<uint8_t>> scratch(static_cast<size_t>(std::min(kMaxWorkers, pool ? pool->size() : 1)));
  for (auto& s : scratch) s.resize(static_cast<size_t>(nl));
  run(pool, threads, rows, [&](int64_t r, int worker) {
    uint8_t* g = scratch[worker].data();
    float* da = dA + r * nl;
    if (!accumulate) std::fill(da, da + nl, 0.0f);
    for (int64_t o = 0; o < nh; ++o) {
      const float d = dS[r * nh + o];
      if (d == 0.0f) continue;
      gates.row(r, o, g);
      const float* w = W + o * nl;
      for (int64_t j = 0; j < nl; ++j) da[j] += static_cast<float>(g[j]) * d * w[j];
    }
  });
}

}  // namespace de
