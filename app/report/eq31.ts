// Eq. 31 on the trained network: Var(S_i^h) = Σ_j w_ij² (O_j)² p_j(1 − p_j) with the activities O*
// of the layer below held fixed (dropout in that layer only). Two uses: the sparse code the network
// learned against its mirror image 1 − O* (Sections 5.3 and 6: small activities reduce Var(S) and so
// raise the consistency of the next layer), and Var(S) as the keep p varies (largest at p = 0.5).
// Pure functions over one layer's weights and per-input columns.
import { ACTIVE_THRESHOLD, theory } from 'dropout-ensemble';
import type { KeepHalfLayer, SparseConsistencyLayer } from './results.js';
import { mean, median } from './stats-math.js';

/** The keeps of the layer below tried for the keep-half comparison. */
export const KEEP_GRID: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** W(h, h − 1) as `rows` × `cols`, row i holding unit i's incoming weights (Network.getWeights' layout). */
export interface LayerWeights {
  weights: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** What Eq. 31's consistency prediction needs at one fixed input. */
export interface SparseConsistencyInput {
  /** O* of layer h − 1. */
  below: ArrayLike<number>;
  /** E(S) of layer h (Monte Carlo). */
  meanS: ArrayLike<number>;
  /** O* of layer h: which of its units are active. */
  deterministic: ArrayLike<number>;
}

/**
 * Eq. 31, Σ_j w_j² O_j² p_j(1 − p_j), as theory.sumVariance computes it, without its argument
 * checks: the report calls it for every unit, input and keep (millions of times on the paper's
 * network), on arrays it made itself.
 */
export function eq31Variance(row: ArrayLike<number>, activities: ArrayLike<number>, keeps: number | ArrayLike<number>): number {
  let v = 0;
  if (typeof keeps === 'number') {
    for (let j = 0; j < row.length; j++) {
      const wo = row[j]! * activities[j]!;
      v += wo * wo;
    }
    return v * keeps * (1 - keeps);
  }
  for (let j = 0; j < row.length; j++) {
    const wo = row[j]! * activities[j]!;
    v += wo * wo * keeps[j]! * (1 - keeps[j]!);
  }
  return v;
}

function rowsOf(w: LayerWeights): Float64Array[] {
  const all = Float64Array.from(w.weights);
  return Array.from({ length: w.rows }, (_, i) => all.subarray(i * w.cols, (i + 1) * w.cols));
}

/**
 * Layer h's Eq. 31 Var(S) with the actual O* of layer h − 1 and with the mirrored code 1 − O*
 * (the same weights, keeps and E(S): everything else equal), and the std(O) each implies for the
 * active units of layer h, taking S ~ N(E(S), Var(S)) for a logistic unit (`unit` its c and λ).
 */
export function sparseConsistencyLayer(layer: number, w: LayerWeights, keeps: number | ArrayLike<number>, inputs: SparseConsistencyInput[], unit: theory.LogisticGaussianOptions = {}): SparseConsistencyLayer {
  const rows = rowsOf(w);
  const ratios: number[] = [];
  const stdSparse: number[] = [];
  const stdMirrored: number[] = [];
  let total = 0;
  let fromInactive = 0;
  let inactiveBelow = 0;
  let unitsBelow = 0;
  for (const x of inputs) {
    const sparse = Float64Array.from(x.below);
    const mirrored = sparse.map((o) => 1 - o);
    const inactiveOnly = sparse.map((o) => (o > ACTIVE_THRESHOLD ? 0 : o));
    for (const o of sparse) if (!(o > ACTIVE_THRESHOLD)) inactiveBelow++;
    unitsBelow += sparse.length;
    rows.forEach((row, i) => {
      const vSparse = eq31Variance(row, sparse, keeps);
      const vMirrored = eq31Variance(row, mirrored, keeps);
      total += vSparse;
      fromInactive += eq31Variance(row, inactiveOnly, keeps);
      if (vMirrored > 0) ratios.push(vSparse / vMirrored);
      if (x.deterministic[i]! > ACTIVE_THRESHOLD) {
        stdSparse.push(Math.sqrt(theory.logisticGaussianMoments(x.meanS[i]!, vSparse, unit).variance));
        stdMirrored.push(Math.sqrt(theory.logisticGaussianMoments(x.meanS[i]!, vMirrored, unit).variance));
      }
    });
  }
  return {
    layer,
    medianVarianceRatio: median(ratios),
    activeUnits: stdSparse.length,
    meanPredictedStdSparse: mean(stdSparse),
    meanPredictedStdMirrored: mean(stdMirrored),
    inactiveVarianceShare: total > 0 ? fromInactive / total : NaN,
    inactiveCountShare: unitsBelow ? inactiveBelow / unitsBelow : NaN,
  };
}

/**
 * Layer h's mean Eq. 31 Var(S) (over its units and the fixed inputs) with the keep of every unit of
 * layer h − 1 set to each of `keeps`, the activities below held fixed. Var(S) is p(1 − p) times a
 * sum that does not depend on p, so the maximum is at p = 0.5 whatever the network: the comparison
 * checks the computation, not the network.
 */
export function keepHalfLayer(layer: number, w: LayerWeights, activities: ArrayLike<number>[], keeps: readonly number[] = KEEP_GRID): KeepHalfLayer {
  const rows = rowsOf(w);
  const below = activities.map((a) => Float64Array.from(a));
  const meanVariance = keeps.map((p) => {
    let sum = 0;
    for (const a of below) for (const row of rows) sum += eq31Variance(row, a, p);
    return sum / (rows.length * activities.length);
  });
  const top = Math.max(...meanVariance);
  const best = meanVariance.indexOf(top);
  return { layer, keeps: [...keeps], meanVariance, relative: meanVariance.map((v) => v / top), argmax: keeps[best]! };
}
