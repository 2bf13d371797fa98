// What `info()` reports: the CPU kernel chosen, the thread count, and which backends are built and
// usable here (the CUDA backend is looked for and probed on the first call, not at load).
#pragma once
#include <string>

namespace de {

struct BackendInfo {
  std::string cpuKernel;  // "avx512", "avx2-fma" or "reference"
  std::string momentsKernel;  // "avx512", "avx2" or "portable" (the moment accumulator's block kernel)
  int threads = 1;        // the default pool size (cores available)
  bool cudaBuilt = false;   // libde_cuda.so was found and offers this API version
  bool cudaUsable = false;  // and a GPU, driver and cuBLAS are there
  std::string cudaLibrary;  // the library's path, when built
  std::string cudaDevice;   // GPU name, when usable
  std::string cudaReason;   // why not usable, when not
};

BackendInfo backend_info();

}  // namespace de
