// The engine's limits and defaults, in one place for every layer. The addon exports them as
// `limits`, and the TypeScript library keeps the same values (src/limits.ts; a test holds the two
// equal), so that what the argument checks accept is exactly what the engine accepts.
#pragma once
#include <cstdint>

namespace de {

constexpr int kMaxThreads = 1024;          // threads of a network's pool or of one kernel call
constexpr int kMaxLayers = 2047;           // mask streams encode h and l in 11 bits (mask_streams.h)
constexpr int64_t kMaxUnits = 1ll << 24;   // per layer; connection columns o·units_l + j stay < 2^48
constexpr int kMaxExactGates = 24;         // exact enumeration: 2^24 subnetworks at most
constexpr int kDefaultEnsembleBatch = 512; // rows per forward pass of the ensemble sampler
constexpr int64_t kDefaultSamples = 10000; // subnetworks the ensemble sampler draws by default

}  // namespace de
