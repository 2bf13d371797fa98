// The one exported symbol: the function table of cuda_api.h.
#include "cuda/cuda_api.h"
#include "cuda/device/ops.h"

namespace {

const DeCudaApi kApi = {
    DE_CUDA_API_VERSION,
    sizeof(DeCudaApi),
    de_cuda::probe,
    de_cuda::create,
    de_cuda::destroy,
    de_cuda::last_error,
    de_cuda::set_tf32,
    de_cuda::alloc,
    de_cuda::free_mem,
    de_cuda::upload,
    de_cuda::download,
    de_cuda::synchronize,
    de_cuda::mask_u8,
    de_cuda::gemm,
    de_cuda::moments_create,
    de_cuda::moments_destroy,
    de_cuda::moments_add,
    de_cuda::moments_read,
    de_cuda::net_create,
    de_cuda::net_destroy,
    de_cuda::net_set_params,
    de_cuda::net_get_params,
    de_cuda::net_set_data,
    de_cuda::net_train,
    de_cuda::net_mc_stats,
    de_cuda::net_set_moments,
    de_cuda::net_get_moments,
    de_cuda::net_train_errors,
    de_cuda::net_mc_stats_s,
};

}  // namespace

extern "C" __attribute__((visibility("default"))) const DeCudaApi* de_cuda_get_api(uint32_t version) {
  return version == DE_CUDA_API_VERSION ? &kApi : nullptr;
}
