#include "cuda/host/cuda_kernels.h"

#include <memory>
#include <mutex>

namespace de {

namespace {

std::mutex& session_mutex() {
  static std::mutex m;
  return m;
}

// Called with the mutex held. The session lives for the process and is never destroyed (at exit the
// driver frees its context; a destructor could run after the CUDA runtime is gone). A failed open is
// retried on the next call.
Result shared_session(CudaSession** out) {
  static std::unique_ptr<CudaSession>* session = new std::unique_ptr<CudaSession>();
  if (!*session) {
    Result r = CudaSession::open(session);
    if (!r.ok()) return r;
  }
  *out = session->get();
  return Result::success();
}

// Uploads n bytes of host data (null: nothing) into a fresh device buffer.
Result upload(const CudaSession& s, DeviceBuffer& b, const void* host, size_t bytes) {
  if (!host || bytes == 0) return Result::success();
  Result r = b.allocate(s, bytes);
  if (r.ok()) r = s.check(s.api().upload(s.ctx(), b.get(), host, bytes), "upload");
  return r;
}

// Rows × columns spanned by a stored operand with leading dimension ld.
size_t span(int64_t rows, int64_t cols, int64_t ld) {
  return rows <= 0 || cols <= 0 ? 0 : static_cast<size_t>((rows - 1) * ld + cols);
}

}  // namespace

Result cuda_masked_gemm(const GemmArgs& g) {
  Result r = check_gemm_args(g);
  if (!r.ok()) return r;
  if (g.precision != Precision::Fp32) return Result::error(Status::Unsupported, "bf16 products are not available on the CUDA backend");
  std::lock_guard<std::mutex> lock(session_mutex());
  CudaSession* s = nullptr;
  r = shared_session(&s);
  if (!r.ok()) return r;
  const bool ta = g.ta == Trans::Yes, tb = g.tb == Trans::Yes;
  const int64_t aRows = ta ? g.K : g.M, aCols = ta ? g.M : g.K, bRows = tb ? g.N : g.K, bCols = tb ? g.K : g.N;
  DeviceBuffer A, aMask, aScale, B, bMask, C, bias, cMask;
  r = upload(*s, A, g.A, sizeof(float) * span(aRows, aCols, g.lda));
  if (r.ok()) r = upload(*s, aMask, g.aMask, span(aRows, aCols, g.ldaMask));
  if (r.ok()) r = upload(*s, aScale, g.aScale, sizeof(float) * static_cast<size_t>(g.K));
  if (r.ok()) r = upload(*s, B, g.B, sizeof(float) * span(bRows, bCols, g.ldb));
  if (r.ok()) r = upload(*s, bMask, g.bMask, span(bRows, bCols, g.ldbMask));
  if (r.ok()) r = upload(*s, bias, g.bias, sizeof(float) * static_cast<size_t>(g.N));
  if (r.ok()) r = upload(*s, cMask, g.cMask, span(g.M, g.N, g.ldcMask));
  const size_t cBytes = sizeof(float) * span(g.M, g.N, g.ldc);
  // beta = 1 reads C, and with ldc > N the bytes between rows come back too: upload C then.
  if (r.ok()) r = g.beta != 0.0f || g.ldc > g.N ? upload(*s, C, g.C, cBytes) : C.allocate(*s, cBytes);
  if (!r.ok()) return r;
  DeCudaGemmArgs d{};
  d.M = g.M; d.N = g.N; d.K = g.K;
  d.ta = ta ? 1 : 0; d.tb = tb ? 1 : 0;
  d.d_A = static_cast<const float*>(A.get()); d.lda = g.lda;
  d.d_aMask = static_cast<const uint8_t*>(aMask.get()); d.ldaMask = g.ldaMask;
  d.d_aScale = static_cast<const float*>(aScale.get());
  d.d_B = static_cast<const float*>(B.get()); d.ldb = g.ldb;
  d.d_bMask = static_cast<const uint8_t*>(bMask.get()); d.ldbMask = g.ldbMask;
  d.d_C = static_cast<float*>(C.get()); d.ldc = g.ldc;
  d.beta = g.beta;
  d.d_bias = static_cast<const float*>(bias.get());
  d.d_cMask = static_cast<const uint8_t*>(cMask.get()); d.ldcMask = g.ldcMask;
  r = s->check(s->api().gemm(s->ctx(), &d), "gemm");
  if (r.ok()) r = s->check(s->api().download(s->ctx(), g.C, C.get(), cBytes), "download");
  return r;
}

Result cuda_bernoulli_mask_u8(const MaskArgs& a) {
  if (a.rows < 0 || a.cols < 0 || (a.rows > 0 && a.cols > 0 && (!a.out || a.ld < a.cols))) {
    return Result::error(Status::InvalidArgument, "bernoulliMask: bad sizes or null output");
  }
  if (a.rows == 0 || a.cols == 0) return Result::success();
  std::lock_guard<std::mutex> lock(session_mutex());
  CudaSession* s = nullptr;
  Result r = shared_session(&s);
  if (!r.ok()) return r;
  DeviceBuffer thresholds, out;
  r = upload(*s, thresholds, a.thresholds, sizeof(uint64_t) * static_cast<size_t>(a.cols));
  const size_t bytes = span(a.rows, a.cols, a.ld);
  // With ld > cols the bytes between rows come back too: start from the caller's.
  if (r.ok()) r = a.ld > a.cols ? upload(*s, out, a.out, bytes) : out.allocate(*s, bytes);
  if (!r.ok()) return r;
  DeCudaMaskArgs d{};
  d.seed = a.seed;
  d.stream = a.stream;
  d.row0 = a.row0;
  d.col0 = a.col0;
  d.rows = a.rows;
  d.cols = a.cols;
  d.d_thresholds = static_cast<const uint64_t*>(thresholds.get());
  d.threshold = a.threshold;
  d.d_out = static_cast<uint8_t*>(out.get());
  d.ld = a.ld;
  r = s->check(s->api().mask_u8(s->ctx(), &d), "mask_u8");
  if (r.ok()) r = s->check(s->api().download(s->ctx(), a.out, out.get(), bytes), "download");
  return r;
}

}  // namespace de
