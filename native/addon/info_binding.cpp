// info(): which CPU kernel runs, how many threads, which backends are built and usable here; and
// the benchmark-only natives (FMA peak loop, OpenBLAS peer), kept apart from the public surface.
#include <napi.h>

#include "addon/common.h"
#include "addon/features.h"
#include "common/limits.h"
#include "core/backend_info.h"
#include "core/openblas_probe.h"
#include "cpu/kernels.h"

namespace de_addon {

namespace {

// The CUDA library is looked for and its GPU probed on the first call (cuda_loader.h), not at load.
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const de::BackendInfo b = de::backend_info();
  Napi::Object r = Napi::Object::New(env);
  r.Set("cpuKernel", Napi::String::New(env, b.cpuKernel));
  r.Set("momentsKernel", Napi::String::New(env, b.momentsKernel));
  r.Set("hardwareThreads", Napi::Number::New(env, b.threads));
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("built", Napi::Boolean::New(env, b.cudaBuilt));
  cuda.Set("usable", Napi::Boolean::New(env, b.cudaUsable));
  cuda.Set("library", Napi::String::New(env, b.cudaLibrary));
  cuda.Set("device", Napi::String::New(env, b.cudaDevice));
  cuda.Set("reason", Napi::String::New(env, b.cudaReason));
  r.Set("cuda", cuda);
  return r;
}

// fmaPeak(threads, seconds) → GFLOP/s of a register-only FMA loop (the machine's fp32 peak).
Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  const int threads = info[0].As<Napi::Number>().Int32Value();
  const double seconds = info[1].As<Napi::Number>().DoubleValue();
  if (threads < 1 || threads > 1024 || !(seconds > 0 && seconds < 60)) throw_invalid(info.Env(), "bad fmaPeak arguments");
  return Napi::Number::New(info.Env(), de::measure_fma_peak_gflops(threads, seconds));
}

// openblasSgemm(a, b, c, m, n, k, threads) → true when OpenBLAS ran C = A·Bᵀ, false when absent.
Napi::Value OpenblasSgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t m = info[3].As<Napi::Number>().Int64Value(), n = info[4].As<Napi::Number>().Int64Value(),
                k = info[5].As<Napi::Number>().Int64Value();
  if (m < 1 || n < 1 || k < 1) throw_invalid(env, "bad sizes");
  auto a = typed<float>(info[0], "a", static_cast<size_t>(m * k));
  auto b = typed<float>(info[1], "b", static_cast<size_t>(n * k));
  auto c = typed<float>(info[2], "c", static_cast<size_t>(m * n));
  const int threads = info[6].As<Napi::Number>().Int32Value();
  if (!de::openblas_available()) return Napi::Boolean::New(env, false);
  return Napi::Boolean::New(env, de::openblas_sgemm_nt(m, n, k, a.Data(), k, b.Data(), k, c.Data(), n, threads));
}

}  // namespace

// limits: the engine's limits and defaults (common/limits.h), frozen, for the TypeScript checks to
// be compared with.
static Napi::Object Limits(Napi::Env env) {
  Napi::Object l = Napi::Object::New(env);
  l.Set("maxThreads", Napi::Number::New(env, de::kMaxThreads));
  l.Set("maxLayers", Napi::Number::New(env, de::kMaxLayers));
  l.Set("maxUnits", Napi::Number::New(env, static_cast<double>(de::kMaxUnits)));
  l.Set("maxExactGates", Napi::Number::New(env, de::kMaxExactGates));
  l.Set("defaultEnsembleBatch", Napi::Number::New(env, de::kDefaultEnsembleBatch));
  l.Set("defaultSamples", Napi::Number::New(env, static_cast<double>(de::kDefaultSamples)));
  l.Freeze();
  return l;
}

void InitInfo(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New<Info>(env, "info"));
  exports.Set("limits", Limits(env));
  Napi::Object bench = Napi::Object::New(env);
  bench.Set("fmaPeak", Napi::Function::New<FmaPeak>(env, "fmaPeak"));
  bench.Set("openblasSgemm", Napi::Function::New<OpenblasSgemm>(env, "openblasSgemm"));
  bench.Set("openblasAvailable", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
    return Napi::Boolean::New(i.Env(), de::openblas_available());
  }, "openblasAvailable"));
  exports.Set("bench", bench);
}

}  // namespace de_addon
