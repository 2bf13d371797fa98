// Portable packing of one GEMM operand into R-row micro-panels, applying the dropout mask and the
// weight scale while copying (so there is never a separate masking pass over the data).
// Everything here has internal linkage on purpose: each kernel file includes it and compiles its own
// copy with its own ISA flags, so an AVX2-compiled copy can never be picked by the linker for the
// reference path (the ODR trap of per-file ISA flags).
#pragma once
#include <cstdint>

#include "cpu/kernels.h"
#include "cpu/mask_scale_dispatch.h"

namespace de {
namespace {

// value = (x · mask) · scale, in this order in every packer so they all round alike.
template <bool kMask, bool kScale, int R>
inline void pack_panels(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  for (int64_t rb = 0; rb < rows; rb += R, dst += R * k) {
    const int h = rows - rb < R ? static_cast<int>(rows - rb) : R;
    const int64_t rr = r0 + rb;
    if (s.kContiguous) {
      // Transposing gather: row r is contiguous along p, the panel wants R rows side by side per p.
      for (int r = 0; r < h; ++r) {
        const float* x = s.x + (rr + r) * s.ld + p0;
        const uint8_t* m = kMask ? s.mask + (rr + r) * s.ldMask + p0 : nullptr;
        for (int64_t p = 0; p < k; ++p) {
          float v = x[p];
          if (kMask) v *= static_cast<float>(m[p]);
          if (kScale) v *= s.scale[p0 + p];
          dst[p * R + r] = v;
        }
      }
      for (int r = h; r < R; ++r)
        for (int64_t p = 0; p < k; ++p) dst[p * R + r] = 0.0f;
    } else {
      // Straight copy: for each p the R rows are already side by side in memory.
      for (int64_t p = 0; p < k; ++p) {
        const float* x = s.x + (p0 + p) * s.ld + rr;
        const uint8_t* m = kMask ? s.mask + (p0 + p) * s.ldMask + rr : nullptr;
        const float sc = kScale ? s.scale[p0 + p] : 1.0f;
        float* d = dst + p * R;
        if (h == R) {
          for (int r = 0; r < R; ++r) {
            float v = x[r];
            if (kMask) v *= static_cast<float>(m[r]);
            if (kScale) v *= sc;
            d[r] = v;
          }
        } else {
          for (int r = 0; r < h; ++r) {
            float v = x[r];
            if (kMask) v *= static_cast<float>(m[r]);
            if (kScale) v *= sc;
            d[r] = v;
          }
          for (int r = h; r < R; ++r) d[r] = 0.0f;
        }
      }
    }
  }
}

template <int R>
void pack_generic(const PackSource& s, int64_t r0, int64_t rows, int64_t p0, int64_t k, float* dst) {
  with_mask_scale(s, [&](auto mask, auto scale) { pack_panels<decltype(mask)::value, decltype(scale)::value, R>(s, r0, rows, p0, k, dst); });
}

// Writes an MR×NR register tile held in `acc` (row-major, NR per row) into the m×n corner of c.
template <int MR, int NR>
inline void store_partial_tile(const float* acc, float* c, int64_t ldc, int m, int n, bool accumulate) {
  for (int i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    if (accumulate)
      for (int j = 0; j < n; ++j) ci[j] = ci[j] + acc[i * NR + j];
    else
      for (int j = 0; j < n; ++j) ci[j] = acc[i * NR + j];
  }
}

}  // namespace
}  // namespace de
