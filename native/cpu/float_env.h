// Subnormal floats (|x| < 2^-126) cost x86 vector units a microcode assist per operation: the
// backward product of a layer whose deltas had decayed to ~1e-38 ran at 1.2 GFLOP/s instead of
// 225. The engine computes with subnormals flushed to zero (FTZ for results, DAZ for operands) on
// every thread that runs its arithmetic: the pool's threads for their lifetime, the calling thread
// for the duration of a call (restored after, so the host's own code never sees the change). Every
// thread computing alike keeps results independent of which thread computed them.
#pragma once

#if defined(__SSE__) || defined(_M_X64)
#include <xmmintrin.h>
#define DE_HAS_MXCSR 1
#endif

namespace de {
namespace cpu {

#if DE_HAS_MXCSR
constexpr unsigned kFlushSubnormals = 0x8040u;  // MXCSR: FTZ (bit 15) | DAZ (bit 6)
inline void flush_subnormals_on_this_thread() { _mm_setcsr(_mm_getcsr() | kFlushSubnormals); }

class FlushSubnormalsScope {
 public:
  FlushSubnormalsScope() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlushSubnormals); }
  ~FlushSubnormalsScope() { _mm_setcsr(saved_); }
  FlushSubnormalsScope(const FlushSubnormalsScope&) = delete;
  FlushSubnormalsScope& operator=(const FlushSubnormalsScope&) = delete;

 private:
  unsigned saved_;
};
#else
inline void flush_subnormals_on_this_thread() {}
class FlushSubnormalsScope {};
#endif

}  // namespace cpu
}  // namespace de
