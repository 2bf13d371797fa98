// Logistic units behind core/activations.h, portable (activation_ref.cpp) and vectorised (activation_group.h): O = σ(λ·S − ln c) for a
// row, eight (AVX2) or sixteen (AVX-512F) lanes at a time. The forward pass spent a fifth of a
// Monte Carlo run in the scalar expf before these.
#pragma once
#include <cstdint>

namespace de {
namespace cpu {

void logistic_row_portable(const float* S, float* O, int64_t n, float lambda, float lnC);  // activation_ref.cpp
extern const bool kActivationAvx2Compiled;
extern const bool kActivationAvx512Compiled;
void logistic_row_avx2(const float* S, float* O, int64_t n, float lambda, float lnC);
void logistic_row_avx512(const float* S, float* O, int64_t n, float lambda, float lnC);

}  // namespace cpu
}  // namespace de
