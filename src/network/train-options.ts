// The options of `net.train()`: validated, with defaults, and schedules expanded to one value per
// epoch so that the native trainer only ever sees plain numbers.
import { InvalidArgumentError, OutOfRangeError } from '../errors.js';
import {
  checkAbortSignal,
  checkEnum,
  checkFunction,
  checkInteger,
  checkNumber,
  checkOptions,
  invalid,
  isPlainObject,
} from '../validate.js';
import type { CheckedDataset, DeferredChecks, Loss } from './dataset.js';
import { checkDataset, checkLossFits, defaultLoss } from './dataset.js';
import type { ResolvedSpec } from './spec.js';

export type Optimizer = 'adam' | 'sgd';

/** `initial · decay^e` at epoch e = 0, 1, … (Hinton et al. 2012's learning-rate decay). */
export interface ExponentialSchedule {
  kind: 'exponential';
  initial: number;
  decay: number;
}
/** From `from` to `to` linearly over `epochs` epochs, then `to` (Hinton et al.'s momentum ramp 0.5 → 0.99). */
export interface LinearSchedule {
  kind: 'linear';
  from: number;
  to: number;
  epochs: number;
}
/** A constant, a schedule, or one value per epoch (the last value holds for later epochs). */
export type Schedule = number | ExponentialSchedule | LinearSchedule | readonly number[];

/** Reported after every epoch. */
export interface EpochStats {
  /** 1-based absolute epoch: the network's n-th epoch, counted across train() calls. */
  epoch: number;
  /** Mean training loss over the epoch's minibatches (with dropout). */
  loss: number;
  /** Fraction of training examples misclassified during the epoch (with dropout); NaN for regression targets. */
  trainError: number;
  /** Loss of the weight-scaled network (Eq. 4/13) on `validation` after the epoch; absent without validation. */
  validationLoss?: number;
  /** Its classification error; NaN for regression targets; absent without validation. */
  validationError?: number;
  /** Wall-clock seconds of the epoch. */
  seconds: number;
  learningRate: number;
  /** SGD momentum, or Adam's β1. */
  momentum: number;
}

/** Reported during an epoch, after updates. */
export interface Progress {
  /** 1-based absolute epoch. */
  epoch: number;
  /** Examples done in this epoch. */
  examples: number;
  /** Examples per epoch. */
  count: number;
  /** Updates done since the network was created. */
  step: number;
  /** Mean loss of the last minibatch. */
  loss: number;
}

export interface TrainOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 100 (or the data's count when smaller). At most the data's count. */
  batchSize?: number;
  /** Default 'adam'. */
  optimizer?: Optimizer;
  /** Default 1e-3 for Adam, 0.1 for SGD. */
  learningRate?: Schedule;
  /** SGD momentum (a number or a schedule), or Adam's β1 (a number). Default 0.9 for both. */
  momentum?: Schedule;
  /** Caps the L2 norm of each unit's incoming weights (all its W(h, l) rows together). Default: no cap. */
  maxNorm?: number;
  /** L2 penalty coefficient. Default 0. */
  weightDecay?: number;
  /** Default 'cross-entropy' for softmax/logistic tops, 'squared-error' otherwise. */
  loss?: Loss;
  validation?: { inputs: Float32Array; targets: Uint8Array | Int32Array | Float32Array; count: number };
  signal?: AbortSignal;
  onEpoch?: (stats: EpochStats) => void;
  onProgress?: (progress: Progress) => void;
}

/** The resolved options: every schedule expanded to one value per epoch. */
export interface ResolvedTrainOptions {
  epochs: number;
  batchSize: number;
  optimizer: Optimizer;
  learningRate: Float64Array;
  momentum: Float64Array;
  maxNorm: number; // 0 = no cap
  weightDecay: number;
  loss: Loss;
  data: CheckedDataset;
  validation?: CheckedDataset;
  signal?: AbortSignal;
  onEpoch?: (stats: EpochStats) => void;
  onProgress?: (progress: Progress) => void;
}

/** The default recipe (see Network.train): Adam, which leaves the logistic plateau that stalls plain SGD. */
export const DEFAULTS = {
  epochs: 1,
  batchSize: 100,
  optimizer: 'adam' as Optimizer,
  learningRate: { adam: 1e-3, sgd: 0.1 },
  momentum: 0.9,
} as const;

/** Adam's constants (Kingma & Ba 2015); β1 is `momentum`. */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

export const MAX_EPOCHS = 1_000_000;

const OPTION_KEYS = [
  'epochs', 'batchSize', 'optimizer', 'learningRate', 'momentum', 'maxNorm', 'weightDecay', 'loss',
  'validation', 'signal', 'onEpoch', 'onProgress',
] as const;
const EXPONENTIAL_KEYS = ['kind', 'initial', 'decay'] as const;
const LINEAR_KEYS = ['kind', 'from', 'to', 'epochs'] as const;

interface Range {
  min: number;
  max: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  text: string;
}
const LEARNING_RATE: Range = { min: 0, max: Infinity, minExclusive: true, text: 'a finite number > 0' };
const MOMENTUM: Range = { min: 0, max: 1, maxExclusive: true, text: 'a number >= 0 and < 1' };

function inRange(where: string, name: string, v: unknown, r: Range): number {
  return checkNumber(where, name, v, r.min, r.max, { minExclusive: r.minExclusive, maxExclusive: r.maxExclusive });
}

/** Expands a schedule to its values at epochs first, …, first + epochs − 1 (0-based), each checked against `range`. */
export function expandSchedule(where: string, name: string, v: unknown, epochs: number, range: Range, first = 0): Float64Array {
  const out = new Float64Array(epochs);
  if (typeof v === 'number') {
    out.fill(inRange(where, name, v, range));
  } else if (Array.isArray(v)) {
    if (v.length === 0) throw new InvalidArgumentError(`${where}: ${name} must hold at least one value, got an empty array`);
    for (let i = 0; i < v.length; i++) inRange(where, `${name}[${i}]`, v[i], range);
    for (let e = 0; e < epochs; e++) out[e] = v[Math.min(first + e, v.length - 1)] as number;
  } else if (isPlainObject(v) && v.kind === 'exponential') {
    checkOptions(where, name, v, EXPONENTIAL_KEYS);
    const initial = inRange(where, `${name}.initial`, v.initial, range);
    const decay = checkNumber(where, `${name}.decay`, v.decay, 0, 1, { minExclusive: true });
    for (let e = 0; e < epochs; e++) out[e] = initial * decay ** (first + e);
  } else if (isPlainObject(v) && v.kind === 'linear') {
    checkOptions(where, name, v, LINEAR_KEYS);
    const from = inRange(where, `${name}.from`, v.from, range);
    const to = inRange(where, `${name}.to`, v.to, range);
    const span = checkInteger(where, `${name}.epochs`, v.epochs, 1, MAX_EPOCHS);
    // Hinton et al. 2012: p_e = (e/T)·p_to + (1 − e/T)·p_from for e < T, then p_to.
    for (let e = 0; e < epochs; e++) {
      const t = first + e;
      out[e] = t < span ? from + (to - from) * (t / span) : to;
    }
  } else {
    throw invalid(where, name, `a number, an array of numbers, { kind: 'exponential', initial, decay } or { kind: 'linear', from, to, epochs }`, v);
  }
  // The engine computes in float32. A decayed learning rate can underflow to 0 there after many
  // epochs, and a momentum just below 1 can round up to 1: refuse rather than train on nothing.
  for (let e = 0; e < epochs; e++) {
    const x = (out[e] = Math.fround(out[e]!));
    const lowOk = range.minExclusive ? x > range.min : x >= range.min;
    const highOk = range.maxExclusive ? x < range.max : x <= range.max;
    if (!lowOk || !highOk) {
      throw new OutOfRangeError(`${where}: ${name} reaches ${out[e]} at epoch ${first + e + 1}; it must stay ${range.text}`);
    }
  }
  return out;
}

/**
 * Validates train() arguments against the network and fills in the defaults. Schedules are
 * evaluated at the absolute epochs firstEpoch, firstEpoch + 1, … so that training in pieces equals
 * training at once. With `deferred`, the finiteness of large inputs is left to the caller (see checkInputs).
 */
export function resolveTrainOptions(where: string, data: unknown, options: unknown, spec: ResolvedSpec, firstEpoch = 0, deferred?: DeferredChecks): ResolvedTrainOptions {
  const o = checkOptions<TrainOptions>(where, 'options', options, OPTION_KEYS);
  const loss = o.loss === undefined ? defaultLoss(spec) : checkEnum(where, 'options.loss', o.loss, ['cross-entropy', 'squared-error'] as const);
  checkLossFits(where, loss, spec);
  const epochs = checkInteger(where, 'options.epochs', o.epochs ?? DEFAULTS.epochs, 1, MAX_EPOCHS);
  const optimizer = checkEnum(where, 'options.optimizer', o.optimizer ?? DEFAULTS.optimizer, ['adam', 'sgd'] as const);
  const learningRate = expandSchedule(where, 'options.learningRate', o.learningRate ?? DEFAULTS.learningRate[optimizer], epochs, LEARNING_RATE, firstEpoch);
  if (optimizer === 'adam' && o.momentum !== undefined && typeof o.momentum !== 'number') {
    throw invalid(where, 'options.momentum', "a number (Adam's β1; schedules need optimizer \"sgd\")", o.momentum);
  }
  const momentum = expandSchedule(where, 'options.momentum', o.momentum ?? DEFAULTS.momentum, epochs, MOMENTUM, firstEpoch);
  const maxNorm = o.maxNorm === undefined ? 0 : checkNumber(where, 'options.maxNorm', o.maxNorm, 0, Infinity, { minExclusive: true });
  const weightDecay = o.weightDecay === undefined ? 0 : checkNumber(where, 'options.weightDecay', o.weightDecay, 0);
  const signal = o.signal === undefined ? undefined : checkAbortSignal(where, 'options.signal', o.signal);
  const onEpoch = o.onEpoch === undefined ? undefined : (checkFunction(where, 'options.onEpoch', o.onEpoch) as TrainOptions['onEpoch']);
  const onProgress = o.onProgress === undefined ? undefined : (checkFunction(where, 'options.onProgress', o.onProgress) as TrainOptions['onProgress']);
  const checked = checkDataset(where, 'data', data, spec, loss, deferred);
  const batchSize = checkInteger(where, 'options.batchSize', o.batchSize ?? Math.min(DEFAULTS.batchSize, checked.count), 1, checked.count);
  const validation = o.validation === undefined ? undefined : checkDataset(where, 'options.validation', o.validation, spec, loss, deferred);
  return {
    epochs, batchSize, optimizer, learningRate, momentum, maxNorm, weightDecay, loss, data: checked,
    ...(validation ? { validation } : {}),
    ...(signal ? { signal } : {}),
    ...(onEpoch ? { onEpoch } : {}),
    ...(onProgress ? { onProgress } : {}),
  };
}
