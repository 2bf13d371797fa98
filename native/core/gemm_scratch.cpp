#include "core/gemm_scratch.h"

#include <memory>
#include <new>

namespace de {

namespace {

constexpr std::align_val_t kAlign{64};

struct AlignedDelete {
  void operator()(float* p) const { ::operator delete[](p, kAlign); }
};
using AlignedFloats = std::unique_ptr<float[], AlignedDelete>;

struct Grow {
  AlignedFloats data;
  size_t capacity = 0;
  float* reserve(size_t n) {
    if (n > capacity) {
      data.reset();  // free first: the old contents are not needed
      capacity = 0;
      data.reset(static_cast<float*>(::operator new[](n * sizeof(float), kAlign)));
      capacity = n;
    }
    return data.get();
  }
};

thread_local Grow tlsA, tlsB;

}  // namespace

PackBuffers gemm_pack_buffers(size_t aFloats, size_t bFloats) {
  return {tlsA.reserve(aFloats), tlsB.reserve(bFloats)};
}

}  // namespace de
