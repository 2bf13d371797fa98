// Module entry: creates the per-instance state and lets each feature file register its exports.
// Context-aware (NODE_API_MODULE), so it loads in worker_threads; state is freed per environment.
#include <napi.h>

#include "addon/common.h"
#include "addon/features.h"

namespace de_addon {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* st = new AddonState();
  st->pool.reset(new de::ThreadPool(de::hardware_threads()));
  env.SetInstanceData<AddonState>(st);  // deleted by Node when this environment is torn down
  // A worker's termination or the environment's end runs the environment's cleanup hooks (before
  // the state above is freed): the call threads abort and join every running operation then.
  st->calls.reset(new CallThreads(env, st->shutdown));
  // process.exit() and fatal errors run no cleanup hook: src/native.ts calls this from 'exit'.
  exports.Set("stopAll", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    state(info.Env()).shutdown->stop();
    return info.Env().Undefined();
  }, "stopAll"));
  for (const Feature* f = features(); f->name; ++f) f->init(env, exports);
  return exports;
}

}  // namespace de_addon

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return de_addon::Init(env, exports); }

NODE_API_MODULE(dropout_ensemble, InitModule)
