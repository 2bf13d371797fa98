/* The C ABI of the CUDA backend (libde_cuda.so). Plain C types only, so the addon and de_tests load
 * the library with dlopen (native/cuda/host/cuda_loader.h) and never link CUDA. One exported symbol,
 * de_cuda_get_api(version), returns the function table; every function returns a DeCudaStatus with
 * the numeric values of de::Status, and the context keeps the message of the last error.
 *
 * Pointers named d_* are device pointers (from alloc); h_* are host pointers. Work is queued on the
 * context's stream; download() and synchronize() wait for it. A context is used by one thread at a
 * time (the caller serialises, as the CPU engine does with its busy flag). */
#ifndef DE_CUDA_API_H
#define DE_CUDA_API_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DE_CUDA_API_VERSION 2u

typedef int32_t DeCudaStatus; /* 0 Ok, 1 InvalidArgument, 2 OutOfMemory, 3 Cancelled, 4 Unsupported,
                                 5 Corrupt, 6 Internal (de::Status) */
typedef struct DeCudaContext DeCudaContext;
typedef struct DeCudaMoments DeCudaMoments;
typedef struct DeCudaNet DeCudaNet;

/* The Bernoulli mask of philox.h's contract: out[r*ld + c] = word(seed, stream, row0+r, col0+c) < thr. */
typedef struct {
  uint64_t seed;
  uint32_t stream;
  uint64_t row0, col0;
  int64_t rows, cols;
  const uint64_t* d_thresholds; /* [cols] (device) or NULL: then threshold */
  uint64_t threshold;
  uint8_t* d_out;
  int64_t ld;
} DeCudaMaskArgs;

/* C = beta*C + op(A ⊙ aMask)·diag(aScale)·op(B ⊙ bMask) + bias, then C ⊙= cMask (gemm.h, row-major). */
typedef struct {
  int64_t M, N, K;
  int32_t ta, tb; /* 0 = No, 1 = Yes (Trans of gemm.h) */
  const float* d_A; int64_t lda;
  const uint8_t* d_aMask; int64_t ldaMask;
  const float* d_aScale;
  const float* d_B; int64_t ldb;
  const uint8_t* d_bMask; int64_t ldbMask;
  float* d_C; int64_t ldc;
  float beta; /* 0 or 1 */
  const float* d_bias;
  const uint8_t* d_cMask; int64_t ldcMask;
} DeCudaGemmArgs;

/* Host copies of a moment accumulator (moments.h layout); arrays sized by the caller. */
typedef struct {
  int64_t count;
  double *mean, *m2, *m3, *sum_log, *sum_log1m, *min, *max; /* [neurons] each */
  uint64_t* histogram;                                       /* [neurons × bins] or NULL */
} DeCudaMomentsHost;

/* Network description (network_spec.h after normalise_spec: `from` and keeps filled in). */
typedef struct {
  int64_t units;
  int32_t activation; /* de::Activation: 0 logistic, 1 linear, 2 softmax, 3 relu, 4 tanh */
  double c, lambda;
  const float* h_keep; /* [units]; the top layer: NULL */
  int32_t n_from;
  const int32_t* h_from;
} DeCudaLayer;

typedef struct {
  int64_t inputs;
  const float* h_input_keep; /* [inputs] */
  int32_t dropout;           /* 0 units (1 connections: Unsupported on the GPU for now) */
  int32_t n_layers;
  const DeCudaLayer* layers; /* paper layers 1..L */
  int64_t max_rows;          /* the largest batch a pass will see */
} DeCudaNetSpec;

typedef struct {
  int32_t optimizer; /* 0 SGD with momentum, 1 Adam (optimizer.h) */
  int32_t loss;      /* 0 cross-entropy, 1 squared error (loss.h) */
  float learning_rate, momentum, beta1, beta2, epsilon, weight_decay, max_norm;
  uint64_t seed;
  uint32_t mask_purpose; /* de::MaskPurpose of the gates, e.g. 1 = Train */
  /* Version 2: per layer h = 1..L at [h − 1], a factor on learning_rate for the layer's incoming
     weights and biases (host memory, read during net_train); NULL = 1 for every layer. */
  const float* h_learning_rate_scale;
} DeCudaTrainArgs;

typedef struct {
  uint32_t version; /* DE_CUDA_API_VERSION */
  uint32_t size;    /* sizeof(DeCudaApi) */

  /* Whether a usable GPU is here: 0 and the device name in msg, or 4 (Unsupported) and why. */
  DeCudaStatus (*probe)(char* msg, size_t cap);
  DeCudaStatus (*create)(int device, DeCudaContext** out, char* msg, size_t cap);
  void (*destroy)(DeCudaContext* ctx);
  const char* (*last_error)(const DeCudaContext* ctx);
  DeCudaStatus (*set_tf32)(DeCudaContext* ctx, int32_t on); /* opt-in TF32 tensor cores for products */

  DeCudaStatus (*alloc)(DeCudaContext* ctx, size_t bytes, void** d_out);
  DeCudaStatus (*free)(DeCudaContext* ctx, void* d_ptr);
  DeCudaStatus (*upload)(DeCudaContext* ctx, void* d_dst, const void* h_src, size_t bytes);
  DeCudaStatus (*download)(DeCudaContext* ctx, void* h_dst, const void* d_src, size_t bytes);
  DeCudaStatus (*synchronize)(DeCudaContext* ctx);

  DeCudaStatus (*mask_u8)(DeCudaContext* ctx, const DeCudaMaskArgs* a);
  DeCudaStatus (*gemm)(DeCudaContext* ctx, const DeCudaGemmArgs* a);

  DeCudaStatus (*moments_create)(DeCudaContext* ctx, int64_t neurons, int32_t bins, double lo, double hi,
                                 DeCudaMoments** out);
  void (*moments_destroy)(DeCudaMoments* m);
  /* values (device) rows × cols at leading dimension ld go to neurons [col0, col0+cols); logits as in
     MomentAccumulator::add (NULL: log O and log(1−O) from O). Only the first add of a batch of rows
     counts the rows: pass count_rows = 1 for the first column block of each batch, 0 for the rest. */
  DeCudaStatus (*moments_add)(DeCudaContext* ctx, DeCudaMoments* m, int64_t col0, int64_t cols, const float* d_values,
                              int64_t rows, int64_t ld, const float* d_logits, int64_t ld_logits);
  DeCudaStatus (*moments_read)(DeCudaContext* ctx, const DeCudaMoments* m, DeCudaMomentsHost* out);

  /* The network engine: parameters in the flat layout of network.h (every W_hl in edge order, then
     every bias). Data are copied in once (net_set_data); epochs and Monte Carlo runs stay on the GPU. */
  DeCudaStatus (*net_create)(DeCudaContext* ctx, const DeCudaNetSpec* spec, DeCudaNet** out);
  void (*net_destroy)(DeCudaNet* net);
  DeCudaStatus (*net_set_params)(DeCudaNet* net, const float* h_params, int64_t n);
  DeCudaStatus (*net_get_params)(DeCudaNet* net, float* h_params, int64_t n);
  /* Training data: inputs [count × inputs], and labels [count] (int32) or values [count × outputs]. */
  DeCudaStatus (*net_set_data)(DeCudaNet* net, const float* h_inputs, int64_t count, const int32_t* h_labels,
                               const float* h_values);
  /* Trains on the examples order[first .. first+n) (host permutation of [0, count)) in batches of
     batch rows; the gates of the example at position i use row = row0 + i (mask_streams.h: Train
     row = epoch·count + position, so pass row0 = epoch·count + first). step = updates done before.
     loss_sum (host, may be NULL): Σ of the per-example losses. cancel (host, may be NULL) is polled
     between batches. */
  DeCudaStatus (*net_train)(DeCudaNet* net, const DeCudaTrainArgs* t, const int64_t* h_order, int64_t first,
                            int64_t n, int64_t batch, uint64_t row0, int64_t step, double* loss_sum,
                            const volatile int32_t* cancel);
  /* Monte Carlo statistics of every neuron of layers 1..L (neurons in layer order) over `samples`
     subnetworks applied to one input (h_input [inputs]); sample s uses row = row0 + s with gate
     streams of mask purpose `purpose`. rows_per_pass ≤ max_rows. */
  DeCudaStatus (*net_mc_stats)(DeCudaNet* net, const float* h_input, int64_t samples, uint64_t seed,
                               uint32_t purpose, uint64_t row0, int64_t rows_per_pass, DeCudaMoments* stats);

  /* Added for the JS Network's CUDA backend (appended: the loader requires size >= sizeof(DeCudaApi)). */
  /* Optimizer moments in the flat parameter layout: m (SGD velocity, Adam first moment) and v (Adam
     second moment), so that training resumes exactly across calls and backends. h_m / h_v NULL: set
     zeros / do not read. */
  DeCudaStatus (*net_set_moments)(DeCudaNet* net, const float* h_m, const float* h_v, int64_t n);
  DeCudaStatus (*net_get_moments)(DeCudaNet* net, float* h_m, float* h_v, int64_t n);
  /* Misclassified examples of the last net_train call (argmax, or the 0.5 threshold for one output). */
  DeCudaStatus (*net_train_errors)(DeCudaNet* net, int64_t* errors);
  /* net_mc_stats, and also the pre-activations S of the same subnetworks into s_stats ([neurons], no
     log sums; NULL: skipped). */
  DeCudaStatus (*net_mc_stats_s)(DeCudaNet* net, const float* h_input, int64_t samples, uint64_t seed,
                                 uint32_t purpose, uint64_t row0, int64_t rows_per_pass, DeCudaMoments* stats,
                                 DeCudaMoments* s_stats);
} DeCudaApi;

/* The one exported symbol. NULL when the library does not offer this version. */
const DeCudaApi* de_cuda_get_api(uint32_t version);
typedef const DeCudaApi* (*DeCudaGetApiFn)(uint32_t version);

#ifdef __cplusplus
}
#endif
#endif /* DE_CUDA_API_H */
