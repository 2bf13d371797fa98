#include "cuda/device/cublas_dyn.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

namespace de_cuda {
namespace {

template <typename Fn>
bool resolve(void* lib, const char* name, Fn* out) {
  *out = reinterpret_cast<Fn>(dlsym(lib, name));
  return *out != nullptr;
}

bool open_table(Cublas* t, std::string* why) {
  const char* env = std::getenv("DE_CUBLAS_LIB");
  const char* candidates[] = {env, "libcublas.so.13", "libcublas.so", "libcublas.so.12"};
  std::string tried;
  for (const char* name : candidates) {
    if (!name || !*name) continue;
    void* lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      tried += std::string(tried.empty() ? "" : "; ") + dlerror();
      continue;
    }
    if (resolve(lib, "cublasCreate_v2", &t->create) && resolve(lib, "cublasDestroy_v2", &t->destroy) &&
        resolve(lib, "cublasSetStream_v2", &t->set_stream) && resolve(lib, "cublasSetMathMode", &t->set_math_mode) &&
        resolve(lib, "cublasSgemm_v2", &t->sgemm)) {
      t->path = name;
      return true;
    }
    tried += std::string(tried.empty() ? "" : "; ") + name + ": missing cuBLAS symbols";
    dlclose(lib);
  }
  *why = "cuBLAS was not found (set DE_CUBLAS_LIB to libcublas.so): " + tried;
  return false;
}

}  // namespace

const Cublas* cublas(std::string* why) {
  static std::once_flag once;
  static Cublas table;
  static bool ok = false;
  static std::string reason;
  std::call_once(once, [] { ok = open_table(&table, &reason); });
  if (!ok && why) *why = reason;
  return ok ? &table : nullptr;
}

}  // namespace de_cuda
