// Runs a test body with every dispatch table this machine can run, from the automatic choice down
// to the portable one, restoring the automatic choice even on failure (cpu/dispatch.h's test hook).
#pragma once
#include <string>

#include "cpu/dispatch.h"

// Forces one instruction set's whole table for a scope; the automatic choice again after.
struct IsaScope {
  bool ok;
  explicit IsaScope(const char* name) : ok(de::cpu::force_isa_for_testing(name)) {}
  ~IsaScope() { de::cpu::force_isa_for_testing(nullptr); }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;
};

template <class F>
void for_each_kernel(const F& body) {
  body();
  for (const char* isa : {"avx2", "portable"}) {
    if (std::string(de::cpu::dispatch().name) == isa) continue;  // the automatic choice ran above
    IsaScope scope(isa);
    if (scope.ok) body();
  }
}
