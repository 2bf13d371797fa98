// Runs a test body with every CPU kernel this machine can run: the automatic choice, then (when
// AVX2 is what runs by default) the portable one, restoring the automatic choice even on failure.
#pragma once
#include "cpu/kernels.h"

template <class F>
void for_each_kernel(const F& body) {
  body();
  if (de::cpu_has_avx2_fma() && de::set_cpu_kernel_for_testing("ref")) {
    try {
      body();
    } catch (...) {
      de::set_cpu_kernel_for_testing("");
      throw;
    }
    de::set_cpu_kernel_for_testing("");
  }
}
