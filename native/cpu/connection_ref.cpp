// The portable connection-dropout loops (connection_simd.h): the gates from the scalar Philox of the
// contract, compared with the thresholds in the layout the AVX2 build reads, and plain loops for the
// masked products. The reference that connection_avx2.cpp is tested against: the same gates, and
// sums that differ only in their order.
#include "common/philox.h"
#include "cpu/biased_threshold.h"
#include "cpu/connection_simd.h"

namespace de {
namespace cpu {

void gate_row_portable(const GateRow& g, const GateThresholds& t, uint32_t* /*words*/, int32_t* mask) {
  const uint32_t k0 = static_cast<uint32_t>(g.seed), k1 = static_cast<uint32_t>(g.seed >> 32);
  int64_t j = 0;
  while (j < g.n) {
    const uint64_t col = g.col0 + static_cast<uint64_t>(j);
    const U32x4 w = philox4x32_10(mask_counter(g.stream, g.row, col), k0, k1);
    for (uint64_t q = col & 3; q < 4 && j < g.n; ++q, ++j) mask[j] = -static_cast<int32_t>(biased_keeps(w.v[q], t.biased[j], t.always[j]));
  }
}

void mask_to_bits_portable(const int32_t* mask, int64_t n, uint64_t* bits) {
  const int64_t words = (n + 63) / 64;
  for (int64_t w = 0; w < words; ++w) bits[w] = 0;
  for (int64_t j = 0; j < n; ++j) bits[j >> 6] |= static_cast<uint64_t>(mask[j] != 0) << (j & 63);
}

void bits_to_mask_portable(const uint64_t* bits, int64_t n, int32_t* mask) {
  for (int64_t j = 0; j < n; ++j) mask[j] = -static_cast<int32_t>((bits[j >> 6] >> (j & 63)) & 1);
}

void bits_axpy_portable(const uint64_t* bits, float d, const float* x, float* y, int64_t n) {
  for (int64_t j = 0; j < n; ++j) y[j] += (bits[j >> 6] >> (j & 63)) & 1 ? d * x[j] : 0.0f;
}

float masked_dot_portable(const int32_t* mask, const float* w, const float* a, int64_t n) {
  float s = 0.0f;
  for (int64_t j = 0; j < n; ++j) s += mask[j] ? w[j] * a[j] : 0.0f;
  return s;
}

// The gates go through `words` (gate_words_scratch(n) ≥ n elements), used here as the mask row.
float gate_dot_portable(const GateRow& g, const GateThresholds& t, uint32_t* words, const float* w, const float* a,
                        uint64_t* record) {
  int32_t* mask = reinterpret_cast<int32_t*>(words);
  gate_row_portable(g, t, nullptr, mask);
  if (record) mask_to_bits_portable(mask, g.n, record);
  return masked_dot_portable(mask, w, a, g.n);
}

void masked_axpy_portable(const int32_t* mask, float d, const float* x, float* y, int64_t n) {
  for (int64_t j = 0; j < n; ++j) y[j] += mask[j] ? d * x[j] : 0.0f;
}

}  // namespace cpu
}  // namespace de
