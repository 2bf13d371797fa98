#include "core/gemm_scratch.h"

#include <memory>
#include <new>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define DE_SCRATCH_MMAP 1
#endif

namespace de {

namespace {

// The buffers are mapped straight from the OS (page-aligned, so 64-byte aligned) rather than taken
// from malloc: every network owns a thread pool, so threads and their buffers (megabytes each) come
// and go with networks. Through malloc, freeing them raises glibc's dynamic mmap threshold and later
// buffers land in per-thread arenas that are never returned: RSS grew ~45% over 400 create/train/drop
// cycles (test/reliability-leaks.test.ts). munmap returns the memory for certain.
#ifdef DE_SCRATCH_MMAP
float* allocate_floats(size_t n) {
  void* p = ::mmap(nullptr, n * sizeof(float), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return static_cast<float*>(p);
}
void free_floats(float* p, size_t n) {
  if (p) ::munmap(p, n * sizeof(float));
}
#else
constexpr std::align_val_t kAlign{64};
float* allocate_floats(size_t n) { return static_cast<float*>(::operator new[](n * sizeof(float), kAlign)); }
void free_floats(float* p, size_t) { ::operator delete[](p, kAlign); }
#endif

struct Grow {
  float* data = nullptr;
  size_t capacity = 0;
  Grow() = default;
  Grow(const Grow&) = delete;
  Grow& operator=(const Grow&) = delete;
  ~Grow() { free_floats(data, capacity); }
  float* reserve(size_t n) {
    if (n > capacity) {
      free_floats(data, capacity);  // free first: the old contents are not needed
      data = nullptr;
      capacity = 0;
      data = allocate_floats(n);
      capacity = n;
    }
    return data;
  }
};

thread_local Grow tlsA, tlsB, tlsShared;

}  // namespace

PackBuffers gemm_pack_buffers(size_t aFloats, size_t bFloats) {
  return {tlsA.reserve(aFloats), tlsB.reserve(bFloats)};
}

float* gemm_shared_buffer(size_t floats) { return tlsShared.reserve(floats); }

}  // namespace de
