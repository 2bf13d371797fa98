#include "tools/openblas_probe.h"

#include <climits>
#include <mutex>

#if defined(__unix__) || defined(__APPLE__)
#include <dlfcn.h>
#define DE_HAVE_DLOPEN 1
#endif

namespace de {

namespace {

// CBLAS enum values (cblas.h): RowMajor = 101, NoTrans = 111, Trans = 112.
using SgemmFn = void (*)(int order, int ta, int tb, int M, int N, int K, float alpha, const float* A, int lda,
                         const float* B, int ldb, float beta, float* C, int ldc);
using SetThreadsFn = void (*)(int);

struct OpenBlas {
  SgemmFn sgemm = nullptr;
  SetThreadsFn setThreads = nullptr;
  std::mutex m;  // the thread count is global to OpenBLAS: one call at a time
};

OpenBlas& openblas() {
  static OpenBlas* lib = [] {
    OpenBlas* o = new OpenBlas;
#if defined(DE_HAVE_DLOPEN)
    const char* names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"};
    for (const char* n : names) {
      void* h = dlopen(n, RTLD_NOW | RTLD_LOCAL);
      if (!h) continue;
      o->sgemm = reinterpret_cast<SgemmFn>(dlsym(h, "cblas_sgemm"));
      o->setThreads = reinterpret_cast<SetThreadsFn>(dlsym(h, "openblas_set_num_threads"));
      if (o->sgemm) break;
      dlclose(h);
    }
#endif
    return o;  // kept for the life of the process, like the library handle
  }();
  return *lib;
}

bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

}  // namespace

bool openblas_available() { return openblas().sgemm != nullptr; }

bool openblas_sgemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                    const float* B, int64_t ldb, float* C, int64_t ldc, int threads) {
  OpenBlas& o = openblas();
  if (!o.sgemm) return false;
  if (!fits_int(M) || !fits_int(N) || !fits_int(K) || !fits_int(lda) || !fits_int(ldb) || !fits_int(ldc)) return false;
  std::lock_guard<std::mutex> lk(o.m);
  if (o.setThreads && threads > 0) o.setThreads(threads);
  o.sgemm(101, transA ? 112 : 111, transB ? 112 : 111, static_cast<int>(M), static_cast<int>(N),
          static_cast<int>(K), 1.0f, A, static_cast<int>(lda), B, static_cast<int>(ldb), 0.0f, C,
          static_cast<int>(ldc));
  return true;
}

bool openblas_sgemm_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                       float* C, int64_t ldc, int threads) {
  return openblas_sgemm(false, true, M, N, K, A, lda, B, ldb, C, ldc, threads);
}

}  // namespace de
