// One branch on which of a pack source's gate mask and per-k scale are present, turned into
// compile-time flags: each packer's inner loop is compiled once per combination, with no test per
// element.
#pragma once

#include <type_traits>

#include "cpu/kernels.h"

namespace de {
namespace {  // internal linkage, as the packers that use it: each kernel file compiles its own ISA's copy

// Calls pack(std::bool_constant<has mask>{}, std::bool_constant<has scale>{}).
template <typename Pack>
inline void with_mask_scale(const PackSource& s, Pack&& pack) {
  if (s.mask && s.scale) pack(std::true_type{}, std::true_type{});
  else if (s.mask) pack(std::true_type{}, std::false_type{});
  else if (s.scale) pack(std::false_type{}, std::true_type{});
  else pack(std::false_type{}, std::false_type{});
}

}  // namespace
}  // namespace de
