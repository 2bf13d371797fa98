// Philox Bernoulli masks on the GPU: the very arithmetic of common/philox.h (host+device), so a mask
// element is bit-identical to the CPU's for the same (seed, stream, row, col, threshold).
#include "common/philox.h"
#include "cuda/device/context.h"
#include "cuda/device/ops.h"

namespace de_cuda {
namespace {

// One thread per (row, group of four absolute columns): one Philox call gives the four words of a group.
__global__ void mask_u8_kernel(DeCudaMaskArgs a, int64_t groups, uint64_t g0) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= groups * a.rows) return;
  const int64_t r = t / groups;
  const uint64_t g = g0 + static_cast<uint64_t>(t % groups);
  const uint64_t row = a.row0 + r;
  const de::U32x4 w = de::philox4x32_10(de::mask_counter(a.stream, row, g << 2), static_cast<uint32_t>(a.seed),
                                        static_cast<uint32_t>(a.seed >> 32));
#pragma unroll
  for (int j = 0; j < 4; ++j) {
    const uint64_t col = (g << 2) + j;
    if (col < a.col0 || col >= a.col0 + a.cols) continue;
    const int64_t c = static_cast<int64_t>(col - a.col0);
    const uint64_t thr = a.d_thresholds ? a.d_thresholds[c] : a.threshold;
    a.d_out[r * a.ld + c] = static_cast<uint64_t>(w.v[j]) < thr ? 1 : 0;
  }
}

__global__ void known_answer_kernel(uint32_t* out) {
  const de::U32x4 w = de::philox4x32_10(de::U32x4{{0, 0, 0, 0}}, 0, 0);
  for (int j = 0; j < 4; ++j) out[j] = w.v[j];
}

}  // namespace

bool kernels_runnable(int device, std::string* why) {
  // A device whose architecture this library was not built for fails here, not in the first real call.
  uint32_t* d = nullptr;
  uint32_t h[4] = {0, 0, 0, 0};
  cudaError_t e = cudaSetDevice(device);
  if (e == cudaSuccess) e = cudaMalloc(&d, sizeof h);
  if (e == cudaSuccess) {
    known_answer_kernel<<<1, 1>>>(d);
    e = cudaGetLastError();
  }
  if (e == cudaSuccess) e = cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost);
  if (d) cudaFree(d);
  if (e != cudaSuccess) {
    *why = std::string("the backend's kernels do not run on this GPU: ") + cudaGetErrorString(e);
    cudaGetLastError();
    return false;
  }
  // Random123 known answer for counter 0, key 0.
  if (h[0] != 0x6627e8d5u || h[1] != 0xe169c58du || h[2] != 0xbc57ac4cu || h[3] != 0x9b00dbd8u) {
    *why = "Philox known-answer check failed on the GPU";
    return false;
  }
  return true;
}

DeCudaStatus mask_u8(DeCudaContext* ctx, const DeCudaMaskArgs* a) {
  if (!a || a->rows < 0 || a->cols < 0 || (a->rows > 0 && a->cols > 0 && (!a->d_out || a->ld < a->cols)))
    return fail(ctx, kInvalid, "mask_u8: bad sizes or null output");
  if (a->rows == 0 || a->cols == 0) return kOk;
  const uint64_t g0 = a->col0 >> 2, g1 = (a->col0 + a->cols - 1) >> 2;
  const int64_t groups = static_cast<int64_t>(g1 - g0 + 1);
  const int threads = 256;
  mask_u8_kernel<<<blocks_for(groups * a->rows, threads), threads, 0, ctx->stream>>>(*a, groups, g0);
  return check_launch(ctx, "mask_u8_kernel");
}

}  // namespace de_cuda
