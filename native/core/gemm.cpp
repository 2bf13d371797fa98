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
// When every rectangle spans all of N (rows split) B is packed once, whole, by all the threads
// before the rectangles start, and shared; when every one spans all of M (columns split), A is.
// Packed per rectangle instead, B was packed 8 times over in the 10000-row forward product on 2
// threads, and A 4 times at batch 100. The packed values are the same, so results are too.
// A bf16 product (GemmArgs::precision) runs the same loops with the table's bf16 kernel, whose packed
// rows hold packed_slots(kc) 32-bit slots (cpu/kernels.h) where fp32 rows hold kc floats.
#include <algorithm>
#include <atomic>
#include <new>

#include "core/gemm.h"
#include "core/gemm_partition.h"
#include "core/gemm_scratch.h"
#include "core/thread_pool.h"
#include "cpu/dispatch.h"

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
  // Operands packed whole and shared (or null): kc block p of A at sharedA + p·aStride, its rows
  // from i at + i·kc; kc block p of B (N <= ncMax) at sharedB + p·bStride, its columns from j at + j·kc.
  const float* sharedA = nullptr;
  const float* sharedB = nullptr;
  int64_t aStride = 0, bStride = 0;
};

// An operand packed whole is shared when it is no larger than this (16 MB).
constexpr int64_t kSharedPackMaxFloats = int64_t{1} << 22;

// Packs all K of rows [0, rows) of a source (A: R = mr, B: R = nr) into dst, block p at p·stride,
// its rows from r0 at r0·packed_slots(k),
// one task per kc block, or per kc block and thread when R is a multiple of 8 (rows split on whole
// micro-panels). The stride leaves kPackSlack floats after each block, and a packer with R below 8
// (the transposing A packer, R = 6) writes two floats past its last panel, so its blocks are never
// split between tasks: tasks never overlap.
void pack_whole(const CpuKernel& ker, const PackSource& src, PackFn pack, int R, int64_t rows, int64_t K, int64_t kc,
                int64_t stride, float* dst, ThreadPool* pool, int threads) {
  const int parts = R % 8 == 0 ? threads : 1;
  const int64_t blocks = ceil_div(K, kc), panels = ceil_div(rows, R);
  auto task = [&](int64_t t, int) {
    const int64_t p = t / parts, part = t % parts;
    const int64_t r0 = panels * part / parts * R, r1 = std::min(rows, panels * (part + 1) / parts * R);
    const int64_t pc = p * kc, k = std::min(kc, K - pc);
    if (r1 > r0) pack(src, r0, r1 - r0, pc, k, dst + p * stride + r0 * packed_slots(ker, k));
  };
  pool->parallel_for(blocks * parts, threads, task);
}

// One task: the five loops over rows [i0, i1) × columns [j0, j1) of C with this thread's buffers.
void run_rectangle(const GemmArgs& g, const Plan& plan, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const CpuKernel& ker = *plan.ker;
  const int mr = ker.mr, nr = ker.nr;
  const int64_t ncCap = plan.sharedB ? 0 : std::min(plan.ncMax, round_up(j1 - j0, nr));
  const int64_t mcCap = plan.sharedA ? 0 : std::min(plan.mcMax, round_up(i1 - i0, mr));
  const int64_t slotsMax = packed_slots(ker, plan.kc);
  const PackBuffers buf = gemm_pack_buffers(static_cast<size_t>(mcCap * slotsMax + kPackSlack),
                                            static_cast<size_t>(ncCap * slotsMax + kPackSlack));
  const PackSource sa = a_source(g), sb = b_source(g);
  for (int64_t jc = j0; jc < j1; jc += plan.ncMax) {
    const int64_t nc = std::min(plan.ncMax, j1 - jc);
    for (int64_t pc = 0, p = 0; pc < g.K; pc += plan.kc, ++p) {
      const int64_t kc = std::min(plan.kc, g.K - pc);
      const int64_t slots = packed_slots(ker, kc), kPacked = packed_k(ker, kc);
      const bool accumulate = pc > 0 || g.beta != 0.0f;
      const bool last = pc + kc == g.K;
      const float* bPanel = plan.sharedB ? plan.sharedB + p * plan.bStride + jc * slots : buf.b;
      if (!plan.sharedB) ker.pack_b(sb, jc, nc, pc, kc, buf.b);
      for (int64_t ic = i0; ic < i1; ic += plan.mcMax) {
        const int64_t mc = std::min(plan.mcMax, i1 - ic);
        const float* aBlock = plan.sharedA ? plan.sharedA + p * plan.aStride + ic * slots : buf.a;
        if (!plan.sharedA) ker.pack_a(sa, ic, mc, pc, kc, buf.a);
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int n = static_cast<int>(std::min<int64_t>(nr, nc - jr));
          const float* bp = bPanel + jr * slots;
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int m = static_cast<int>(std::min<int64_t>(mr, mc - ir));
            float* c = g.C + (ic + ir) * g.ldc + jc + jr;
            ker.micro(kPacked, aBlock + ir * slots, bp, c, g.ldc, m, n, accumulate);
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
  const cpu::Dispatch& table = cpu::dispatch();  // read once: a concurrent test switch cannot mix kernels
  plan.ker = g.precision == Precision::Bf16 ? table.gemm_bf16 : table.gemm;
  const CpuKernel& ker = *plan.ker;
  // e.g. K = 1200 → 5 blocks of 240; a multiple of k_pad, so that only the last block is padded.
  plan.kc = round_up(ceil_div(g.K, ceil_div(g.K, ker.kc)), ker.k_pad);
  plan.mcMax = round_up(ker.mc, ker.mr);  // whole micro-panels, so the buffers below always fit
  plan.ncMax = round_up(ker.nc, ker.nr);
  GemmGrid grid = plan_gemm_grid(g.M, g.N, g.K, use, ker.mr, ker.nr, ker.nc);
  const bool parallel = pool && use > 1 && grid.tasks() > 1;

  std::atomic<bool> outOfMemory{false};
  try {
    const int64_t blocks = ceil_div(g.K, plan.kc);
    const int64_t bStride = round_up(g.N, ker.nr) * packed_slots(ker, plan.kc) + kPackSlack;
    const int64_t aStride = round_up(g.M, ker.mr) * packed_slots(ker, plan.kc) + kPackSlack;
    auto pack_shared = [&](const PackSource& src, PackFn pack, int R, int64_t rows, int64_t stride) {
      float* packed = gemm_shared_buffer(static_cast<size_t>(blocks * stride));
      pack_whole(ker, src, pack, R, rows, g.K, plan.kc, stride, packed, pool, use);
      return packed;
    };
    if (parallel && grid.colParts == 1 && g.N <= plan.ncMax && blocks * bStride <= kSharedPackMaxFloats) {
      plan.sharedB = pack_shared(b_source(g), ker.pack_b, ker.nr, g.N, bStride);
      plan.bStride = bStride;
    } else if (parallel && grid.rowParts == 1 && blocks * aStride <= kSharedPackMaxFloats) {
      plan.sharedA = pack_shared(a_source(g), ker.pack_a, ker.mr, g.M, aStride);
      plan.aStride = aStride;
    }
  } catch (const std::bad_alloc&) {
    return Result::error(Status::OutOfMemory, "masked_gemm: out of memory for packing buffers");
  }
  if (plan.sharedA || plan.sharedB) {
    // With the operand shared, more tasks pack nothing twice: take finer ones (down to ~2 MFLOP),
    // so that a thread held up by a busy machine leaves less behind for the others to wait on.
    // Tasks are still whole tiles of C, so no element's arithmetic changes. Columns (A shared: the
    // batch-100 layers) split finer than rows: in one-process A/B on 2 threads, 12 per thread ran the
    // 100 × 1200→1200 product 3–6% faster at the median call than 8 (24 tasks of one or two 32-wide
    // tiles, against 16 of two or three), while the 10000-row product (B shared) was ~1% slower.
    const int kSharedTasksPerThread = plan.sharedA ? 12 : 8;
    const double flops = 2.0 * static_cast<double>(g.M) * static_cast<double>(g.N) * static_cast<double>(g.K);
    const int64_t most = std::max<int64_t>(1, std::min<int64_t>(int64_t{use} * kSharedTasksPerThread,
                                                                 static_cast<int64_t>(flops / 2.0e6)));
    if (plan.sharedB) grid.rowParts = static_cast<int>(std::max<int64_t>(grid.rowParts, std::min(most, ceil_div(g.M, ker.mr))));
    if (plan.sharedA) grid.colParts = static_cast<int>(std::max<int64_t>(grid.colParts, std::min(most, ceil_div(g.N, ker.nr))));
  }
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
    if (!parallel) {
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
