// The CPU kernels the engine calls, in one table per instruction set, one of which is chosen once
// at load: the widest the CPU and the OS run (cpuid and XGETBV), or the one DE_CPU_KERNEL names
// (ref|portable, avx2, avx512; a request the machine cannot honour is ignored). The engine (core/)
// reads every kernel from the chosen table and never tests the CPU itself, as BLIS reads its
// context. Each vector entry has its portable reference beside it in a *_ref.cpp file (the GEMM's
// in kernel_ref.cpp); the tests hold each vector build to its reference. ISA flags are set only on
// the files of that ISA (sources.json "cpu_avx2", "cpu_avx512", "cpu_avx512bf16").
#pragma once
#include <cstdint>

#include "cpu/connection_simd.h"
#include "cpu/dgemm.h"
#include "cpu/kernels.h"
#include "cpu/moments_simd.h"
#include "cpu/philox_simd.h"

namespace de {
namespace cpu {

enum class Isa { Portable, Avx2, Avx512 };

// The connection-dropout loops (connection_simd.h) of one instruction set.
struct GateKernels {
  void (*gate_row)(const GateRow& g, const GateThresholds& t, uint32_t* words, int32_t* mask);
  void (*mask_to_bits)(const int32_t* mask, int64_t n, uint64_t* bits);
  void (*bits_to_mask)(const uint64_t* bits, int64_t n, int32_t* mask);
  void (*bits_axpy)(const uint64_t* bits, float d, const float* x, float* y, int64_t n);
  float (*masked_dot)(const int32_t* mask, const float* w, const float* a, int64_t n);
  float (*gate_dot)(const GateRow& g, const GateThresholds& t, uint32_t* words, const float* w, const float* a,
                    uint64_t* record);
  void (*masked_axpy)(const int32_t* mask, float d, const float* x, float* y, int64_t n);
};

struct Dispatch {
  Isa isa;
  const char* name;                // "portable", "avx2" or "avx512"
  const CpuKernel* gemm;           // micro-kernel, packers and block sizes (kernel_table.cpp)
  // The bf16 product (GemmArgs::precision): the AVX512-BF16 kernel where the CPU has it (AVX-512
  // table only), else this table's fp32 micro-kernel over bf16-rounded operands; the same bits.
  const CpuKernel* gemm_bf16;
  const char* moments_name;        // info().momentsKernel: "portable", "avx2" or "avx512"
  void (*moments_block)(const MomentBlockArgs& a);
  void (*logistic_row)(const float* S, float* O, int64_t n, float lambda, float lnC);
  int64_t (*first_non_finite)(const float* x, int64_t n);
  int64_t (*first_not_binary)(const uint8_t* x, int64_t n);
  void (*mask_blocks)(const MaskBlockArgs& a);
  const GateKernels* gates;
  void (*dgemm)(const DgemmArgs& a);  // float64 C += A·B (dgemm.h)
};

// The table in use. Read it once per operation (a product, a pass) so that a test switching it
// concurrently cannot mix two instruction sets within one result.
const Dispatch& dispatch();

// The table of one instruction set, or null where this CPU or this build cannot run it.
const Dispatch* dispatch_for(Isa isa);

// What the CPU and the OS can run (cpuid; XGETBV for the register state the OS saves).
bool cpu_has_avx2_fma();
bool cpu_has_avx512f();
// AVX512_BF16 (vdpbf16ps, vcvtne2ps2bf16) on top of AVX-512F with its register state saved.
bool cpu_has_avx512_bf16();

// The one test hook: "ref"/"reference"/"portable", "avx2"/"avx2-fma" or "avx512" makes that whole
// table the one in use; "" or null returns to the automatic choice. False, and no change, when the
// table cannot run here.
bool force_isa_for_testing(const char* name);

}  // namespace cpu
}  // namespace de
