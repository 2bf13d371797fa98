// How good the paper's approximations are, layer by layer: the Eq. 22 bound's violations, and the
// error of each estimator (Eq. 20, delta method, O*, propagate) against Monte Carlo or exact stats.
import { checkNumber, checkOptions, invalid, typedArrayKind } from '../validate.js';
import type { EnsembleStats } from './stats.js';
import type { PropagateResult } from './propagate.js';

/** The columns a stats layer needs, each a Float64Array of `units` values (a hand-made or damaged object is rejected, not misread). */
function checkStatsLayers(where: string, name: string, stats: unknown, columns: readonly string[]): void {
  const layers = (stats as { layers?: unknown } | null | undefined)?.layers;
  if (stats === null || typeof stats !== 'object' || !Array.isArray(layers)) throw invalid(where, name, 'the result of ensembleStats or exactEnsemble', stats);
  for (let k = 0; k < layers.length; k++) { // not forEach: it skips the holes of a sparse array
    const l: unknown = layers[k];
    const layer = l as Record<string, unknown> | null;
    if (layer === null || typeof layer !== 'object' || !Number.isSafeInteger(layer.units) || (layer.units as number) < 0) {
      throw invalid(where, `${name}.layers[${k}]`, 'a layer of ensemble statistics', l);
    }
    for (const c of columns) {
      const col = layer[c];
      if (typedArrayKind(col) !== 'Float64Array' || (col as Float64Array).length !== layer.units) {
        throw invalid(where, `${name}.layers[${k}].${c}`, `a Float64Array of ${layer.units as number} values`, col);
      }
    }
  }
}

export interface BoundViolations {
  /** Paper layer h. */
  index: number;
  /** Logistic units checked (other layers have no bound). */
  checked: number;
  /** Units with |E − NWGM| > 2E(1−E)|1−2E| (Eq. 22, the loose bound). */
  violations: number;
  /** Units with |E − NWGM| > E(1−E)|1−2E|/(1−2V) (Eq. 22, the first bound). */
  tightViolations: number;
}

/**
 * Counts the units of each logistic layer where the bound of Eq. 22 fails. Eq. 22 rests on the
 * second-order approximation of Eq. 20, so it is not a theorem: it can fail, and does. With
 * Monte Carlo stats, `standardErrors` (default 0) widens the bound by that many standard errors
 * of E − NWGM (estimated as the standard error of the mean), so that sampling noise is not
 * counted as a violation; exact stats need none.
 */
export function countBoundViolations(stats: EnsembleStats, options?: { standardErrors?: number }): { layers: BoundViolations[]; checked: number; violations: number; tightViolations: number } {
  const where = 'ensemble.countBoundViolations';
  const o = checkOptions<{ standardErrors: number }>(where, 'options', options, ['standardErrors']);
  const k = o.standardErrors === undefined ? 0 : checkNumber(where, 'options.standardErrors', o.standardErrors, 0);
  checkStatsLayers(where, 'stats', stats, ['mean', 'nwgm', 'bound', 'tightBound', 'standardError']);
  const layers: BoundViolations[] = [];
  for (const l of stats.layers) {
    let checked = 0;
    let violations = 0;
    let tightViolations = 0;
    for (let i = 0; i < l.units; i++) {
      if (Number.isNaN(l.bound[i]!) || Number.isNaN(l.nwgm[i]!)) continue;
      checked++;
      const gap = Math.abs(l.mean[i]! - l.nwgm[i]!);
      const slack = k * l.standardError[i]!;
      if (gap > l.bound[i]! + slack) violations++;
      if (gap > l.tightBound[i]! + slack) tightViolations++;
    }
    layers.push({ index: l.index, checked, violations, tightViolations });
  }
  const sum = (f: (b: BoundViolations) => number) => layers.reduce((a, b) => a + f(b), 0);
  return { layers, checked: sum((b) => b.checked), violations: sum((b) => b.violations), tightViolations: sum((b) => b.tightViolations) };
}

export interface ErrorSummary {
  /** Units compared. */
  count: number;
  meanAbsError: number;
  maxAbsError: number;
  rmsError: number;
  /** Mean of |estimate − truth| / |truth| over units with |truth| > 1e-12 (NaN when none). */
  meanRelativeError: number;
}

function errors(estimate: ArrayLike<number>, truth: ArrayLike<number>): ErrorSummary {
  let count = 0, sumAbs = 0, maxAbs = 0, sumSq = 0, sumRel = 0, relCount = 0;
  for (let i = 0; i < truth.length; i++) {
    const e = estimate[i]!;
    const t = truth[i]!;
    if (Number.isNaN(e) || Number.isNaN(t)) continue;
    const d = Math.abs(e - t);
    count++;
    sumAbs += d;
    sumSq += d * d;
    maxAbs = Math.max(maxAbs, d);
    if (Math.abs(t) > 1e-12) {
      sumRel += d / Math.abs(t);
      relCount++;
    }
  }
  return {
    count,
    meanAbsError: count ? sumAbs / count : NaN,
    maxAbsError: count ? maxAbs : NaN,
    rmsError: count ? Math.sqrt(sumSq / count) : NaN,
    meanRelativeError: relCount ? sumRel / relCount : NaN,
  };
}

export interface LayerEstimatorErrors {
  index: number;
  /** Estimates of E(O): O* (the weight-scaled network, = NWGM for logistic units, Eqs. 11–13) and, when given, the propagated means. */
  mean: Record<string, ErrorSummary>;
  /** Estimates of Var(O) (the Gaussian moment propagation), when given. */
  variance: Record<string, ErrorSummary>;
  /** Estimates of the gap E − NWGM: Eq. 20 ('secondOrder') and 'deltaMethod' (logistic layers), 'gaussianGap' (logistic and softmax layers). */
  gap: Record<string, ErrorSummary>;
}

/**
 * The error of every estimator against `truth` (ensembleStats or exactEnsemble), per layer.
 * `estimates` may add the results of propagate() under any names, e.g. { nwgm, gaussian }.
 */
export function estimatorErrors(truth: EnsembleStats, estimates: Record<string, PropagateResult> = {}): LayerEstimatorErrors[] {
  const where = 'ensemble.estimatorErrors';
  checkStatsLayers(where, 'truth', truth, ['mean', 'variance', 'nwgm', 'deterministic', 'secondOrder', 'deltaMethod', 'gaussianGap']);
  if (estimates === null || typeof estimates !== 'object') throw invalid(where, 'estimates', 'an object of propagate() results', estimates);
  for (const [name, p] of Object.entries(estimates)) {
    if (!p || !Array.isArray(p.layers) || p.layers.length !== truth.layers.length) throw invalid(where, `estimates.${name}`, `a propagate() result with ${truth.layers.length} layers`, p);
    Array.from(p.layers, (l, k) => {
      const units = truth.layers[k]!.units;
      if (!l || typedArrayKind(l.mean) !== 'Float64Array' || l.mean.length !== units || (l.variance !== undefined && (typedArrayKind(l.variance) !== 'Float64Array' || l.variance.length !== units))) {
        throw invalid(where, `estimates.${name}.layers[${k}]`, `a propagated layer with mean (and variance) of ${units} values`, l);
      }
    });
  }
  return truth.layers.map((l, k) => {
    const gapTruth = new Float64Array(l.units);
    for (let i = 0; i < l.units; i++) gapTruth[i] = l.mean[i]! - l.nwgm[i]!;
    const mean: Record<string, ErrorSummary> = { deterministic: errors(l.deterministic, l.mean) };
    const variance: Record<string, ErrorSummary> = {};
    for (const [name, p] of Object.entries(estimates)) {
      mean[name] = errors(p.layers[k]!.mean, l.mean);
      if (p.layers[k]!.variance) variance[name] = errors(p.layers[k]!.variance!, l.variance);
    }
    const gap: Record<string, ErrorSummary> = {};
    if (l.activation === 'logistic') {
      gap.secondOrder = errors(l.secondOrder, gapTruth);
      gap.deltaMethod = errors(l.deltaMethod, gapTruth);
    }
    if (l.activation === 'logistic' || l.activation === 'softmax') gap.gaussianGap = errors(l.gaussianGap, gapTruth);
    return { index: l.index, mean, variance, gap };
  });
}
