// The per-ISA table: each kernel with its register tile and cache block sizes.
// AVX2: MC 144 / KC 256 / NC 4080 are BLIS's Zen values. On this AMD EPYC (Zen 4: 32 KiB L1d,
// 1 MiB L2 per core, 32 MiB L3) kc×16 floats of B (16 KiB) plus 6×kc of A stay in L1 during one
// micro-kernel call, the mc×kc block of A (144 KiB) in L2, the kc×nc panel of B in L3. Trials with
// MC 96/240 and KC 192/384 (bench_gemm built with -DDE_AVX2_MC=…) on an Intel Xeon were not faster;
// this shared 2-core machine was too noisy to tune on.
// The driver balances kc over K (K = 1200 runs as 5 blocks of 240), so these are upper bounds.
#include "cpu/kernel_impls.h"

// Compile-time knobs so a benchmark build can try other block sizes (-DDE_AVX2_MC=...).
#ifndef DE_AVX2_MC
#define DE_AVX2_MC 144
#endif
#ifndef DE_AVX2_KC
#define DE_AVX2_KC 256
#endif
#ifndef DE_AVX2_NC
#define DE_AVX2_NC 4080
#endif
// The bf16 kernels' kc, one for all of them: the kc blocks are the order in which each element's sum
// is formed, so with one kc the native and the emulated bf16 products give the same bits. A bf16 B
// micro-panel takes half the bytes of an fp32 one, so kc doubles for the same L1 footprint: K = 1200
// runs as 3 blocks of 400 (25.6 KB of B per 32-column micro-panel), K = 784 as 2 of 392.
#ifndef DE_BF16_KC
#define DE_BF16_KC 512
#endif

namespace de {

const CpuKernel& kernel_reference() {
  static const CpuKernel k{"reference", 4, 8, 128, 256, 4096, cpu_ref::micro_4x8, cpu_ref::pack_a, cpu_ref::pack_b};
  return k;
}

const CpuKernel* kernel_avx2() {
#if defined(DE_HAVE_AVX2_KERNEL)
  static const CpuKernel k{"avx2-fma", 6, 16, DE_AVX2_MC, DE_AVX2_KC, DE_AVX2_NC, cpu_avx2::micro_6x16, cpu_avx2::pack_a,
                           cpu_avx2::pack_b};
  return &k;
#else
  return nullptr;
#endif
}

// Same block sizes as AVX2: the same kc keeps the two kernels' products bit-identical (the kc blocks
// are the order in which each element's sum is formed). A 6×32 B micro-panel at kc = 240 is 30 KiB,
// about all of L1, yet in a one-process A/B (10000×1200→1200, one thread) kc 200 or 300 and mc 96
// or 192 were no faster.
const CpuKernel* kernel_avx512() {
#if defined(DE_HAVE_AVX2_KERNEL)
  if (!cpu_avx512::micro_6x32) return nullptr;
  static const CpuKernel k{"avx512", 6, 32, DE_AVX2_MC, DE_AVX2_KC, DE_AVX2_NC, cpu_avx512::micro_6x32, cpu_avx2::pack_a,
                           cpu_avx2::pack_b32};
  return &k;
#else
  return nullptr;
#endif
}

// The bf16 products without AVX512-BF16: each table's fp32 micro-kernel over bf16-rounded floats in
// pairs (pack_bf16_emulated.cpp): k_pad 2, one value per slot.
const CpuKernel& kernel_reference_bf16() {
  static const CpuKernel k{"reference-bf16-emulated", 4, 8, 128, DE_BF16_KC, 4096, cpu_ref::micro_4x8,
                           cpu_bf16_emulated::pack_r4, cpu_bf16_emulated::pack_r8, 2, 1};
  return k;
}

const CpuKernel* kernel_avx2_bf16() {
#if defined(DE_HAVE_AVX2_KERNEL)
  static const CpuKernel k{"avx2-fma-bf16-emulated", 6, 16, DE_AVX2_MC, DE_BF16_KC, DE_AVX2_NC, cpu_avx2::micro_6x16,
                           cpu_bf16_emulated::pack_r6, cpu_bf16_emulated::pack_r16, 2, 1};
  return &k;
#else
  return nullptr;
#endif
}

const CpuKernel* kernel_avx512_bf16_emulated() {
#if defined(DE_HAVE_AVX2_KERNEL)
  if (!cpu_avx512::micro_6x32) return nullptr;
  static const CpuKernel k{"avx512-bf16-emulated", 6, 32, DE_AVX2_MC, DE_BF16_KC, DE_AVX2_NC, cpu_avx512::micro_6x32,
                           cpu_bf16_emulated::pack_r6, cpu_bf16_emulated::pack_r32, 2, 1};
  return &k;
#else
  return nullptr;
#endif
}

// vdpbf16ps: two bf16 values per 32-bit slot.
const CpuKernel* kernel_avx512_bf16() {
#if defined(DE_HAVE_AVX2_KERNEL)
  if (!cpu_avx512_bf16::micro_6x32) return nullptr;
  static const CpuKernel k{"avx512-bf16", 6, 32, DE_AVX2_MC, DE_BF16_KC, DE_AVX2_NC, cpu_avx512_bf16::micro_6x32,
                           cpu_avx512_bf16::pack_a, cpu_avx512_bf16::pack_b, 2, 2};
  return &k;
#else
  return nullptr;
#endif
}

}  // namespace de
