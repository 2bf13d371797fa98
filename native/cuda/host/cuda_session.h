// One CUDA context of the backend (libde_cuda.so, through cuda_loader.h): its stream, cuBLAS handle
// and scratch, owned RAII-style, with the backend's statuses turned into de::Result. A session is
// used by one thread at a time (the owner serialises: a network's busy flag, the kernels' mutex).
#pragma once
#include <memory>
#include <string>

#include "common/status.h"
#include "cuda/cuda_api.h"

namespace de {

class CudaSession {
 public:
  // Unsupported with the loader's reason when the backend is not built or no GPU is usable here;
  // nothing is allocated then.
  static Result open(std::unique_ptr<CudaSession>* out);
  ~CudaSession();
  CudaSession(const CudaSession&) = delete;
  CudaSession& operator=(const CudaSession&) = delete;

  const DeCudaApi& api() const { return *api_; }
  DeCudaContext* ctx() const { return ctx_; }
  const std::string& device() const { return device_; }

  // Ok, or the status with `what` and the context's last error message.
  Result check(DeCudaStatus s, const char* what) const;

 private:
  CudaSession() = default;
  const DeCudaApi* api_ = nullptr;
  DeCudaContext* ctx_ = nullptr;
  std::string device_;
};

// A device buffer freed with its session's context (moves only).
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  Result allocate(const CudaSession& s, size_t bytes);
  void* get() const { return ptr_; }
  void reset();

 private:
  const CudaSession* session_ = nullptr;
  void* ptr_ = nullptr;
};

}  // namespace de
