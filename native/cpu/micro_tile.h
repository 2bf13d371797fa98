// The register tile of the GEMM micro-kernels, written once for any vector ISA (vec_avx2.h,
// vec_avx512.h): 6 rows × W vectors of V::kLanes columns, so 6·W accumulators; per step W loads of
// B and six broadcasts of A. B's micro-panel is kStride floats wide per p, of which the tile uses
// the first W·kLanes (the AVX-512 kernel's half-width path reads the left 16 of a 32-wide panel).
// Every element is one FMA chain over p from zero, then added to C once: each ISA and width forms
// the same bits, which is why the AVX2 and AVX-512 products are bit-identical.
// Include after the ISA's vec header, only from the kernel file compiled for that ISA (internal
// linkage, like the vec headers, so the builds never mix).
#pragma once
#include <cstdint>

#include "cpu/pack_generic.h"

namespace de {
namespace cpu {
namespace {

constexpr int kTileRows = 6;

// Brings the tile's rows of C towards L1 while the sums are formed (a row spans up to kCols/16 + 1
// cache lines).
template <int kCols>
inline void prefetch_c_tile(const float* c, int64_t ldc) {
  for (int i = 0; i < kTileRows; ++i) {
    for (int h = 0; h < kCols; h += 16) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + h), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + kCols - 1), _MM_HINT_T0);
  }
}

// Adds the finished sums to C (or writes them): a whole tile straight, an edge tile through a
// buffer, which rounds c + acc exactly as the straight path does.
template <class V, int W, int kStride>
inline void store_c_tile(typename V::F (&acc)[kTileRows][W], float* c, int64_t ldc, int m, int n, bool accumulate) {
  constexpr int kCols = W * V::kLanes;
  if (m == kTileRows && n == kCols) {
#pragma GCC unroll 6
    for (int i = 0; i < kTileRows; ++i) {
#pragma GCC unroll 2
      for (int w = 0; w < W; ++w) {
        float* ci = c + i * ldc + w * V::kLanes;
        V::storeu(ci, accumulate ? V::add(V::loadu(ci), acc[i][w]) : acc[i][w]);
      }
    }
    return;
  }
  alignas(64) float buf[kTileRows * kStride];
#pragma GCC unroll 6
  for (int i = 0; i < kTileRows; ++i)
#pragma GCC unroll 2
    for (int w = 0; w < W; ++w) V::storeu(buf + i * kStride + w * V::kLanes, acc[i][w]);
  store_partial_tile<kTileRows, kStride>(buf, c, ldc, m, n, accumulate);
}

template <class V, int W, int kStride>
inline void micro_tile(int64_t k, const float* a, const float* b, float* c, int64_t ldc, int m, int n,
                       bool accumulate) {
  using F = typename V::F;
  constexpr int kCols = W * V::kLanes;
  static_assert(kCols <= kStride, "the tile reads within B's micro-panel");
  prefetch_c_tile<kCols>(c, ldc);
  F acc[kTileRows][W];
#pragma GCC unroll 6
  for (int i = 0; i < kTileRows; ++i)
#pragma GCC unroll 2
    for (int w = 0; w < W; ++w) acc[i][w] = V::set1(0.0f);
#pragma GCC unroll 4
  for (int64_t p = 0; p < k; ++p) {
    F bv[W];
#pragma GCC unroll 2
    for (int w = 0; w < W; ++w) bv[w] = V::loadu(b + w * V::kLanes);
#pragma GCC unroll 6
    for (int i = 0; i < kTileRows; ++i) {
      const F av = V::set1(a[i]);
#pragma GCC unroll 2
      for (int w = 0; w < W; ++w) acc[i][w] = V::fmadd(av, bv[w], acc[i][w]);
    }
    a += kTileRows;
    b += kStride;
  }
  store_c_tile<V, W, kStride>(acc, c, ldc, m, n, accumulate);
}

}  // namespace
}  // namespace cpu
}  // namespace de
