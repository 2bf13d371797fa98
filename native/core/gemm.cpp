// The packed masked GEMM driver, BLIS/Goto style: five loops around the micro-kernel.
//   jc over N in nc columns   → pack kc×nc of op(B ⊙ bMask) once per (jc, pc)        (L3)
//   pc over K in kc steps     → kc is balanced over K and depends on K alone
//   ic over M in mc rows      → pack mc×kc of op(A ⊙ aMask)·diag(aScale)            (L2)
//   jr over nc in nr          → one kc×nr micro-panel of B stays in L1
//   ir over mc in mr          → micro-kernel on an mr×nr tile of C
// The masks and the scale are applied by the packers (cpu/kernels.h), never as a separate pass.
// Bias and cMask are applied to each tile right after its last kc block, while it is still in L1.
// Threads take rectangles of C (core/gemm_partition.h), never slices of K, and every element sums
// its kc blocks in the same order, so the result is bit-identical for any thread count.
#include <algorithm>
#include <atomic>
#include <new>

#include "core/gemm.h"
#include "core/gemm_partition.h"
#include "core/gemm_scratch.h"
#include "core/thread_pool.h"
#include "cpu/kernels.h"

namespace de {

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// op(A)[i][p]: rows of op(A) are the packer's rows; stored [M×K] is contiguous along K.
PackSource a_source(const GemmArgs& g) {
  return {g.A, g.lda, g.ta == Trans::No, g.aMask, g.ldaMask, g.aScale};
}
// op(B)[p][j]: columns of op(B) are the packer's rows; stored [N×K] (Trans::Yes) is contiguous along K.
PackSource b_source(const GemmArgs& g) { return {g.B, g.ldb, g.tb == Trans::Yes, g.bMask, g.ldbMask, nullptr}; }

// C = beta·C + bias, then ⊙ cMask, on rows [i0, i1) × columns [j0, j1): the whole product when K = 0.
void finish_without_product(const GemmArgs& g, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  for (int64_t i = i0; i < i1; ++i) {
    float* c = g.C + i * g.ldc;
    const uint8_t* cm = g.cMask ? g.cMask + i * g.ldcMask : nullptr;
    for (int64_t j = j0; j < j1; ++j) {
      float v = g.beta != 0.0f ? c[j] : 0.0f;
      if (g.bias) v += g.bias[j];
      if (cm && !cm[j]) v = 0.0f;
      c[j] = v;
    }
  }
}

// After the last kc block of a tile: add the bias, then zero where cMask is 0 (the input gradient
// dA = (G·W) ⊙ mask of backpropagation through a dropout layer).
void finish_tile(const GemmArgs& g, int64_t i, int64_t j, int m, int n) {
  if (!g.bias && !g.cMask) return;
  for (int r = 0; r < m; ++r) {
    float* c = g.C + (i + r) * g.ldc + j;
    if (g.bias) {
      const float* bias = g.bias + j;
      for (int q = 0; q < n; ++q) c[q] += bias[q];
    }
    if (g.cMask) {
      const uint8_t* cm = g.cMask + (i + r) * g.ldcMask + j;
      for (int q = 0; q < n; ++q) c[q] = cm[q] ? c[q] : 0.0f;  // a select, not a multiply: NaN·0 stays out
    }
  }
}

struct Plan {
  const CpuKernel* ker;
  int64_t kc;         // balanced block along K
  int64_t mcMax;      // rows of A per packed block
  int64_t ncMax;      // columns of B per packed panel
};

// One task: the five loops over rows [i0, i1) × columns [j0, j1) of C with this thread's buffers.
void run_rectangle(const GemmArgs& g, const Plan& plan, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const CpuKernel& ker = *plan.ker;
  const int mr = ker.mr, nr = ker.nr;
  const int64_t ncCap = std::min(plan.ncMax, round_up(j1 - j0, nr));
  const int64_t mcCap = std::min(plan.mcMax, round_up(i1 - i0, mr));
  const PackBuffers buf = gemm_pack_buffers(static_cast<size_t>(mcCap * plan.kc + kPackSlack),
                                            static_cast<size_t>(ncCap * plan.kc + kPackSlack));
  const PackSource sa = a_source(g), sb = b_source(g);
  for (int64_t jc = j0; jc < j1; jc += plan.ncMax) {
    const int64_t nc = std::min(plan.ncMax, j1 - jc);
    for (int64_t pc = 0; pc < g.K; pc += plan.kc) {
      const int64_t kc = std::min(plan.kc, g.K - pc);
      const bool accumulate = pc > 0 || g.beta != 0.0f;
      const bool last = pc + kc == g.K;
      ker.pack_b(sb, jc, nc, pc, kc, buf.b);
      for (int64_t ic = i0; ic < i1; ic += plan.mcMax) {
        const int64_t mc = std::min(plan.mcMax, i1 - ic);
        ker.pack_a(sa, ic, mc, pc, kc, buf.a);
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int n = static_cast<int>(std::min<int64_t>(nr, nc - jr));
          const float* bp = buf.b + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int m = static_cast<int>(std::min<int64_t>(mr, mc - ir));
            float* c = g.C + (ic + ir) * g.ldc + jc + jr;
            ker.micro(kc, buf.a + ir * kc, bp, c, g.ldc, m, n, accumulate);
            if (last) finish_tile(g, ic + ir, jc + jr, m, n);
          }
        }
      }
    }
  }
}

}  // namespace

Result masked_gemm(const GemmArgs& g, ThreadPool* pool, int threads) {
  Result r = check_gemm_args(g);
  if (!r.ok()) return r;
  if (g.M == 0 || g.N == 0) return Result::success();
  if (g.K == 0) {
    finish_without_product(g, 0, g.M, 0, g.N);
    return Result::success();
  }
  int use = 1;
  if (pool) use = threads <= 0 ? pool->size() : std::min(threads, pool->size());

  Plan plan;
  plan.ker = &active_cpu_kernel();  // read once: a concurrent test switch cannot mix kernels
  const CpuKernel& ker = *plan.ker;
  plan.kc = ceil_div(g.K, ceil_div(g.K, ker.kc));  // e.g. K = 1200 → 5 blocks of 240
  plan.mcMax = round_up(ker.mc, ker.mr);  // whole micro-panels, so the buffers below always fit
  plan.ncMax = round_up(ker.nc, ker.nr);
  const GemmGrid grid = plan_gemm_grid(g.M, g.N, g.K, use, ker.mr, ker.nr, ker.nc);

  std::atomic<bool> outOfMemory{false};
  auto task = [&](int64_t t, int) {
    int64_t i0, i1, j0, j1;
    grid.range(t, &i0, &i1, &j0, &j1);
    try {
      run_rectangle(g, plan, i0, i1, j0, j1);
    } catch (const std::bad_alloc&) {
      outOfMemory.store(true, std::memory_order_relaxed);
    }
  };
  try {
    if (grid.tasks() == 1 || !pool) {
      for (int64_t t = 0; t < grid.tasks(); ++t) task(t, 0);
    } else {
      pool->parallel_for(grid.tasks(), use, task);
    }
  } catch (const std::bad_alloc&) {  // std::function may allocate
    return Result::error(Status::OutOfMemory, "masked_gemm: out of memory");
  }
  if (outOfMemory.load()) return Result::error(Status::OutOfMemory, "masked_gemm: out of memory for packing buffers");
  return Result::success();
}

}  // namespace de
