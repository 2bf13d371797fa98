// Contexts, device memory and copies; the error plumbing every entry point shares.
#include "cuda/device/context.h"

#include <cstdio>
#include <cstring>

#include "cuda/device/ops.h"

namespace de_cuda {

DeCudaStatus fail(DeCudaContext* ctx, DeCudaStatus s, const std::string& message) {
  if (ctx) ctx->error = message;
  return s;
}

DeCudaStatus check(DeCudaContext* ctx, cudaError_t e, const char* what) {
  if (e == cudaSuccess) return kOk;
  const DeCudaStatus s = e == cudaErrorMemoryAllocation ? kNoMemory : kInternal;
  return fail(ctx, s, std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

DeCudaStatus check_launch(DeCudaContext* ctx, const char* kernel) { return check(ctx, cudaGetLastError(), kernel); }

DeCudaStatus scratch(DeCudaContext* ctx, int slot, size_t bytes, void** out) {
  if (ctx->scratchBytes[slot] < bytes) {
    if (ctx->scratch[slot]) cudaFree(ctx->scratch[slot]);
    ctx->scratch[slot] = nullptr;
    ctx->scratchBytes[slot] = 0;
    if (DeCudaStatus s = check(ctx, cudaMalloc(&ctx->scratch[slot], bytes), "cudaMalloc(scratch)")) return s;
    ctx->scratchBytes[slot] = bytes;
  }
  *out = ctx->scratch[slot];
  return kOk;
}

namespace {

void write_msg(char* msg, size_t cap, const std::string& text) {
  if (!msg || cap == 0) return;
  std::snprintf(msg, cap, "%s", text.c_str());
}

// Usable means: a driver, at least one device, compute capability ≥ 7.0, and a kernel of ours runs.
DeCudaStatus probe_device(int device, std::string* text) {
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    *text = std::string("no usable CUDA driver or device: ") + cudaGetErrorString(e);
    cudaGetLastError();
    return kUnsupported;
  }
  if (count <= device || device < 0) {
    *text = "no CUDA device " + std::to_string(device) + " (found " + std::to_string(count) + ")";
    return kUnsupported;
  }
  cudaDeviceProp prop{};
  if ((e = cudaGetDeviceProperties(&prop, device)) != cudaSuccess) {
    *text = std::string("cudaGetDeviceProperties failed: ") + cudaGetErrorString(e);
    return kUnsupported;
  }
  if (prop.major < 7) {
    *text = std::string(prop.name) + " has compute capability " + std::to_string(prop.major) + "." +
            std::to_string(prop.minor) + "; the backend needs 7.0 or newer";
    return kUnsupported;
  }
  if (!kernels_runnable(device, text)) return kUnsupported;
  *text = std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ", " +
          std::to_string(prop.totalGlobalMem >> 20) + " MiB)";
  return kOk;
}

}  // namespace

DeCudaStatus probe(char* msg, size_t cap) {
  std::string text;
  DeCudaStatus s = probe_device(0, &text);
  if (s == kOk) {
    std::string why;
    if (!cublas(&why)) {
      s = kUnsupported;
      text = why;
    }
  }
  write_msg(msg, cap, text);
  return s;
}

DeCudaStatus create(int device, DeCudaContext** out, char* msg, size_t cap) {
  *out = nullptr;
  std::string text;
  if (DeCudaStatus s = probe_device(device, &text)) {
    write_msg(msg, cap, text);
    return s;
  }
  const Cublas* blas = cublas(&text);
  if (!blas) {
    write_msg(msg, cap, text);
    return kUnsupported;
  }
  auto* ctx = new DeCudaContext();
  ctx->device = device;
  ctx->blas = blas;
  cudaError_t e = cudaSetDevice(device);
  if (e == cudaSuccess) e = cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking);
  if (e != cudaSuccess) {
    write_msg(msg, cap, std::string("CUDA context creation failed: ") + cudaGetErrorString(e));
    delete ctx;
    return kUnsupported;
  }
  if (blas->create(&ctx->handle) != 0 || blas->set_stream(ctx->handle, ctx->stream) != 0 ||
      blas->set_math_mode(ctx->handle, kBlasDefaultMath) != 0) {
    write_msg(msg, cap, "cuBLAS initialisation failed (" + blas->path + ")");
    destroy(ctx);
    return kUnsupported;
  }
  write_msg(msg, cap, text);
  *out = ctx;
  return kOk;
}

void destroy(DeCudaContext* ctx) {
  if (!ctx) return;
  cudaSetDevice(ctx->device);
  if (ctx->stream) cudaStreamSynchronize(ctx->stream);
  for (void* p : ctx->scratch)
    if (p) cudaFree(p);
  if (ctx->handle) ctx->blas->destroy(ctx->handle);
  if (ctx->stream) cudaStreamDestroy(ctx->stream);
  delete ctx;
}

const char* last_error(const DeCudaContext* ctx) { return ctx ? ctx->error.c_str() : "no context"; }

DeCudaStatus set_tf32(DeCudaContext* ctx, int32_t on) {
  if (ctx->blas->set_math_mode(ctx->handle, on ? kBlasTf32Math : kBlasDefaultMath) != 0)
    return fail(ctx, kInternal, "cublasSetMathMode failed");
  ctx->tf32 = on != 0;
  return kOk;
}

DeCudaStatus alloc(DeCudaContext* ctx, size_t bytes, void** out) {
  *out = nullptr;
  if (bytes == 0) return fail(ctx, kInvalid, "alloc: zero bytes");
  return check(ctx, cudaMalloc(out, bytes), "cudaMalloc");
}

DeCudaStatus free_mem(DeCudaContext* ctx, void* p) {
  if (DeCudaStatus s = check(ctx, cudaStreamSynchronize(ctx->stream), "synchronize before cudaFree")) return s;
  return check(ctx, cudaFree(p), "cudaFree");
}

DeCudaStatus upload(DeCudaContext* ctx, void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return kOk;
  if (DeCudaStatus s = check(ctx, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, ctx->stream), "upload"))
    return s;
  // Pageable source: wait, so the caller may free or reuse its buffer at once.
  return check(ctx, cudaStreamSynchronize(ctx->stream), "upload");
}

DeCudaStatus download(DeCudaContext* ctx, void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return kOk;
  if (DeCudaStatus s =
          check(ctx, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, ctx->stream), "download"))
    return s;
  return check(ctx, cudaStreamSynchronize(ctx->stream), "download");
}

DeCudaStatus synchronize(DeCudaContext* ctx) {
  return check(ctx, cudaStreamSynchronize(ctx->stream), "cudaStreamSynchronize");
}

}  // namespace de_cuda
