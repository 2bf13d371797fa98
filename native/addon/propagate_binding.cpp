// propagateCovariance(network, h, l, C) → Promise<Float64Array>: Cov(S) = W C Wᵀ for the weights
// W(h, l) of the network and the covariance C of layer l's gated outputs (core/covariance.h), on the
// network's threads, under its lease (busy, abort flag and shutdown as for every operation).
#include <cstring>
#include <vector>

#include "addon/common.h"
#include "addon/features.h"
#include "addon/network_binding.h"
#include "core/covariance.h"

namespace de_addon {

namespace {

class CovarianceWorker : public PromiseWorker {
 public:
  CovarianceWorker(Napi::Env env, Napi::Object self, int h, int l, const Napi::Value& cov) : PromiseWorker(env), lease_(env, self) {
    const de::Network& net = lease_.net();
    if (h < 1 || h > net.top() || l < 0 || l >= h) throw_invalid(env, "propagateCovariance: no such layer pair");
    edge_ = net.edge_index(h, l);
    if (edge_ < 0) throw_invalid(env, "propagateCovariance: layer h does not read layer l");
    n_ = net.units(h);
    m_ = net.units(l);
    // Copied here, on the main thread: nothing the caller does to its array can reach the worker.
    auto c = typed<double>(cov, "covariance", static_cast<size_t>(m_ * m_));
    cov_.assign(c.Data(), c.Data() + c.ElementLength());
  }

 protected:
  de::Result Run() override {
    out_.assign(static_cast<size_t>(n_ * n_), 0.0);
    de::Network& net = lease_.net();
    return de::covariance_product(net.weights(edge_), n_, m_, cov_.data(), out_.data(), *net.pool(), 0, lease_.abort());
  }
  Napi::Value Resolve(Napi::Env env) override { return copy_out(env, out_); }

 private:
  NetworkLease lease_;
  int edge_ = -1;
  int64_t n_ = 0, m_ = 0;
  std::vector<double> cov_, out_;
};

Napi::Value PropagateCovariance(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return start(env, [&]() -> PromiseWorker* {
    if (!info[0].IsObject() || !info[1].IsNumber() || !info[2].IsNumber()) throw_invalid(env, "propagateCovariance expects (network, h, l, covariance)");
    return new CovarianceWorker(env, info[0].As<Napi::Object>(), info[1].As<Napi::Number>().Int32Value(), info[2].As<Napi::Number>().Int32Value(), info[3]);
  });
}

}  // namespace

void InitPropagate(Napi::Env env, Napi::Object exports) {
  exports.Set("propagateCovariance", Napi::Function::New<PropagateCovariance>(env, "propagateCovariance"));
}

}  // namespace de_addon
