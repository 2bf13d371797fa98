// The list of binding files. Each feature file defines one InitX(env, exports); add it here.
#pragma once
#include <napi.h>

namespace de_addon {

struct Feature {
  const char* name;
  void (*init)(Napi::Env env, Napi::Object exports);
};

void InitKernels(Napi::Env env, Napi::Object exports);
void InitInfo(Napi::Env env, Napi::Object exports);
void InitNetwork(Napi::Env env, Napi::Object exports);
void InitEnsemble(Napi::Env env, Napi::Object exports);
void InitPropagate(Napi::Env env, Napi::Object exports);

inline const Feature* features() {
  static const Feature list[] = {
      {"kernels", InitKernels},
      {"info", InitInfo},
      {"network", InitNetwork},
      {"ensemble", InitEnsemble},
      {"propagate", InitPropagate},
      {nullptr, nullptr},
  };
  return list;
}

}  // namespace de_addon
