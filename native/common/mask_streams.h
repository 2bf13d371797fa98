// The Philox stream numbers of every random decision the engine makes (contract in philox.h).
// One header, reused by the ensemble sampler and the CUDA backend, so that the same (seed, purpose,
// row, unit) gives the same gate everywhere.
//
//   stream = purpose << 24 | kind << 23 | h << 11 | l        (h, l < 2048)
//   kind 0 = unit gate of source layer l (Eq. 2/9: one gate per unit and example, shared by every
//            reader; h = 0);            col = j (unit index in layer l)
//   kind 1 = connection gate (h, o ← l, j) (Eq. 3);  col = o·units_l + j
//
// Rows (the absolute position; any row can be computed alone, so results do not depend on the batch
// size or the thread count):
//   Train       row = epoch·count + i, i = position in that epoch's shuffled order (not the example's
//               index): a run resumed at (epoch, i) draws exactly the masks of the uninterrupted run.
//   MonteCarlo  row = s·count + i for sample s of example i of a predict call.
//   Ensemble    row = sample index (the ensemble sampler; one input at a time).
//   Shuffle     row = epoch, col = i: the words of that epoch's Fisher–Yates shuffle (kind 0, h = l = 0).
//   Init        row = (h << 11 | l) edge, col = element index of W_hl: the weight initialisation.
#pragma once
#include <cstdint>

namespace de {

enum class MaskPurpose : uint32_t {
  Train = 1,
  MonteCarlo = 2,
  Ensemble = 3,
  Shuffle = 4,
  Init = 5,
};

constexpr uint32_t unit_stream(MaskPurpose p, int l) {
  return (static_cast<uint32_t>(p) << 24) | static_cast<uint32_t>(l);
}
constexpr uint32_t connection_stream(MaskPurpose p, int h, int l) {
  return (static_cast<uint32_t>(p) << 24) | (1u << 23) | (static_cast<uint32_t>(h) << 11) | static_cast<uint32_t>(l);
}

}  // namespace de
