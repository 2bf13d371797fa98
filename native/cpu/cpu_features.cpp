// Run-time choice of the CPU kernel: cpuid says whether the CPU has AVX2 and FMA, and XGETBV whether
// the OS saves the YMM registers (without it AVX instructions fault even on a capable CPU).
// DE_CPU_KERNEL=ref|avx2 overrides the choice (a request the machine cannot honour is ignored).
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "cpu/kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace de {

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
#else
bool detect_avx2_fma() { return false; }
bool detect_avx512f() { return false; }
#endif

bool is_ref_name(const char* s) { return !std::strcmp(s, "ref") || !std::strcmp(s, "reference"); }
bool is_avx2_name(const char* s) { return !std::strcmp(s, "avx2") || !std::strcmp(s, "avx2-fma"); }

const CpuKernel* automatic_kernel() {
  const char* env = std::getenv("DE_CPU_KERNEL");
  if (env && is_ref_name(env)) return &kernel_reference();
  if (cpu_has_avx2_fma() && kernel_avx2()) return kernel_avx2();
  return &kernel_reference();
}

std::atomic<const CpuKernel*>& active_slot() {
  static std::atomic<const CpuKernel*> slot{automatic_kernel()};
  return slot;
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

bool cpu_use_avx2() { return cpu_has_avx2_fma() && &active_cpu_kernel() != &kernel_reference(); }

bool cpu_use_avx512f() { return cpu_has_avx512f() && cpu_use_avx2(); }

const CpuKernel& active_cpu_kernel() { return *active_slot().load(std::memory_order_acquire); }

const char* cpu_kernel_name() { return active_cpu_kernel().name; }

bool set_cpu_kernel_for_testing(const char* name) {
  const CpuKernel* k = nullptr;
  if (!name || !*name) k = automatic_kernel();
  else if (is_ref_name(name)) k = &kernel_reference();
  else if (is_avx2_name(name) && cpu_has_avx2_fma()) k = kernel_avx2();
  if (!k) return false;
  active_slot().store(k, std::memory_order_release);
  return true;
}

}  // namespace de
