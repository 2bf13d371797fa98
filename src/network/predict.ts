// Prediction options and the labels helper. Two ways to average the dropout ensemble:
//  - 'weight-scaling': the deterministic network with every weight W(h,l) scaled by its source's
//    keep p_l — O* of the paper (Eq. 4 for linear units, Eq. 13 in deep networks); for logistic units
//    it is the normalized weighted geometric mean of the ensemble (Eq. 12), close to its mean (Eq. 11).
//  - 'monte-carlo': the plain mean of the top layer's output over `samples` subnetworks, each drawn
//    with fresh gates from (seed, sample, example): an unbiased estimate of the ensemble mean E(O).
import { checkEnum, checkInteger, checkOptions, checkSeed } from '../validate.js';
import { checkAbortSignal } from '../signal.js';
import { InvalidArgumentError } from '../errors.js';

export type PredictMethod = 'weight-scaling' | 'monte-carlo';

export interface PredictOptions {
  /** Default 'weight-scaling'. */
  method?: PredictMethod;
  /** Monte Carlo only: subnetworks averaged per input. Default 100. */
  samples?: number;
  /** Monte Carlo only: seed of the gates. Default: the network's seed. */
  seed?: number;
  /** Stops a long prediction (rejects with AbortError). */
  signal?: AbortSignal;
}

export interface ResolvedPredictOptions {
  method: PredictMethod;
  samples: number;
  seed: number;
  signal?: AbortSignal;
}

export const DEFAULT_SAMPLES = 100;
/** Subnetworks per input; beyond a billion the estimate stops improving in float32 anyway. */
export const MAX_SAMPLES = 1_000_000_000;

const KEYS = ['method', 'samples', 'seed', 'signal'] as const;

export function resolvePredictOptions(where: string, options: unknown, networkSeed: number): ResolvedPredictOptions {
  const o = checkOptions<PredictOptions>(where, 'options', options, KEYS);
  const method = checkEnum(where, 'options.method', o.method ?? 'weight-scaling', ['weight-scaling', 'monte-carlo'] as const);
  if (method === 'weight-scaling') {
    for (const key of ['samples', 'seed'] as const) {
      if (o[key] !== undefined) throw new InvalidArgumentError(`${where}: options.${key} applies to method "monte-carlo" only`);
    }
  }
  const samples = checkInteger(where, 'options.samples', o.samples ?? DEFAULT_SAMPLES, 1, MAX_SAMPLES);
  const seed = o.seed === undefined ? networkSeed : checkSeed(where, 'options.seed', o.seed);
  const signal = o.signal === undefined ? undefined : checkAbortSignal(where, 'options.signal', o.signal);
  return { method, samples, seed, ...(signal ? { signal } : {}) };
}

/**
 * Labels from outputs [count × outputs]: the argmax of each row (the first on ties), or for a
 * single output the binary decision O ≥ 0.5.
 */
export function labelsOf(outputs: Float32Array, count: number, width: number): Int32Array {
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const row = r * width;
    if (width === 1) {
      labels[r] = outputs[row]! >= 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let j = 1; j < width; j++) if (outputs[row + j]! > outputs[row + best]!) best = j;
    labels[r] = best;
  }
  return labels;
}
