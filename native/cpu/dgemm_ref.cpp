// The portable float64 product: dgemm_body.h with 16-byte vectors (SSE2 on x86-64, scalar pairs elsewhere).
#define DE_DGEMM_VECTOR_BYTES 16
#include "cpu/dgemm_body.h"

namespace de {
namespace cpu {

void dgemm_portable(const DgemmArgs& a) { dgemm_run(a); }

}  // namespace cpu
}  // namespace de
