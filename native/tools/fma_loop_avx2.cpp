// The FMA peak loop with 8 lanes. Compiled with -mavx2 -mfma (CMakeLists.txt, tools); run only
// after cpuid said yes.
#include "tools/fma_peak.h"

#if defined(__AVX2__) && defined(__FMA__)
#include "cpu/vec_avx2.h"  // first: it sets up <immintrin.h>
#include "tools/fma_loop.h"

namespace de {
namespace tools {
namespace {
double loop(int64_t iters, float seed, float* sink) { return cpu::fma_loop<cpu::Avx2>(iters, seed, sink); }
}  // namespace
double (*const fma_loop_avx2)(int64_t, float, float*) = loop;
}  // namespace tools
}  // namespace de
#else
namespace de {
namespace tools {
double (*const fma_loop_avx2)(int64_t, float, float*) = nullptr;
}  // namespace tools
}  // namespace de
#endif
