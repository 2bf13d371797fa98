// The operands of one masked product for the GEMM tests (test_gemm.cpp, test_gemm_bf16.cpp): random
// A, B and C, the masks, scale and bias an Options asks for, padded leading dimensions, and the
// magnitude Σ|a·b| + |beta·C| + |bias| that bounds the rounding error of each element.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/gemm.h"

namespace {

using de::GemmArgs;
using de::Trans;

struct Options {
  bool aMask = false, bMask = false, cMask = false, scale = false, bias = false, beta = false;
  int pad = 0;  // extra leading-dimension elements, to test strides
};

// Owns the operands of one product and builds GemmArgs over them.
struct Problem {
  int64_t M, N, K;
  Trans ta, tb;
  Options o;
  std::vector<float> A, B, C0, scale, bias;
  std::vector<uint8_t> aMask, bMask, cMask;
  int64_t lda, ldb, ldc;
  de::Precision precision = de::Precision::Fp32;  // of the product args() describes

  Problem(int64_t m, int64_t n, int64_t k, Trans ta_, Trans tb_, Options opt, uint32_t seed)
      : M(m), N(n), K(k), ta(ta_), tb(tb_), o(opt) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::bernoulli_distribution keep(0.7);
    const int64_t aRows = ta == Trans::No ? M : K, aCols = ta == Trans::No ? K : M;
    const int64_t bRows = tb == Trans::No ? K : N, bCols = tb == Trans::No ? N : K;
    lda = aCols + o.pad;
    ldb = bCols + o.pad;
    ldc = N + o.pad;
    A.resize(static_cast<size_t>(aRows * lda));
    B.resize(static_cast<size_t>(bRows * ldb));
    C0.resize(static_cast<size_t>(M * ldc));
    for (auto& v : A) v = u(rng);
    for (auto& v : B) v = u(rng);
    for (auto& v : C0) v = o.beta ? u(rng) : std::numeric_limits<float>::quiet_NaN();  // beta 0: never read
    if (o.aMask) {
      aMask.resize(A.size());
      for (auto& v : aMask) v = keep(rng);
    }
    if (o.bMask) {
      bMask.resize(B.size());
      for (auto& v : bMask) v = keep(rng);
    }
    if (o.cMask) {
      cMask.resize(C0.size());
      for (auto& v : cMask) v = keep(rng);
    }
    if (o.scale) {
      scale.resize(static_cast<size_t>(K));
      for (auto& v : scale) v = 0.5f + 0.5f * u(rng);
    }
    if (o.bias) {
      bias.resize(static_cast<size_t>(N));
      for (auto& v : bias) v = u(rng);
    }
  }

  GemmArgs args(float* C) const {
    GemmArgs g;
    g.M = M, g.N = N, g.K = K, g.ta = ta, g.tb = tb;
    g.A = A.data(), g.lda = lda, g.B = B.data(), g.ldb = ldb, g.C = C, g.ldc = ldc;
    if (o.aMask) g.aMask = aMask.data(), g.ldaMask = lda;
    if (o.bMask) g.bMask = bMask.data(), g.ldbMask = ldb;
    if (o.cMask) g.cMask = cMask.data(), g.ldcMask = ldc;
    if (o.scale) g.aScale = scale.data();
    if (o.bias) g.bias = bias.data();
    g.beta = o.beta ? 1.0f : 0.0f;
    g.precision = precision;
    return g;
  }

  // Σ|a·b| + |beta·C| + |bias| per element: the scale of the rounding error of a float sum (of the
  // bf16-rounded operands when precision is Bf16: rounding commutes with |·|).
  std::vector<float> magnitude() const {
    Problem abs = *this;
    for (auto& v : abs.A) v = std::fabs(v);
    for (auto& v : abs.B) v = std::fabs(v);
    for (auto& v : abs.C0) v = o.beta ? std::fabs(v) : 0.0f;
    for (auto& v : abs.bias) v = std::fabs(v);
    abs.o.cMask = false;
    std::vector<float> mag = abs.C0;
    GemmArgs g = abs.args(mag.data());
    g.beta = 1.0f;
    de::masked_gemm_reference(g);
    return mag;
  }
};

std::string describe(const char* kernel, const Problem& p) {
  std::ostringstream os;
  os << kernel << " M=" << p.M << " N=" << p.N << " K=" << p.K << " ta=" << int(p.ta) << " tb=" << int(p.tb)
     << " aMask=" << p.o.aMask << " bMask=" << p.o.bMask << " cMask=" << p.o.cMask << " scale=" << p.o.scale
     << " bias=" << p.o.bias << " beta=" << p.o.beta << " pad=" << p.o.pad;
  return os.str();
}

Options options_from_bits(int bits) {
  Options o;
  o.aMask = bits & 1, o.bMask = bits & 2, o.cMask = bits & 4, o.scale = bits & 8, o.bias = bits & 16,
  o.beta = bits & 32;
  o.pad = (bits % 3 == 0) ? 3 : 0;
  return o;
}

}  // namespace
