#include "cuda/host/cuda_session.h"

#include "cuda/host/cuda_loader.h"

namespace de {

Result CudaSession::open(std::unique_ptr<CudaSession>* out) {
  const CudaBackend* backend = nullptr;
  Result r = load_cuda_backend(&backend);
  if (!r.ok()) return r;
  std::unique_ptr<CudaSession> s(new CudaSession());
  s->api_ = backend->api;
  s->device_ = backend->device;
  char msg[512] = {0};
  const DeCudaStatus st = s->api_->create(0, &s->ctx_, msg, sizeof msg);
  if (st != 0 || !s->ctx_) {
    s->ctx_ = nullptr;
    return Result::error(st == 0 ? Status::Internal : static_cast<Status>(st),
                         std::string("the CUDA backend could not create a context: ") + msg);
  }
  *out = std::move(s);
  return Result::success();
}

CudaSession::~CudaSession() {
  if (ctx_) api_->destroy(ctx_);
}

Result CudaSession::check(DeCudaStatus s, const char* what) const {
  if (s == 0) return Result::success();
  const Status status = s > 0 && s <= static_cast<int>(Status::Internal) ? static_cast<Status>(s) : Status::Internal;
  const char* detail = ctx_ ? api_->last_error(ctx_) : nullptr;
  return Result::error(status, std::string("CUDA backend, ") + what + ": " + (detail && *detail ? detail : "failed"));
}

Result DeviceBuffer::allocate(const CudaSession& s, size_t bytes) {
  reset();
  void* p = nullptr;
  Result r = s.check(s.api().alloc(s.ctx(), bytes, &p), "alloc");
  if (!r.ok()) return r;
  session_ = &s;
  ptr_ = p;
  return r;
}

void DeviceBuffer::reset() {
  if (ptr_ && session_) session_->api().free(session_->ctx(), ptr_);
  ptr_ = nullptr;
  session_ = nullptr;
}

}  // namespace de
