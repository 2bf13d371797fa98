// The second-order expansions of Section 4 (Eqs. 17–19) and the true leading terms they should be
// compared with. Eqs. 17–19 expand every O_i around 0.5, so they are accurate (to third order in the
// spread) only near E = 0.5. For a small spread around any E, log G = E[log O] ≈ log E − V/(2E²),
// so E − G ≈ V/(2E) and 1 − E − G′ ≈ V/(2(1 − E)): E − G ≈ V holds at E = 0.5 only. From
// E − NWGM ≈ V(1 − 2E)/(2E(1 − E)) the ratio |E − NWGM|/|E − G| tends to |1 − 2E|/(1 − E), which
// exceeds 1 for E > 2/3: there G is the better approximation of E. test/theory-approximations.test.ts
// checks all of this by exact enumeration of logistic units.
import { checkScalars } from './check.js';

/** Eqs. 17–19 evaluated: the geometric means and normalized geometric means to second order. */
export interface SecondOrderMeans {
  /** Eq. 17: G ≈ E − V. */
  geometricMean: number;
  /** Eq. 18: G′ ≈ 1 − E − V. */
  complementGeometricMean: number;
  /** Eq. 19: G/(G + G′) ≈ (E − V)/(1 − 2V). */
  nwgm: number;
  /** Eq. 19: G′/(G + G′) ≈ (1 − E − V)/(1 − 2V). */
  complementNwgm: number;
}

/** Eqs. 17–19 for mean E = E(O) and variance V = Var(O). NaN and ±Infinity propagate. */
export function secondOrderMeans(E: number, V: number): SecondOrderMeans {
  checkScalars('theory.secondOrderMeans', { E, V });
  const norm = 1 - 2 * V;
  return {
    geometricMean: E - V,
    complementGeometricMean: 1 - E - V,
    nwgm: (E - V) / norm,
    complementNwgm: (1 - E - V) / norm,
  };
}

/** The leading terms of E − G and 1 − E − G′ for a small spread of O around E. */
export interface LeadingGeometricGaps {
  /** E − G ≈ V/(2E); NaN unless E > 0. */
  eMinusG: number;
  /** 1 − E − G′ ≈ V/(2(1 − E)); NaN unless E < 1. */
  oneMinusEMinusGc: number;
}

/**
 * The true leading terms of the geometric-mean gaps: from log G = E[log O] ≈ log E − V/(2E²),
 * E − G ≈ V/(2E), and by symmetry 1 − E − G′ ≈ V/(2(1 − E)). Eq. 20's E − G ≈ V is the value at
 * E = 0.5. NaN where the term is undefined (E ≤ 0 or E ≥ 1 respectively).
 */
export function leadingGeometricGaps(E: number, V: number): LeadingGeometricGaps {
  checkScalars('theory.leadingGeometricGaps', { E, V });
  return {
    eMinusG: E > 0 ? V / (2 * E) : NaN,
    oneMinusEMinusGc: E < 1 ? V / (2 * (1 - E)) : NaN,
  };
}

/**
 * The small-spread limit of |E − NWGM| / |E − G|: |1 − 2E|/(1 − E), the ratio of the leading
 * terms V|1 − 2E|/(2E(1 − E)) and V/(2E). Below 1 (NWGM the better approximation) for E < 2/3,
 * above 1 for E > 2/3. NaN unless 0 < E < 1.
 */
export function nwgmToGeometricRatio(E: number): number {
  checkScalars('theory.nwgmToGeometricRatio', { E });
  if (!(E > 0 && E < 1)) return NaN;
  return Math.abs(1 - 2 * E) / (1 - E);
}
