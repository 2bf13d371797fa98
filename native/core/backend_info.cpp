#include "core/backend_info.h"

#include "core/cuda_loader.h"
#include "core/thread_pool.h"
#include "cpu/kernels.h"
#include "cpu/moments_simd.h"

namespace de {

BackendInfo backend_info() {
  BackendInfo b;
  b.cpuKernel = cpu_kernel_name();
  b.momentsKernel = cpu::moments_kernel_name();
  b.threads = hardware_threads();
  Result found = find_cuda_library(&b.cudaLibrary);
  b.cudaBuilt = found.ok();
  const CudaBackend* cuda = nullptr;
  Result usable = load_cuda_backend(&cuda);
  b.cudaUsable = usable.ok();
  if (usable.ok())
    b.cudaDevice = cuda->device;
  else
    b.cudaReason = usable.message;
  return b;
}

}  // namespace de
