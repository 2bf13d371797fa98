#include "cuda/host/cuda_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace de {
namespace {

struct Opened {
  void* handle = nullptr;
  const DeCudaApi* api = nullptr;
  std::string path;
  std::string error;
};

std::string module_directory() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&load_cuda_backend), &info) == 0 || !info.dli_fname) return "";
  const std::string self = info.dli_fname;
  const size_t slash = self.rfind('/');
  return slash == std::string::npos ? "" : self.substr(0, slash + 1);
}

Opened open_library() {
  Opened o;
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("DE_CUDA_LIB"); env && *env) {
    candidates.push_back(env);  // an explicit choice is the only one tried
  } else {
    const std::string dir = module_directory();
    if (!dir.empty()) candidates.push_back(dir + "libde_cuda.so");
    candidates.push_back("libde_cuda.so");
  }
  std::string tried;
  for (const std::string& path : candidates) {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      tried += (tried.empty() ? "" : "; ") + std::string(e ? e : path.c_str());
      continue;
    }
    auto get = reinterpret_cast<DeCudaGetApiFn>(dlsym(h, "de_cuda_get_api"));
    const DeCudaApi* api = get ? get(DE_CUDA_API_VERSION) : nullptr;
    if (!api || api->size < sizeof(DeCudaApi)) {
      tried += (tried.empty() ? "" : "; ") + path + ": not a compatible dropout-ensemble CUDA backend (API version " +
               std::to_string(DE_CUDA_API_VERSION) + " wanted)";
      dlclose(h);
      continue;
    }
    o.handle = h;
    o.api = api;
    o.path = path;
    return o;
  }
  o.error = "the CUDA backend library (libde_cuda.so) is not available: it was not built (build with CUDA, "
            "DE_CUDA=ON) or cannot be loaded (" + tried + ")";
  return o;
}

const Opened& opened() {
  static std::once_flag once;
  static Opened o;
  std::call_once(once, [] { o = open_library(); });
  return o;
}

}  // namespace

Result find_cuda_library(std::string* path) {
  const Opened& o = opened();
  if (!o.api) return Result::error(Status::Unsupported, o.error);
  if (path) *path = o.path;
  return Result::success();
}

Result load_cuda_backend(const CudaBackend** out) {
  static std::once_flag once;
  static CudaBackend backend;
  static Result outcome;
  std::call_once(once, [] {
    const Opened& o = opened();
    if (!o.api) {
      outcome = Result::error(Status::Unsupported, o.error);
      return;
    }
    char msg[512] = {0};
    if (o.api->probe(msg, sizeof msg) != 0) {
      outcome = Result::error(Status::Unsupported, std::string("the CUDA backend cannot run here: ") + msg);
      return;
    }
    backend.api = o.api;
    backend.library = o.path;
    backend.device = msg;
  });
  if (!outcome.ok()) return outcome;
  *out = &backend;
  return Result::success();
}

}  // namespace de
