// Means of a finite ensemble of outputs (Section 3.1): the weighted geometric means G and G′ and the
// normalized weighted geometric mean NWGM = G/(G+G′) (Eq. 5–7, 10), and its softmax analogue.
import { InvalidArgumentError } from '../errors.js';
import { describe } from '../validate.js';
import { checkArrayLike, checkProbabilities, checkScalars, checkValues } from './check.js';

/** The weighted means of outputs O_i in [0, 1] with probabilities P_i (Σ P_i = 1). */
export interface GeometricMeans {
  /** E = Σ P_i O_i. */
  mean: number;
  /** G = Π O_i^P_i (weighted geometric mean). */
  geometricMean: number;
  /** G′ = Π (1 − O_i)^P_i (weighted geometric mean of the complements). */
  complementGeometricMean: number;
  /** NWGM = G / (G + G′) (Eq. 5). */
  nwgm: number;
}

/**
 * G, G′ and NWGM of outputs in [0, 1] (Section 3.1), computed in the log domain in float64 so that
 * products of many small numbers do not underflow: log G = Σ P_i log O_i.
 * `probs` must be non-negative and sum to 1 (within 1e-9).
 */
export function geometricMeans(valuesIn: ArrayLike<number>, probsIn: ArrayLike<number>): GeometricMeans {
  const where = 'theory.geometricMeans';
  const values = checkValues(where, valuesIn, 0, 1);
  const probs = checkProbabilities(where, probsIn, values.length);
  let mean = 0;
  let logG = 0;
  let logGc = 0;
  for (let i = 0; i < values.length; i++) {
    const p = probs[i]!;
    if (p === 0) continue; // 0 · log 0 = 0: a configuration of probability 0 does not count
    const o = values[i]!;
    mean += p * o;
    logG += p * Math.log(o);
    logGc += p * Math.log1p(-o);
  }
  return {
    mean,
    geometricMean: Math.exp(logG),
    complementGeometricMean: Math.exp(logGc),
    nwgm: nwgmFromLogs(logG, logGc),
  };
}

/** NWGM = G/(G+G′) from log G and log G′, as σ(log G − log G′) (Eq. 6). */
export function nwgmFromLogs(logG: number, logGc: number): number {
  checkScalars('theory.nwgmFromLogs', { logG, logGc });
  if (logG === -Infinity && logGc === -Infinity) return NaN;
  const d = logG - logGc;
  return d >= 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d));
}

/** The normalized weighted geometric mean NWGM = G/(G+G′) of outputs in [0, 1] (Eq. 5, 10). */
export function nwgm(values: ArrayLike<number>, probs: ArrayLike<number>): number {
  return geometricMeans(values, probs).nwgm;
}

/**
 * The normalized-exponential analogue of the NWGM (Section 3.1): for a softmax layer whose output
 * vector in configuration i is `outputs[i]` (k units) with probability P_i, unit j gets
 * G_j / Σ_l G_l with G_j = Π_i (O_ij)^P_i. For softmax units this equals softmax(E(S)).
 */
export function softmaxNwgm(outputsIn: ArrayLike<ArrayLike<number>>, probsIn: ArrayLike<number>): Float64Array {
  const where = 'theory.softmaxNwgm';
  if (!Array.isArray(outputsIn)) throw new InvalidArgumentError(`${where}: outputs must be an array of output vectors, got ${describe(outputsIn)}`);
  const outputs = Array.from(outputsIn as unknown[]); // each row read once
  const probs = checkProbabilities(where, probsIn, outputs.length);
  if (outputs.length === 0) return new Float64Array(0);
  const k = checkValues(where, outputs[0], 0, 1, 'outputs[0]').length;
  const logG = new Float64Array(k);
  for (let i = 0; i < outputs.length; i++) {
    const row = checkValues(where, outputs[i], 0, 1, `outputs[${i}]`);
    if (row.length !== k) throw new InvalidArgumentError(`${where}: outputs[${i}] has ${row.length} units, expected ${k}`);
    const p = probs[i]!;
    if (p === 0) continue;
    for (let j = 0; j < k; j++) logG[j] += p * Math.log(row[j]!);
  }
  return softmax(logG);
}

/** A stable softmax in float64. */
export function softmax(zIn: ArrayLike<number>): Float64Array {
  // Types only: ±Infinity and NaN are allowed (log G of an output that underflowed is −Infinity).
  const a = checkArrayLike('theory.softmax', 'z', zIn);
  const z = a;
  for (let j = 0; j < a.length; j++) {
    if (typeof a[j] !== 'number') throw new InvalidArgumentError(`theory.softmax: z[${j}] must be a number, got ${describe(a[j])}`);
  }
  let max = -Infinity;
  for (let j = 0; j < z.length; j++) max = Math.max(max, z[j]!);
  const out = new Float64Array(z.length);
  let sum = 0;
  for (let j = 0; j < z.length; j++) sum += out[j] = Math.exp(z[j]! - max);
  for (let j = 0; j < z.length; j++) out[j]! /= sum;
  return out;
}
