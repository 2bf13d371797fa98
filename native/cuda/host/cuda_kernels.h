// The stateless kernels on the GPU (kernels.maskedMatmul / bernoulliMask with backend 'cuda'): the
// same GemmArgs and MaskArgs as gemm.h and masks.h, host pointers in and out. Operands are copied to
// the device, the product or the mask is formed there (cuBLAS; Philox with the CPU's threshold
// rule, so the masks are bit for bit the CPU's), and the result is copied back.
#pragma once
#include "cuda/host/cuda_session.h"
#include "core/gemm.h"
#include "core/masks.h"
#include "common/status.h"

namespace de {

// One session for the process's stateless GPU calls, opened on first use; the calls hold a lock, so
// they run one at a time. Unsupported with the loader's reason where no GPU is usable.
Result cuda_masked_gemm(const GemmArgs& g);
Result cuda_bernoulli_mask_u8(const MaskArgs& a);

}  // namespace de
