// The backend's entry points, one per DeCudaApi member (api.cpp builds the table from them).
#pragma once
#include <string>

#include "cuda/cuda_api.h"

namespace de_cuda {

bool kernels_runnable(int device, std::string* why);  // launches a tiny kernel (masks.cu)

DeCudaStatus probe(char* msg, size_t cap);
DeCudaStatus create(int device, DeCudaContext** out, char* msg, size_t cap);
void destroy(DeCudaContext* ctx);
const char* last_error(const DeCudaContext* ctx);
DeCudaStatus set_tf32(DeCudaContext* ctx, int32_t on);
DeCudaStatus alloc(DeCudaContext* ctx, size_t bytes, void** out);
DeCudaStatus free_mem(DeCudaContext* ctx, void* p);
DeCudaStatus upload(DeCudaContext* ctx, void* dst, const void* src, size_t bytes);
DeCudaStatus download(DeCudaContext* ctx, void* dst, const void* src, size_t bytes);
DeCudaStatus synchronize(DeCudaContext* ctx);

DeCudaStatus mask_u8(DeCudaContext* ctx, const DeCudaMaskArgs* a);
DeCudaStatus gemm(DeCudaContext* ctx, const DeCudaGemmArgs* a);

DeCudaStatus moments_create(DeCudaContext* ctx, int64_t neurons, int32_t bins, double lo, double hi,
                            DeCudaMoments** out);
void moments_destroy(DeCudaMoments* m);
DeCudaStatus moments_add(DeCudaContext* ctx, DeCudaMoments* m, int64_t col0, int64_t cols, const float* values,
                         int64_t rows, int64_t ld, const float* logits, int64_t ldLogits);
DeCudaStatus moments_read(DeCudaContext* ctx, const DeCudaMoments* m, DeCudaMomentsHost* out);

DeCudaStatus net_create(DeCudaContext* ctx, const DeCudaNetSpec* spec, DeCudaNet** out);
void net_destroy(DeCudaNet* net);
DeCudaStatus net_set_params(DeCudaNet* net, const float* h, int64_t n);
DeCudaStatus net_get_params(DeCudaNet* net, float* h, int64_t n);
DeCudaStatus net_set_data(DeCudaNet* net, const float* inputs, int64_t count, const int32_t* labels,
                          const float* values);
DeCudaStatus net_train(DeCudaNet* net, const DeCudaTrainArgs* t, const int64_t* order, int64_t first, int64_t n,
                       int64_t batch, uint64_t row0, int64_t step, double* lossSum, const volatile int32_t* cancel);
DeCudaStatus net_mc_stats(DeCudaNet* net, const float* input, int64_t samples, uint64_t seed, uint32_t purpose,
                          uint64_t row0, int64_t rowsPerPass, DeCudaMoments* stats);
DeCudaStatus net_set_moments(DeCudaNet* net, const float* m, const float* v, int64_t n);
DeCudaStatus net_get_moments(DeCudaNet* net, float* m, float* v, int64_t n);
DeCudaStatus net_train_errors(DeCudaNet* net, int64_t* errors);
DeCudaStatus net_mc_stats_s(DeCudaNet* net, const float* input, int64_t samples, uint64_t seed, uint32_t purpose,
                            uint64_t row0, int64_t rowsPerPass, DeCudaMoments* stats, DeCudaMoments* statsS);

}  // namespace de_cuda
