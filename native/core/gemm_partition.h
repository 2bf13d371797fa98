// How the GEMM driver splits C over threads: a grid of rowParts × colParts rectangles of whole
// register tiles, one task each. Never over K, so no thread count changes any element's arithmetic.
// The grid is chosen to balance compute while packing little twice: a task packs the A rows of its
// rectangle once per nc columns and its B columns once, so tall products split rows and short
// (batch-100) products split columns. Large products get a few tasks per thread so that threads
// that finish early take over the rest.
#pragma once
#include <cstdint>

namespace de {

struct GemmGrid {
  int64_t M = 0, N = 0;
  int mr = 1, nr = 1;
  int rowParts = 1, colParts = 1;
  int64_t tasks() const { return static_cast<int64_t>(rowParts) * colParts; }
  // Rows [i0, i1) and columns [j0, j1) of C for one task.
  void range(int64_t task, int64_t* i0, int64_t* i1, int64_t* j0, int64_t* j1) const;
};

GemmGrid plan_gemm_grid(int64_t M, int64_t N, int64_t K, int threads, int mr, int nr, int nc);

}  // namespace de
