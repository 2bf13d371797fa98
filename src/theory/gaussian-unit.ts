// The moments of a logistic unit whose total input S is Gaussian: what a given Var(S) (Eq. 31)
// implies for the unit's consistency std(O) over subnetworks.
import { unitMoments } from '../ensemble/gaussian-units.js';
import { InvalidArgumentError } from '../errors.js';
import { checkNumber, checkOptions } from '../validate.js';

export interface LogisticGaussianOptions {
  /** c of O = 1/(1 + c·e^(−λS)); > 0, default 1. */
  c?: number;
  /** λ of O = 1/(1 + c·e^(−λS)); ≠ 0, default 1. */
  lambda?: number;
}

/** E(O) and Var(O) of O = σ(S). */
export interface UnitOutputMoments {
  mean: number;
  variance: number;
}

/**
 * E(O) and Var(O) for O = 1/(1 + c·e^(−λS)) with S ~ N(mu, variance), by Gauss–Hermite quadrature
 * (the quadrature ensembleStats uses for its Gaussian-S estimate). variance 0 gives σ(mu) and 0.
 */
export function logisticGaussianMoments(mu: number, variance: number, options: LogisticGaussianOptions = {}): UnitOutputMoments {
  const where = 'theory.logisticGaussianMoments';
  checkNumber(where, 'mu', mu);
  checkNumber(where, 'variance', variance, 0);
  const o = checkOptions<LogisticGaussianOptions>(where, 'options', options, ['c', 'lambda']);
  const c = o.c === undefined ? 1 : checkNumber(where, 'options.c', o.c, 0, Infinity, { minExclusive: true });
  const lambda = o.lambda === undefined ? 1 : checkNumber(where, 'options.lambda', o.lambda);
  if (lambda === 0) throw new InvalidArgumentError(`${where}: options.lambda must be non-zero, got 0`);
  const [mean, v] = unitMoments('logistic', { kind: 'logistic', c, lambda }, mu, variance);
  return { mean, variance: v };
}
