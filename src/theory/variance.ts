// Eq. 31: the variance of a unit's total input under dropout of its inputs.
import { checkKeeps, checkSameLength, checkScalars, checkValues, keepAt } from './check.js';

/**
 * Eq. 31: Var(S) = Σ_j w_j² O_j² p_j(1 − p_j) for S = Σ_j w_j δ_j O_j with independent gates
 * δ_j ~ Bernoulli(p_j) and fixed activities O_j (dropout applied in one layer only). A bias adds
 * nothing to the variance. `keeps` is one number for all inputs or one per input.
 */
export function sumVariance(weightsIn: ArrayLike<number>, activitiesIn: ArrayLike<number>, keepsIn: number | ArrayLike<number>): number {
  const where = 'theory.sumVariance';
  const weights = checkValues(where, weightsIn, -Infinity, Infinity, 'weights');
  const activities = checkSameLength(where, 'activities', activitiesIn, weights.length);
  const keeps = checkKeeps(where, keepsIn, weights.length);
  let v = 0;
  for (let j = 0; j < weights.length; j++) {
    const p = keepAt(keeps, j);
    const wo = weights[j]! * activities[j]!;
    v += wo * wo * p * (1 - p);
  }
  return v;
}

/** E(S) = b + Σ_j w_j p_j O_j for the same unit (Eq. 4 for one unit). */
export function sumMean(weightsIn: ArrayLike<number>, activitiesIn: ArrayLike<number>, keepsIn: number | ArrayLike<number>, bias = 0): number {
  const where = 'theory.sumMean';
  const weights = checkValues(where, weightsIn, -Infinity, Infinity, 'weights');
  const activities = checkSameLength(where, 'activities', activitiesIn, weights.length);
  const keeps = checkKeeps(where, keepsIn, weights.length);
  checkScalars(where, { bias });
  let m = bias;
  for (let j = 0; j < weights.length; j++) m += weights[j]! * keepAt(keeps, j) * activities[j]!;
  return m;
}
