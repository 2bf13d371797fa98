// Run-time choice of the CPU kernel: cpuid says whether the CPU has AVX2 and FMA (and AVX-512F), and
// XGETBV whether the OS saves the YMM (and ZMM) registers: without it those instructions fault even
// on a capable CPU. The widest kernel the machine runs is chosen; DE_CPU_KERNEL=ref|avx2|avx512
// overrides the choice (a request the machine cannot honour is ignored).
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
bool is_avx512_name(const char* s) { return !std::strcmp(s, "avx512"); }

// The kernel a name asks for, or null when this machine or build cannot run it.
const CpuKernel* kernel_named(const char* s) {
  if (is_ref_name(s)) return &kernel_reference();
  if (is_avx2_name(s)) return cpu_has_avx2_fma() ? kernel_avx2() : nullptr;
  if (is_avx512_name(s)) return cpu_has_avx512f() ? kernel_avx512() : nullptr;
  return nullptr;
}

const CpuKernel* automatic_kernel() {
  const char* env = std::getenv("DE_CPU_KERNEL");
  if (env && *env)
    if (const CpuKernel* k = kernel_named(env)) return k;
  if (cpu_has_avx512f() && kernel_avx512()) return kernel_avx512();
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
  const CpuKernel* k = !name || !*name ? automatic_kernel() : kernel_named(name);
  if (!k) return false;
  active_slot().store(k, std::memory_order_release);
  return true;
}

}  // namespace de
