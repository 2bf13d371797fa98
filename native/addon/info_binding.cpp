// info(): which CPU kernels run, how many threads, which backends are built and usable here; and
// limits, the engine's limits and defaults.
#include <napi.h>

#include <string>

#include "addon/common.h"
#include "addon/features.h"
#include "common/limits.h"
#include "core/thread_pool.h"
#include "cpu/dispatch.h"
#include "cuda/host/cuda_loader.h"

namespace de_addon {

namespace {

// The CUDA library is looked for and its GPU probed on the first call (cuda_loader.h), not at load.
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const de::cpu::Dispatch& cpu = de::cpu::dispatch();
  Napi::Object r = Napi::Object::New(env);
  r.Set("cpuKernel", Napi::String::New(env, cpu.gemm->name));
  r.Set("momentsKernel", Napi::String::New(env, cpu.moments_name));
  // The bf16 products of train({ precision: 'bf16' }): native where the table runs vdpbf16ps.
  r.Set("bf16Kernel", Napi::String::New(env, cpu.gemm_bf16->name));
  r.Set("bf16Native", Napi::Boolean::New(env, cpu.gemm_bf16->k_per_slot == 2));
  r.Set("hardwareThreads", Napi::Number::New(env, de::hardware_threads()));
  std::string library;
  const bool built = de::find_cuda_library(&library).ok();
  const de::CudaBackend* backend = nullptr;
  const de::Result usable = de::load_cuda_backend(&backend);
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("built", Napi::Boolean::New(env, built));
  cuda.Set("usable", Napi::Boolean::New(env, usable.ok()));
  cuda.Set("library", Napi::String::New(env, library));
  cuda.Set("device", Napi::String::New(env, usable.ok() ? std::string(backend->device) : std::string()));
  cuda.Set("reason", Napi::String::New(env, usable.ok() ? std::string() : usable.message));
  r.Set("cuda", cuda);
  return r;
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
}

}  // namespace de_addon
