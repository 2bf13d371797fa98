// e^(−a) and log1p(u) over a vector ISA V (vec_avx2.h, vec_avx512.h): the formulas of exp_neg and
// log1p_small in moments_kernel.h, lane by lane, shared by the moment and activation kernels.
#pragma once
#include <cstdint>

namespace de {
namespace cpu {
namespace {

// exp_neg (moments_kernel.h) per lane, with −a folded into the fused multiply-adds.
template <class V>
inline typename V::F exp_neg_v(typename V::F a) {
  using F = typename V::F;
  const F magic = V::set1(12582912.0f);
  const F t = V::fnmadd(a, V::set1(1.44269504088896341f), magic);  // n + magic
  const F n = V::sub(t, magic);
  F r = V::fnmsub(n, V::set1(0.693359375f), a);  // −a − n·ln2 (two parts)
  r = V::fnmadd(n, V::set1(-2.12194440e-4f), r);
  F p = V::fmadd(V::set1(1.9875691500e-4f), r, V::set1(1.3981999507e-3f));
  p = V::fmadd(p, r, V::set1(8.3334519073e-3f));
  p = V::fmadd(p, r, V::set1(4.1665795894e-2f));
  p = V::fmadd(p, r, V::set1(1.6666665459e-1f));
  p = V::fmadd(p, r, V::set1(5.0000001201e-1f));
  p = V::fmadd(V::fmadd(p, r, V::set1(1.0f)), r, V::set1(1.0f));
  return V::scale_pow2(p, n, t);
}

// log1p_small (moments_kernel.h) per lane: 2·atanh(s) = s·(2 + t·g(t)), s = u / (2 + u), t = s², g minimax.
template <class V>
inline typename V::F log1p_small_v(typename V::F u) {
  using F = typename V::F;
  const F s = V::div(u, V::add(V::set1(2.0f), u));
  const F t = V::mul(s, s);
  F p = V::fmadd(V::set1(0.2802445888519287f), t, V::set1(0.27999141812324524f));
  p = V::fmadd(p, t, V::set1(0.4002169966697693f));
  p = V::fmadd(p, t, V::set1(0.6666641235351562f));
  return V::mul(s, V::fmadd(p, t, V::set1(2.0f)));
}

}  // namespace
}  // namespace cpu
}  // namespace de
