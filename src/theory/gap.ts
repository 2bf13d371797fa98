// Estimates of the dropout approximation error E − NWGM (Section 4) from the moments of O.
//
// What holds, measured on exactly enumerated logistic units (12 inputs, 4096 subnetworks; random
// weights scaled by s, random keeps in [0.2, 0.9], bias set so that σ(E(S)) hits a target E; see
// test/theory-gap.test.ts, which pins these numbers):
//
//   E      s     std(O)   E − NWGM   Eq. 20 / exact   delta-method rel. error
//   0.45   1     0.086    1.9e-3     0.39             −0.095
//   0.45   0.25  0.022    1.1e-4     0.47             −0.0062
//   0.20   1     0.056    6.0e-3     0.31             −0.096
//   0.20   0.25  0.014    3.9e-4     0.31             −0.0072
//   0.05   1     0.017    2.7e-3     0.097            −0.12
//   0.05   0.25  0.0042   1.7e-4     0.093            −0.0086
//   0.01   0.25  0.00088  3.9e-5     0.019            −0.0091
//
// - Eq. 20, V(1−2E)/(1−2V), does NOT converge to the gap as the spread shrinks: its ratio to the
//   exact gap tends to 2E(1−E) (0.5 near E = 0.5, 0.32 at 0.2, 0.095 at 0.05, 0.02 at 0.01). The
//   expansion around O = 0.5 (Eq. 15–17) keeps V(1−2E), a third-order quantity near 0.5, but drops
//   third-order terms of the same size, and away from 0.5 the coefficient of V is wrong: the true
//   leading term is V(1−2E)/(2E(1−E)). Eq. 20 therefore underestimates the gap by about half near
//   0.5 and misses nearly all of it for sparse units (E near 0 or 1). With unequal keeps the third
//   moment matters too: at E = 0.5 Eq. 20 is ≈ 0 while the gap is not (it even has the wrong sign).
// - The delta method (Taylor expansion of NWGM = σ(E[logit O]) around E to third order) converges:
//   its relative error falls in proportion to Var(O) — a quarter for each halving of the weights —
//   at every E tested. It degrades only when std(O) is comparable to E or 1 − E.
// - Eq. 22's bound rests on Eq. 20, so it is a heuristic, not a theorem: count its violations.
import { checkScalars } from './check.js';

/** Eq. 20 (second order): E − NWGM ≈ V(1 − 2E)/(1 − 2V). Underestimates the gap; see above. */
export function secondOrderGap(E: number, V: number): number {
  checkScalars('theory.secondOrderGap', { E, V });
  return (V * (1 - 2 * E)) / (1 - 2 * V);
}

/**
 * Delta-method estimate of E − NWGM: expand logit(O) around E to third order,
 * E[logit O] ≈ logit E + ½·f″(E)·V + ⅙·f‴(E)·κ3 with f = logit, then NWGM = σ(E[logit O]) to
 * first order in the correction:
 *   E − NWGM ≈ V(1 − 2E)/(2E(1 − E)) − (E(1 − E)/3)·(1/E³ + 1/(1 − E)³)·κ3,
 * with V = Var(O) and κ3 = E[(O − E)³]. NaN when E is 0 or 1.
 */
export function deltaMethodGap(E: number, V: number, kappa3: number): number {
  checkScalars('theory.deltaMethodGap', { E, V, kappa3 });
  if (!(E > 0 && E < 1)) return NaN;
  const q = 1 - E;
  return (V * (1 - 2 * E)) / (2 * E * q) - ((E * q) / 3) * (1 / (E * E * E) + 1 / (q * q * q)) * kappa3;
}

/** Eq. 22, the loose bound: |E − NWGM| ≲ 2E(1 − E)|1 − 2E|. Rests on Eq. 20: not a theorem. */
export function bound(E: number, _V?: number): number {
  checkScalars('theory.bound', _V === undefined ? { E } : { E, V: _V });
  return 2 * E * (1 - E) * Math.abs(1 - 2 * E);
}

/** Eq. 22, the first (tighter) bound: |E − NWGM| ≲ E(1 − E)|1 − 2E|/(1 − 2V). Not a theorem either. */
export function tightBound(E: number, V: number): number {
  checkScalars('theory.tightBound', { E, V });
  return (E * (1 - E) * Math.abs(1 - 2 * E)) / (1 - 2 * V);
}
