// Finds and opens the CUDA backend (libde_cuda.so) on demand, with dlopen: the addon and de_tests never
// link CUDA, so they load and run where there is no GPU, driver or CUDA runtime; asking for the
// backend there gives Status::Unsupported with the reason. Search order: $DE_CUDA_LIB, then
// libde_cuda.so next to the module holding this code (the addon or the test executable), then the
// dynamic loader's own path.
#pragma once
#include <string>

#include "common/status.h"
#include "cuda/cuda_api.h"

namespace de {

struct CudaBackend {
  const DeCudaApi* api = nullptr;
  std::string library;  // the path that was opened
  std::string device;   // the GPU's name and capability, from probe()
};

// Opens the library and probes the GPU once per process (thread-safe); later calls return the same
// outcome. On success *out points to a process-lifetime object.
Result load_cuda_backend(const CudaBackend** out);

// Only opens the library (no GPU needed): whether the backend was built and can be found here.
Result find_cuda_library(std::string* path);

}  // namespace de
