// Per-thread packing buffers for the GEMM driver. They live as long as the thread and only grow, so
// the many small products of training at batch 100 do not allocate on every call.
#pragma once
#include <cstddef>

namespace de {

struct PackBuffers {
  float* a;  // packed block of A (64-byte aligned)
  float* b;  // packed panel of B (64-byte aligned)
};

// Buffers of at least aFloats and bFloats floats for the calling thread. Throws std::bad_alloc.
PackBuffers gemm_pack_buffers(size_t aFloats, size_t bFloats);

// A third buffer of the calling thread (64-byte aligned): an operand packed whole, which the
// threads of one product share (masked_gemm). Throws std::bad_alloc.
float* gemm_shared_buffer(size_t floats);

}  // namespace de
