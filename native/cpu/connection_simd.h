// The inner loops of connection dropout (Eq. 3, core/connection_dropout.cpp) for one (example,
// output unit) row of gates: draw the row's gates as 32-bit lane masks, then the masked dot product
// (forward) and masked axpy (both gradients). AVX2+FMA builds in connection_avx2.cpp and the portable
// loops in connection_ref.cpp, reached through the dispatch table (dispatch.h). Both draw exactly the gates of the
// Philox contract (philox.h); only the float summation order of the products differs.
#pragma once
#include <cstdint>

namespace de {
namespace cpu {

// Thresholds of the source units as the vector compare wants them: word < t ⇔ (t ^ 2^31) >
// (word ^ 2^31) as signed, and `always` = −1 where t = 2^32 (keep whatever the word).
struct GateThresholds {
  const int32_t* biased = nullptr;  // [n rounded up to 8]
  const int32_t* always = nullptr;  // [n rounded up to 8]
};

// One row of gates: columns col0 .. col0 + n − 1 of Philox row `row` (col = o·units_l + j).
struct GateRow {
  uint64_t seed = 0;
  uint32_t stream = 0;
  uint64_t row = 0;
  uint64_t col0 = 0;
  int64_t n = 0;
};

// Scratch sizes (elements) for a row of n gates.
inline int64_t gate_words_scratch(int64_t n) { return ((n + 3 + 31) / 32) * 32; }
inline int64_t gate_mask_scratch(int64_t n) { return (n + 7) / 8 * 8; }

// The portable builds of the functions below, with the same contracts (connection_ref.cpp).
void gate_row_portable(const GateRow& g, const GateThresholds& t, uint32_t* words, int32_t* mask);
void mask_to_bits_portable(const int32_t* mask, int64_t n, uint64_t* bits);
void bits_to_mask_portable(const uint64_t* bits, int64_t n, int32_t* mask);
void bits_axpy_portable(const uint64_t* bits, float d, const float* x, float* y, int64_t n);
float masked_dot_portable(const int32_t* mask, const float* w, const float* a, int64_t n);
float gate_dot_portable(const GateRow& g, const GateThresholds& t, uint32_t* words, const float* w, const float* a,
                        uint64_t* record);
void masked_axpy_portable(const int32_t* mask, float d, const float* x, float* y, int64_t n);

extern const bool kConnectionAvx2Compiled;
// mask[j] = −1 when gate j is kept, 0 otherwise (j < n; up to n rounded to 8 are written).
void gate_row_avx2(const GateRow& g, const GateThresholds& t, uint32_t* words, int32_t* mask);
// Gate rows as bits (bit j & 63 of word j >> 6; the unused high bits of the last word are 0), for
// the forward pass to hand its gates to the backward pass: n gates ↔ (n + 63) / 64 words.
void mask_to_bits_avx2(const int32_t* mask, int64_t n, uint64_t* bits);
void bits_to_mask_avx2(const uint64_t* bits, int64_t n, int32_t* mask);  // writes n rounded up to 8
// y_j += d·gate_j·x_j with the gates read from bits (as recorded), without a mask buffer.
void bits_axpy_avx2(const uint64_t* bits, float d, const float* x, float* y, int64_t n);
// Σ_j mask_j·w_j·a_j
float masked_dot_avx2(const int32_t* mask, const float* w, const float* a, int64_t n);
// Draw a row's gates and return Σ_j gate_j·w_j·a_j in one pass (the sum is bit-identical to
// masked_dot_avx2 over the same gates); when record is non-null, also write the gates there as bits.
float gate_dot_avx2(const GateRow& g, const GateThresholds& t, uint32_t* words, const float* w, const float* a,
                    uint64_t* record);
// y_j += d·mask_j·x_j
void masked_axpy_avx2(const int32_t* mask, float d, const float* x, float* y, int64_t n);

}  // namespace cpu
}  // namespace de
