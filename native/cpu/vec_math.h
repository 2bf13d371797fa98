// e^(−a) and log1p(u) over a vector ISA V (vec_avx2.h, vec_avx512.h): the formulas of exp_neg and
// log1p_small in moments_kernel.h, lane by lane, shared by the moment and activation kernels.
#pragma once
#include <cstdint>

#include "cpu/exp_log1p_coeffs.h"

namespace de {
namespace cpu {
namespace {

// exp_neg (moments_kernel.h) per lane, with −a folded into the fused multiply-adds.
template <class V>
inline typename V::F exp_neg_v(typename V::F a) {
  using F = typename V::F;
  const F magic = V::set1(kExpMagic);
  const F t = V::fnmadd(a, V::set1(kLog2e), magic);  // n + magic
  const F n = V::sub(t, magic);
  F r = V::fnmsub(n, V::set1(kLn2Hi), a);  // −a − n·ln2 (two parts)
  r = V::fnmadd(n, V::set1(kLn2Lo), r);
  F p = V::fmadd(V::set1(kExpP[0]), r, V::set1(kExpP[1]));
#pragma GCC unroll 4
  for (int i = 2; i < 6; ++i) p = V::fmadd(p, r, V::set1(kExpP[i]));
  p = V::fmadd(V::fmadd(p, r, V::set1(1.0f)), r, V::set1(1.0f));
  return V::scale_pow2(p, n, t);
}

// log1p_small (moments_kernel.h) per lane: 2·atanh(s) = s·(2 + t·g(t)), s = u / (2 + u), t = s², g minimax.
template <class V>
inline typename V::F log1p_small_v(typename V::F u) {
  using F = typename V::F;
  const F s = V::div(u, V::add(V::set1(2.0f), u));
  const F t = V::mul(s, s);
  F p = V::fmadd(V::set1(kLog1pG[0]), t, V::set1(kLog1pG[1]));
#pragma GCC unroll 2
  for (int i = 2; i < 4; ++i) p = V::fmadd(p, t, V::set1(kLog1pG[i]));
  return V::mul(s, V::fmadd(p, t, V::set1(2.0f)));
}

}  // namespace
}  // namespace cpu
}  // namespace de
