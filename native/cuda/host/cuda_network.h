// The CUDA engine behind a Network created with backend 'cuda': the same training loop and Monte
// Carlo statistics as trainer.h and ensemble_sampler.h, run on the GPU through libde_cuda.so.
//
// The host de::Network stays the one source of truth: every GPU call first uploads its parameters
// (and, for training, the optimizer moments), and training downloads them again after every chunk
// of minibatches, also when it stops early, so getWeights / save / CPU predict always see the
// network as trained, and a run resumes exactly on either backend.
//
// Same semantics as the CPU engine (masks are the very same: Philox with mask_streams.h's rows):
//   training  purpose Train, row = epoch·count + position, the epoch's shuffle from epoch_order,
//             Adam's step count and SGD's velocity carried in OptimizerState; validationLoss /
//             validationError evaluated on the CPU (weight-scaled, Eq. 4/13) after each epoch.
//   ensemble  purpose Ensemble, row = sample index; O* (deterministic) computed on the CPU.
// Differences, all documented in the TS API:
//   - minibatches run in chunks on the GPU (kChunkExamples): onBatch is called once per chunk, with
//     the chunk's mean loss, and an abort is seen between chunks;
//   - connection dropout (Eq. 3) is not available (create() says Unsupported);
//   - sums are formed in another order, so results agree with the CPU within float tolerance, not
//     bit for bit.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "cuda/host/cuda_session.h"
#include "core/ensemble_moments.h"
#include "core/ensemble_sampler.h"
#include "core/network_spec.h"
#include "common/status.h"
#include "core/trainer.h"

struct DeCudaNet;

namespace de {

class Network;

class CudaNetwork {
 public:
  // Examples per GPU chunk of a training epoch (rounded down to whole minibatches, at least one).
  static constexpr int64_t kChunkExamples = 8192;
  // Rows per Monte Carlo pass on the GPU.
  static constexpr int64_t kSampleRows = 2048;

  // Unsupported, without allocating, when no GPU is usable here (the loader's reason) or the network
  // needs what the GPU engine lacks (connection dropout).
  static Result supports(const NetworkSpec& spec);
  // Opens a CUDA context (no device memory for the network yet: that comes with the first call).
  static Result create(const Network& net, std::unique_ptr<CudaNetwork>* out);
  ~CudaNetwork();

  const std::string& device() const { return session_->device(); }
  // Examples per chunk (tests use small chunks to cross chunk boundaries inside an epoch).
  void set_chunk_examples(int64_t n) { chunkExamples_ = n > 0 ? n : kChunkExamples; }

  // de::train on the GPU (see above). The data are copied to the device once per call.
  Result train(Network& net, const TrainData& data, const TrainOptions& o, std::vector<EpochRecord>* history);

  // Whether sample() handles these options; otherwise (masks given or returned) the CPU sampler runs,
  // which draws the same masks.
  static bool can_sample(const EnsembleSamplerOptions& o);
  // de::sample_ensemble on the GPU.
  Result sample(const Network& net, const float* input, const EnsembleSamplerOptions& o, EnsembleMoments* out);

 private:
  explicit CudaNetwork(std::unique_ptr<CudaSession> s) : session_(std::move(s)) {}
  // The device network with room for at least `rows` rows per pass, holding net's parameters.
  Result prepare(const Network& net, int64_t rows);
  Result pull_params(Network& net);
  Result pull_state(Network& net);

  std::unique_ptr<CudaSession> session_;
  DeCudaNet* dnet_ = nullptr;
  int64_t maxRows_ = 0;
  int64_t chunkExamples_ = kChunkExamples;
};

}  // namespace de
