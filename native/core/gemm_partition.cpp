#include "core/gemm_partition.h"

#include <algorithm>

namespace de {

namespace {

// Cost model in flop-equivalents. A packed element costs about what 16 flops do (a load, a multiply
// by the mask, a store, at ~1 element/cycle against 32 flops/cycle), waking one more thread about
// what 2·10^5 flops do (a few microseconds), shared by the threads.
constexpr double kPackCost = 16.0;
constexpr double kTaskCost = 2.0e5;
// Tasks are taken from a shared counter, so a thread that starts late (a busy machine, a sleeping
// helper) is covered by the others at a granularity of one task: smaller tasks cost more packing but
// bound that loss. A straggler is charged as a twentieth of one task.
constexpr double kStraggler = 0.05;
constexpr int kMaxTasksPerThread = 4;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Part `p` of `parts` of `tiles` tiles of size `tile`, clipped to `n`.
void split(int64_t n, int tile, int parts, int64_t p, int64_t* b, int64_t* e) {
  const int64_t tiles = ceil_div(n, tile);
  *b = std::min(n, (p * tiles / parts) * tile);
  *e = std::min(n, ((p + 1) * tiles / parts) * tile);
}

}  // namespace

void GemmGrid::range(int64_t task, int64_t* i0, int64_t* i1, int64_t* j0, int64_t* j1) const {
  split(M, mr, rowParts, task / colParts, i0, i1);
  split(N, nr, colParts, task % colParts, j0, j1);
}

GemmGrid plan_gemm_grid(int64_t M, int64_t N, int64_t K, int threads, int mr, int nr, int nc) {
  GemmGrid g;
  g.M = M;
  g.N = N;
  g.mr = mr;
  g.nr = nr;
  if (threads <= 1) return g;  // one thread: one task, no repacking
  const int64_t mt = ceil_div(M, mr), nt = ceil_div(N, nr);
  const int maxTasks = threads * kMaxTasksPerThread;
  double best = -1.0;
  for (int tm = 1; tm <= maxTasks && tm <= mt; ++tm) {
    for (int tn = 1; tm * tn <= maxTasks && tn <= nt; ++tn) {
      const int tasks = tm * tn;
      const double rows = static_cast<double>(ceil_div(mt, tm) * mr);
      const double cols = static_cast<double>(ceil_div(nt, tn) * nr);
      const double compute = 2.0 * rows * cols * static_cast<double>(K);
      const double pack = kPackCost * static_cast<double>(K) *
                          (rows * static_cast<double>(ceil_div(static_cast<int64_t>(cols), nc)) + cols);
      const double rounds = static_cast<double>(ceil_div(tasks, threads));
      const double cost = rounds * (compute + pack) + kStraggler * compute + kTaskCost * (tasks - 1) / threads;
      if (best < 0 || cost < best) {
        best = cost;
        g.rowParts = tm;
        g.colParts = tn;
      }
    }
  }
  return g;
}

}  // namespace de
