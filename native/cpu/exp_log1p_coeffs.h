// The constants of exp_neg and log1p_small (moments_kernel.h), shared with their per-lane forms
// (vec_math.h) so that the scalar and vector formulas cannot drift apart. Constants only: no code.
#pragma once

namespace de {
namespace cpu {

// e^(−a), Cephes expf: n = round(−a·log2(e)) through the magic 1.5·2^23 (it rounds to an integer in
// the low bits), r = −a − n·ln2 with ln2 in two parts, e^r = 1 + r·(1 + r·P(r)).
constexpr float kExpMagic = 12582912.0f;
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kExpP[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                            4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

// log1p(u) = s·(2 + t·g(t)), s = u / (2 + u), t = s²: g a degree-3 minimax fit on [0, 1/9].
constexpr float kLog1pG[4] = {0.2802445888519287f, 0.27999141812324524f, 0.4002169966697693f, 0.6666641235351562f};

}  // namespace cpu
}  // namespace de
