// The dispatch tables (dispatch.h) and the run-time choice among them: cpuid says whether the CPU
// has AVX2 and FMA (and AVX-512F), and XGETBV whether the OS saves the YMM (and ZMM) registers:
// without it those instructions fault even on a capable CPU. The widest table the machine runs is
// chosen; DE_CPU_KERNEL=ref|portable|avx2|avx512 overrides the choice (a request the machine
// cannot honour is ignored).
#include "cpu/dispatch.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "cpu/activation_simd.h"
#include "cpu/scan_simd.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace de {
namespace cpu {

namespace {

#if defined(__x86_64__) || defined(_M_X64)
bool detect_avx2_fma() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool fma = c & (1u << 12), osxsave = c & (1u << 27), avx = c & (1u << 28);
  if (!fma || !osxsave || !avx) return false;
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 0x6u) != 0x6u) return false;  // XMM and YMM state enabled by the OS
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return b & (1u << 5);  // AVX2
}
// AVX-512F on top of AVX2+FMA, and the OS saving the opmask and all 512-bit register state.
bool detect_avx512f() {
  if (!detect_avx2_fma()) return false;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 16))) return false;
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & 0xE6u) == 0xE6u;  // XMM, YMM, opmask, ZMM_Hi256, Hi16_ZMM
}
// AVX512_BF16: CPUID leaf 7 sub-leaf 1, EAX bit 5; it uses the AVX-512 register state checked above.
bool detect_avx512_bf16() {
  if (!detect_avx512f()) return false;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || a < 1) return false;  // sub-leaf 1 exists when EAX >= 1
  if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return false;
  return a & (1u << 5);
}
#else
bool detect_avx2_fma() { return false; }
bool detect_avx512f() { return false; }
bool detect_avx512_bf16() { return false; }
#endif

const GateKernels kGatesPortable{gate_row_portable, mask_to_bits_portable, bits_to_mask_portable, bits_axpy_portable,
                                 masked_dot_portable, gate_dot_portable,    masked_axpy_portable};
const GateKernels kGatesAvx2{gate_row_avx2,   mask_to_bits_avx2, bits_to_mask_avx2,  bits_axpy_avx2,
                             masked_dot_avx2, gate_dot_avx2,     masked_axpy_avx2};

// Every CPU runs the portable table (built on first use, like the others).
const Dispatch* make_portable() {
  static const Dispatch d{Isa::Portable,         "portable",            &kernel_reference(), &kernel_reference_bf16(), "portable",
                          moments_block_portable, logistic_row_portable, first_non_finite_portable, first_not_binary_portable,
                          mask_blocks_portable,   &kGatesPortable,        dgemm_portable};
  return &d;
}

// The AVX2 table, where this build has every AVX2 file (x86-64) and the CPU runs them.
const Dispatch* make_avx2() {
  if (!cpu_has_avx2_fma() || !kernel_avx2() || !kernel_avx2_bf16() || !kMomentsAvx2Compiled || !kActivationAvx2Compiled || !kScanAvx2Compiled ||
      !kMaskAvx2Compiled || !kConnectionAvx2Compiled || !kDgemmAvx2Compiled)
    return nullptr;
  static const Dispatch d{Isa::Avx2,           "avx2",           kernel_avx2(), kernel_avx2_bf16(), "avx2",
                          moments_block_avx2,  logistic_row_avx2, first_non_finite_avx2, first_not_binary_avx2,
                          mask_blocks_avx2,    &kGatesAvx2,       dgemm_avx2};
  return &d;
}

// The AVX-512 table: the 16-lane GEMM, moments and logistic; the AVX2 scans, masks and gates (no
// wider build of them pays on these sizes). bf16 products natively where the CPU has AVX512-BF16.
const Dispatch* make_avx512() {
  const Dispatch* avx2 = make_avx2();
  if (!avx2 || !cpu_has_avx512f() || !kernel_avx512() || !kernel_avx512_bf16_emulated() || !kMomentsAvx512Compiled || !kActivationAvx512Compiled ||
      !kDgemmAvx512Compiled)
    return nullptr;
  static const CpuKernel* bf16 =
      cpu_has_avx512_bf16() && kernel_avx512_bf16() ? kernel_avx512_bf16() : kernel_avx512_bf16_emulated();
  static const Dispatch d{Isa::Avx512,          "avx512",             kernel_avx512(),   bf16,     "avx512",
                          moments_block_avx512, logistic_row_avx512,  first_non_finite_avx2,  first_not_binary_avx2,
                          mask_blocks_avx2,     &kGatesAvx2,          dgemm_avx512};
  return &d;
}

const Dispatch* named(const char* s) {
  if (!std::strcmp(s, "ref") || !std::strcmp(s, "reference") || !std::strcmp(s, "portable")) return make_portable();
  if (!std::strcmp(s, "avx2") || !std::strcmp(s, "avx2-fma")) return make_avx2();
  if (!std::strcmp(s, "avx512")) return make_avx512();
  return nullptr;
}

const Dispatch* automatic() {
  const char* env = std::getenv("DE_CPU_KERNEL");
  if (env && *env)
    if (const Dispatch* d = named(env)) return d;
  if (const Dispatch* d = make_avx512()) return d;
  if (const Dispatch* d = make_avx2()) return d;
  return make_portable();
}

std::atomic<const Dispatch*>& slot() {
  static std::atomic<const Dispatch*> s{automatic()};
  return s;
}

}  // namespace

bool cpu_has_avx2_fma() {
  static const bool has = detect_avx2_fma();
  return has;
}

bool cpu_has_avx512f() {
  static const bool has = detect_avx512f();
  return has;
}

bool cpu_has_avx512_bf16() {
  static const bool has = detect_avx512_bf16();
  return has;
}

const Dispatch& dispatch() { return *slot().load(std::memory_order_acquire); }

const Dispatch* dispatch_for(Isa isa) {
  switch (isa) {
    case Isa::Portable:
      return make_portable();
    case Isa::Avx2:
      return make_avx2();
    case Isa::Avx512:
      return make_avx512();
  }
  return nullptr;
}

bool force_isa_for_testing(const char* name) {
  const Dispatch* d = !name || !*name ? automatic() : named(name);
  if (!d) return false;
  slot().store(d, std::memory_order_release);
  return true;
}

}  // namespace cpu
}  // namespace de
