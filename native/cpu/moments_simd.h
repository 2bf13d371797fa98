// The block kernel of MomentAccumulator: statistics of a block of rows for a chunk of neurons. The
// portable build (moments_kernel.h, compiled in moments_ref.cpp) reads row by row so the loops over
// neurons vectorise; the AVX2 and AVX-512 builds (moments_group.h in moments_avx2.cpp and
// moments_avx512.cpp) walk columns of 8 or 16 neurons with their sums in registers, and fall back to
// the portable loops (compiled for their ISA) for explicit logs.
#pragma once
#include <cstdint>

namespace de {
namespace cpu {

constexpr int64_t kMomentChunk = 256;      // neurons per chunk (the scratch arrays are this long)
constexpr int64_t kMomentBlockRows = 256;  // rows per block at most: a chunk's block stays in L2 for pass 2

struct MomentBlockArgs {
  int64_t rows = 0, n = 0;                  // rows of the block (<= kMomentBlockRows), neurons of the chunk (<= kMomentChunk)
  const float* x = nullptr;                 // values, row r at x + r * ldx
  int64_t ldx = 0;
  const float* z = nullptr;                 // logits (O = σ(z)) or null, row r at z + r * ldz
  int64_t ldz = 0;
  const float* nextX = nullptr;             // the block run next on this thread (same neurons), or
  const float* nextZ = nullptr;             // null: its first lines are prefetched (hints only)
  const float* logO = nullptr;              // explicit log O, or null (used when z is null); ld = ldx
  const float* log1mO = nullptr;            // explicit log(1 − O), or null; ld = ldx
  bool logs = true;                         // false: no log sums at all (sumLog / sumLog1m left 0)
  int bins = 0;                             // histogram: 0 = none
  double lo = 0.0, binScale = 0.0;          // bin = floor((x − lo) · binScale), clamped to [0, bins)
  uint64_t* hist = nullptr;                 // neuron i of the chunk at hist + i * bins
  // Outputs, length n: the block's mean, Σ(x − mean)², Σ(x − mean)³, Σ log O, Σ log(1 − O) (two-pass
  // within the block), and the running min / max, updated in place (NaN is ignored by both).
  double* mean = nullptr;
  double* m2 = nullptr;
  double* m3 = nullptr;
  double* sumLog = nullptr;
  double* sumLog1m = nullptr;
  double* mn = nullptr;
  double* mx = nullptr;
};

extern const bool kMomentsAvx2Compiled;
extern const bool kMomentsAvx512Compiled;
void moments_block_avx512(const MomentBlockArgs& a);
void moments_block_avx2(const MomentBlockArgs& a);
void moments_block_portable(const MomentBlockArgs& a);

// log σ(z) and log(1 − σ(z)) = log σ(−z) by the float32 kernel of the given build (for tests).
void log_sigmoid_pair_avx512(const float* z, int64_t n, double* logO, double* log1mO);
void log_sigmoid_pair_avx2(const float* z, int64_t n, double* logO, double* log1mO);
void log_sigmoid_pair_portable(const float* z, int64_t n, double* logO, double* log1mO);


}  // namespace cpu
}  // namespace de
