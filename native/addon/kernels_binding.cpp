// Binding of the stateless kernels: maskedMatmul, bernoulliMask, philox4x32, MomentAccumulator.
// Arguments were validated in src/kernels.ts; here only cheap re-checks of kinds and lengths.
#include <napi.h>

#include <cstring>
#include <limits>
#include <vector>

#include "cpu/float_env.h"
#include "addon/common.h"
#include "addon/features.h"
#include "common/limits.h"
#include "cuda/host/cuda_kernels.h"
#include "core/finite.h"
#include "core/gemm.h"
#include "core/masks.h"
#include "core/moments.h"
#include "common/philox.h"

namespace de_addon {

namespace {

// The kernels pool grows on demand up to the cores (de::pool_threads), so threads = 3 runs on three
// threads where there are three cores.
de::ThreadPool* kernel_pool(Napi::Env env, int threads) {
  AddonState& st = state(env);
  const int want = de::pool_threads(threads);
  if (want > st.pool->size()) st.pool.reset(new de::ThreadPool(want));
  return st.pool.get();
}

// backend: 'cpu' (default) or 'cuda' (TS has resolved 'auto' and checked that the GPU is usable).
bool on_gpu(const Napi::Object& o) {
  Napi::Value v = o.Get("backend");
  if (v.IsUndefined()) return false;
  const std::string b = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (b != "cpu" && b != "cuda") throw_invalid(o.Env(), "backend must be 'cpu' or 'cuda'");
  return b == "cuda";
}

int threads_arg(const Napi::Object& o) {
  int64_t t = get_int(o, "threads", 0);
  if (t < 0 || t > de::kMaxThreads) throw_invalid(o.Env(), "threads must be in [0, " + std::to_string(de::kMaxThreads) + "]");
  return static_cast<int>(t);
}

// maskedMatmul({ a, b, m, n, k, mask?, scale?, bias?, out?, threads? }) → Float32Array [m × n]
Napi::Value MaskedMatmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  const int64_t m = get_int(o, "m", -1), n = get_int(o, "n", -1), k = get_int(o, "k", -1);
  if (m < 1 || n < 1 || k < 1) throw_invalid(env, "m, n, k must be >= 1");
  auto a = typed<float>(o.Get("a"), "a", static_cast<size_t>(m * k));
  auto b = typed<float>(o.Get("b"), "b", static_cast<size_t>(n * k));
  Napi::Float32Array out = o.Get("out").IsUndefined() ? Napi::Float32Array::New(env, static_cast<size_t>(m * n))
                                                      : typed<float>(o.Get("out"), "out", static_cast<size_t>(m * n));
  de::GemmArgs g;
  g.M = m; g.N = n; g.K = k;
  g.ta = de::Trans::No; g.tb = de::Trans::Yes;
  g.A = a.Data(); g.lda = k;
  g.B = b.Data(); g.ldb = k;
  g.C = out.Data(); g.ldc = n;
  if (!o.Get("mask").IsUndefined()) {
    g.aMask = typed<uint8_t>(o.Get("mask"), "mask", static_cast<size_t>(m * k)).Data();
    g.ldaMask = k;
  }
  if (!o.Get("scale").IsUndefined()) g.aScale = typed<float>(o.Get("scale"), "scale", static_cast<size_t>(k)).Data();
  if (!o.Get("bias").IsUndefined()) g.bias = typed<float>(o.Get("bias"), "bias", static_cast<size_t>(n)).Data();
  const int threads = threads_arg(o);
  const de::cpu::FlushSubnormalsScope flush;
  throw_if_error(env, on_gpu(o) ? de::cuda_masked_gemm(g) : de::masked_gemm(g, kernel_pool(env, threads), threads));
  return out;
}

// bernoulliMask({ seed, stream, rows, cols, keep }) → Uint8Array [rows × cols]
Napi::Value BernoulliMask(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  const int64_t rows = get_int(o, "rows", -1), cols = get_int(o, "cols", -1);
  if (rows < 0 || cols < 0) throw_invalid(env, "rows and cols must be >= 0");
  de::MaskArgs a;
  a.seed = get_seed(o.Get("seed"));
  const int64_t stream = get_int(o, "stream", 0);
  if (stream < 0 || stream > 0xffffffffLL) throw_invalid(env, "stream must be a 32-bit unsigned integer");
  a.stream = static_cast<uint32_t>(stream);
  a.rows = rows;
  a.cols = cols;
  std::vector<uint64_t> thresholds;
  Napi::Value keep = o.Get("keep");
  if (keep.IsNumber()) {
    a.threshold = de::keep_threshold(keep.As<Napi::Number>().DoubleValue());
  } else {
    auto k = typed<float>(keep, "keep", static_cast<size_t>(cols));
    thresholds.resize(static_cast<size_t>(cols));
    for (int64_t c = 0; c < cols; ++c) thresholds[c] = de::keep_threshold(static_cast<double>(k[static_cast<size_t>(c)]));
    a.thresholds = thresholds.data();
  }
  Napi::Uint8Array out = Napi::Uint8Array::New(env, static_cast<size_t>(rows * cols));
  a.out = out.Data();
  a.ld = cols;
  const int threads = threads_arg(o);
  throw_if_error(env, on_gpu(o) ? de::cuda_bernoulli_mask_u8(a) : de::bernoulli_mask_u8(a, kernel_pool(env, threads), threads));
  return out;
}

// firstNonFinite(Float32Array) → index of the first NaN/±Infinity, or −1 (used by src/validate.ts).
Napi::Value FirstNonFinite(const Napi::CallbackInfo& info) {
  auto a = typed<float>(info[0], "values");
  const int64_t i = de::first_non_finite(a.Data(), static_cast<int64_t>(a.ElementLength()), kernel_pool(info.Env(), 0), 0);
  return Napi::Number::New(info.Env(), static_cast<double>(i));
}

// firstNotBinary(Uint8Array) → index of the first byte that is neither 0 nor 1, or −1 (mask validation).
Napi::Value FirstNotBinary(const Napi::CallbackInfo& info) {
  auto a = typed<uint8_t>(info[0], "values");
  return Napi::Number::New(info.Env(), static_cast<double>(de::first_not_binary(a.Data(), static_cast<int64_t>(a.ElementLength()))));
}

// philox4x32(counter: Uint32Array(4), key: Uint32Array(2)) → Uint32Array(4)
Napi::Value Philox4x32(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ctr = typed<uint32_t>(info[0], "counter", 4);
  auto key = typed<uint32_t>(info[1], "key", 2);
  de::U32x4 c{{ctr[0], ctr[1], ctr[2], ctr[3]}};
  de::U32x4 r = de::philox4x32_10(c, key[0], key[1]);
  Napi::Uint32Array out = Napi::Uint32Array::New(env, 4);
  for (int i = 0; i < 4; ++i) out[i] = r.v[i];
  return out;
}

// A MomentAccumulator owned by a JS object.
class MomentAccumulatorWrap : public Napi::ObjectWrap<MomentAccumulatorWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "MomentAccumulator",
                       {
                           InstanceMethod<&MomentAccumulatorWrap::Add>("add"),
                           InstanceMethod<&MomentAccumulatorWrap::Merge>("merge"),
                           InstanceMethod<&MomentAccumulatorWrap::Columns>("columns"),
                           InstanceMethod<&MomentAccumulatorWrap::Serialize>("serialize"),
                       });
  }

  // new MomentAccumulator(neurons, bins, lo, hi) or new MomentAccumulator(Uint8Array serialized)
  explicit MomentAccumulatorWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MomentAccumulatorWrap>(info) {
    Napi::Env env = info.Env();
    if (info[0].IsTypedArray()) {
      auto bytes = typed<uint8_t>(info[0], "serialized");
      acc_.reset(new de::MomentAccumulator(0, 0));
      throw_if_error(env, de::MomentAccumulator::deserialize(bytes.Data(), bytes.ElementLength(), acc_.get()));
      return;
    }
    const int64_t neurons = info[0].As<Napi::Number>().Int64Value();
    const int64_t bins = info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 64;
    const double lo = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0.0;
    const double hi = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : 1.0;
    if (neurons < 1 || bins < 0 || bins > 65536 || !(hi > lo)) throw_invalid(env, "bad MomentAccumulator arguments");
    acc_.reset(new de::MomentAccumulator(neurons, static_cast<int>(bins), lo, hi));
  }

  de::MomentAccumulator& acc() { return *acc_; }

 private:
  // add(values: Float32Array [rows × neurons], rows, logits?: Float32Array [rows × neurons])
  Napi::Value Add(const Napi::CallbackInfo& info) {
    const int64_t rows = info[1].As<Napi::Number>().Int64Value();
    const size_t len = static_cast<size_t>(rows * acc_->neurons());
    auto values = typed<float>(info[0], "values", len);
    const float* logits = info[2].IsTypedArray() ? typed<float>(info[2], "logits", len).Data() : nullptr;
    acc_->add(values.Data(), rows, acc_->neurons(), logits, acc_->neurons(), kernel_pool(info.Env(), 0), 0);
    return info.Env().Undefined();
  }

  Napi::Value Merge(const Napi::CallbackInfo& info) {
    Napi::Object other = info[0].As<Napi::Object>();
    if (!other.InstanceOf(state(info.Env()).momentAccumulatorCtor.Value())) {
      throw_invalid(info.Env(), "merge expects a MomentAccumulator");
    }
    throw_if_error(info.Env(), acc_->merge(MomentAccumulatorWrap::Unwrap(other)->acc()));
    return info.Env().Undefined();
  }

  // columns() → { count, mean, m2, m3, sumLog, sumLog1m, min, max, histogram, bins, lo, hi }
  Napi::Value Columns(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object r = Napi::Object::New(env);
    auto f64 = [&](const std::vector<double>& v) { return copy_out(env, v); };
    r.Set("count", Napi::Number::New(env, static_cast<double>(acc_->count())));
    r.Set("mean", f64(acc_->mean()));
    r.Set("m2", f64(acc_->m2()));
    r.Set("m3", f64(acc_->m3()));
    r.Set("sumLog", f64(acc_->sum_log()));
    r.Set("sumLog1m", f64(acc_->sum_log1m()));
    r.Set("min", f64(acc_->min()));
    r.Set("max", f64(acc_->max()));
    const auto& h = acc_->histogram();
    Napi::Float64Array hist = Napi::Float64Array::New(env, h.size());
    for (size_t i = 0; i < h.size(); ++i) hist[i] = static_cast<double>(h[i]);
    r.Set("histogram", hist);
    r.Set("bins", Napi::Number::New(env, acc_->bins()));
    r.Set("lo", Napi::Number::New(env, acc_->lo()));
    r.Set("hi", Napi::Number::New(env, acc_->hi()));
    return r;
  }

  Napi::Value Serialize(const Napi::CallbackInfo& info) {
    std::vector<uint8_t> bytes = acc_->serialize();
    Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), bytes.size());
    if (!bytes.empty()) std::memcpy(out.Data(), bytes.data(), bytes.size());
    return out;
  }

  std::unique_ptr<de::MomentAccumulator> acc_;
};

}  // namespace

void InitKernels(Napi::Env env, Napi::Object exports) {
  Napi::Object k = Napi::Object::New(env);
  k.Set("maskedMatmul", Napi::Function::New<MaskedMatmul>(env, "maskedMatmul"));
  k.Set("bernoulliMask", Napi::Function::New<BernoulliMask>(env, "bernoulliMask"));
  k.Set("philox4x32", Napi::Function::New<Philox4x32>(env, "philox4x32"));
  k.Set("firstNotBinary", Napi::Function::New<FirstNotBinary>(env, "firstNotBinary"));
  k.Set("firstNonFinite", Napi::Function::New<FirstNonFinite>(env, "firstNonFinite"));
  Napi::Function ctor = MomentAccumulatorWrap::Define(env);
  state(env).momentAccumulatorCtor = Napi::Persistent(ctor);
  k.Set("MomentAccumulator", ctor);
  exports.Set("kernels", k);
}

}  // namespace de_addon
