// The options of `net.train()`: validated, with defaults, and schedules expanded to one value per
// epoch so that the native trainer only ever sees plain numbers.
import { InvalidArgumentError, OutOfRangeError, UnsupportedError } from '../errors.js';
import {
  
  checkEnum,
  checkFloat32,
  checkFunction,
  checkInteger,
  checkNumber,
  checkOptions,
  checkSeed,
  invalid,
  isPlainObject,
} from '../validate.js';
import { checkAbortSignal } from '../signal.js';
import type { CheckedDataset, DeferredChecks, Loss } from './dataset.js';
import { checkDataset, checkLossFits, defaultLoss, inputRows } from './dataset.js';
import type { RawProbeRecord, RawTrainData, RawTrainOptions } from '../native.js';
import type { ResolvedSpec } from './spec.js';

export type Optimizer = 'adam' | 'sgd';

/**
 * Which training examples share one draw of the unit gates. 'example': every example its own gates
 * (the paper's dropout). 'batch': one draw per minibatch. `{ group: g }`: the examples at epoch
 * positions [k·g, (k+1)·g) share the draw of position k·g (a group cut by a minibatch's end is cut
 * there; `{ group: 1 }` is 'example'). Shared gates let each product skip the dropped units' rows
 * and columns (Graham, Reizenstein & Robinson 2015): about keep_l · keep_h of each product remains.
 * Unit dropout on the CPU only. Monte Carlo statistics always draw one independent subnetwork per sample.
 */
export type MaskSharing = 'example' | 'batch' | { group: number };

/**
 * The operands of training's matrix products (forward, weight gradient, input gradient).
 * 'fp32' (the default): float32 throughout. 'bf16': each operand value of a product (activation ·
 * gate, weight · keep scale, delta) is rounded to bfloat16 (8 significant bits, round to nearest
 * even) and the products are summed in float32; master weights, gradients' accumulation into C,
 * biases, optimizer updates and losses stay float32. A product element then differs from the fp32
 * one by at most about 2^-7 of Σ|a·b| (two roundings of 2^-8 each), plus float32 summation.
 * On a CPU with AVX512-BF16 (info().bf16.native) the products run on vdpbf16ps, twice the
 * multiply-adds per instruction of fp32 FMA; elsewhere the same bf16 products are emulated, bit for
 * bit, at fp32 speed, so a run gives the same weights on either machine. predict, ensembleStats,
 * exactEnsemble and the validation pass of train stay fp32: the Monte Carlo statistics are the
 * measurements. Unit dropout on the CPU only (UnsupportedError for connection dropout and 'cuda').
 */
export type Precision = 'fp32' | 'bf16';

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

/**
 * Learning-phase probes (Section 5.3, Figure 2a): at fixed probe inputs, each unit's O* and Monte
 * Carlo std(O) over `samples` subnetworks, recorded on the training thread between minibatches.
 */
export interface ProbeOptions {
  /** The probe inputs, Float32Array [n × inputs] (n ≥ 1). */
  inputs: Float32Array;
  /** Updates between records (an integer ≥ 1). */
  every: number;
  /** Monte Carlo subnetworks per probe input and record (an integer ≥ 2). */
  samples: number;
  /**
   * Seed of the probes' subnetworks (Philox purpose Ensemble; the same subnetworks at every record,
   * so that the curves show the network changing, not the sample). Default: spec.seed. Training's
   * own masks and shuffles are untouched: the trained weights are bit-identical with and without probes.
   */
  seed?: number;
}

/** One hidden or output layer of a probe record (paper layer h = index + 1). */
export interface ProbeLayerRecord {
  /** O* (weight-scaled network, Eq. 4/13) of every unit at every probe input, row-major [n × units]. */
  deterministic: Float64Array;
  /** Monte Carlo std(O) over the subnetworks, [n × units] (Section 3.2's consistency; ≥ 0). */
  std: Float64Array;
  /**
   * The adaptive weight-decay term the expected dropout gradient carries (Eq. 28 linear, Eq. 30
   * logistic): ½ Σ_i f′_i Σ_j w_ij² I_j² p_j(1 − p_j) over every edge into the layer, with I_j = O*
   * of the source unit (the input itself for layer 0) and f′ = λ²·O*(1 − O*) for logistic units,
   * 1 for linear ones; mean over the probe inputs.
   */
  weightDecayTerm: number;
  /** Fraction of units with O* ≤ 0.1 (inactive; the paper's threshold), mean over the probe inputs. */
  sparsity: number;
  /** Mean O* over units and probe inputs. */
  meanActivity: number;
}

/**
 * One record of the probes. Records are taken when train() starts if the network's update count
 * is then a multiple of `every` (so at step 0 for a new network), after every update whose count
 * is a multiple of `every`, and after the call's last update; never twice for the same step.
 */
export interface ProbeRecord {
  /** Updates since the network was created. */
  step: number;
  /** Training progress in epochs since the network was created (fractional: 2.5 = half-way through the third epoch). */
  epoch: number;
  /** Examples done in the current epoch. */
  examples: number;
  /** One entry per entry of spec.layers, in order. */
  layers: ProbeLayerRecord[];
}

/** What train() resolves with: one EpochStats per completed epoch, plus `probes` when `options.probes` was given. */
export type TrainHistory = EpochStats[] & { probes?: ProbeRecord[] };

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
  /**
   * One factor per entry of spec.layers (finite, > 0): layer h's incoming weights and its biases
   * take steps of learningRate × factor (PyTorch's parameter groups; for Adam the factor scales
   * alpha). Adam gives every weight a step of about learningRate whatever its gradient, where SGD's
   * steps follow the gradient, so a network trained with Adam can end with a different balance
   * between its layers than one trained with SGD. Default: 1 for every layer.
   */
  learningRateScale?: readonly number[];
  /** Default 'cross-entropy' for softmax/logistic tops, 'squared-error' otherwise. */
  loss?: Loss;
  validation?: { inputs: Float32Array; targets: Uint8Array | Int32Array | Float32Array; count: number };
  signal?: AbortSignal;
  /**
   * Called after each epoch. Training waits at the epoch's end until the callback returns, or until
   * the promise it returns settles; meanwhile the network holds still and may be read — getWeights,
   * getBias, toBuffer, save (a checkpoint: `onEpoch: () => net.save(path)`) — while every other call
   * is still refused with BusyError. onProgress and onProbe run on the event loop while the engine
   * goes on. A callback that throws or returns a rejecting promise stops training at the next
   * minibatch, and train() rejects with its error once every promise a callback returned has settled.
   */
  onEpoch?: (stats: EpochStats) => void;
  /** Called at most every 50 ms with the running loss (and once per GPU chunk on a 'cuda' network). */
  onProgress?: (progress: Progress) => void;
  /** Which examples share one draw of the unit gates (MaskSharing). Default 'example'. */
  maskSharing?: MaskSharing;
  /** The operands of the training products (Precision). Default 'fp32'. */
  precision?: Precision;
  /** Learning-phase probes; their records are `history.probes` and go to `onProbe` as they are taken. */
  probes?: ProbeOptions;
  /** Called with each probe record as it is taken (records taken before an abort are delivered too). */
  onProbe?: (record: ProbeRecord) => void;
}

/** The resolved probes: the seed filled in, the input count known. */
export interface ResolvedProbes {
  inputs: Float32Array;
  count: number;
  every: number;
  samples: number;
  seed: number;
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
  /** Per entry of spec.layers, in float32; absent = 1 for every layer. */
  learningRateScale?: Float32Array;
  loss: Loss;
  /** Examples per draw of unit gates: 1 = per example. */
  maskGroup: number;
  precision: Precision;
  data: CheckedDataset;
  validation?: CheckedDataset;
  signal?: AbortSignal;
  onEpoch?: (stats: EpochStats) => void;
  onProgress?: (progress: Progress) => void;
  probes?: ResolvedProbes;
  onProbe?: (record: ProbeRecord) => void;
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
  'validation', 'signal', 'onEpoch', 'onProgress', 'probes', 'onProbe', 'maskSharing', 'precision',
  'learningRateScale',
] as const;
const GROUP_KEYS = ['group'] as const;
/** The most examples one draw of gates may serve: more than any data set holds. */
const MAX_MASK_GROUP = 2 ** 40;

/** Examples per draw of unit gates for `options.maskSharing`; only unit dropout can share gates. */
function resolveMaskGroup(where: string, v: unknown, batchSize: number, spec: ResolvedSpec): number {
  let group: number;
  if (v === undefined || v === 'example') group = 1;
  else if (v === 'batch') group = batchSize;
  else if (isPlainObject(v)) {
    const o = checkOptions<{ group: number }>(where, 'options.maskSharing', v, GROUP_KEYS);
    group = checkInteger(where, 'options.maskSharing.group', o.group, 1, MAX_MASK_GROUP);
  } else throw invalid(where, 'options.maskSharing', "'example', 'batch' or { group: g }", v);
  if (group > 1 && spec.dropout !== 'units') {
    throw new UnsupportedError(`${where}: options.maskSharing shares unit gates; this network uses ${spec.dropout} dropout (use 'example')`);
  }
  return group;
}
/** `options.precision`: bf16 products need unit dropout (connection dropout's gated products run in their own fp32 kernels) and the CPU backend. */
function resolvePrecision(where: string, v: unknown, spec: ResolvedSpec): Precision {
  const precision = v === undefined ? 'fp32' : checkEnum(where, 'options.precision', v, ['fp32', 'bf16'] as const);
  if (precision === 'bf16' && spec.dropout !== 'units') {
    throw new UnsupportedError(`${where}: options.precision 'bf16' needs unit dropout; this network uses ${spec.dropout} dropout (use 'fp32')`);
  }
  if (precision === 'bf16' && spec.backend === 'cuda') {
    throw new UnsupportedError(`${where}: options.precision 'bf16' is not available on the CUDA backend (use 'fp32')`);
  }
  return precision;
}
/** `options.learningRateScale`: one finite factor > 0 per layer of the spec, each read once, kept in float32. */
function resolveLearningRateScale(where: string, v: unknown, spec: ResolvedSpec): Float32Array {
  const name = 'options.learningRateScale';
  const layers = spec.layers.length;
  if (!Array.isArray(v)) throw invalid(where, name, `an array of ${layers} numbers (one per layer)`, v);
  const length: unknown = v.length;
  if (length !== layers) throw new InvalidArgumentError(`${where}: ${name} must hold one factor per layer (${layers}), got ${String(length)}`);
  const out = new Float32Array(layers);
  for (let h = 0; h < layers; h++) {
    const f = checkNumber(where, `${name}[${h}]`, v[h], 0, Infinity, { minExclusive: true });
    out[h] = f;
    // float32 is what the engine multiplies by: a factor that rounds to 0 or overflows is refused.
    if (!(out[h]! > 0) || !Number.isFinite(out[h]!)) throw new OutOfRangeError(`${where}: ${name}[${h}] is ${f}, which is 0 or infinite in float32`);
  }
  return out;
}
const PROBE_KEYS = ['inputs', 'every', 'samples', 'seed'] as const;
/** Bounds of the probes: at most 2^20 probe inputs (the addon's limit), 2^40 subnetworks per record. */
const MAX_PROBE_INPUTS = 2 ** 20;
const MAX_PROBE_SAMPLES = 2 ** 40;

/** Validates `options.probes` (unknown keys are errors); the inputs must be finite. */
export function resolveProbes(where: string, v: unknown, spec: ResolvedSpec): ResolvedProbes {
  if (!isPlainObject(v)) throw invalid(where, 'options.probes', 'an object { inputs, every, samples, seed? }', v);
  const o = checkOptions<ProbeOptions>(where, 'options.probes', v, PROBE_KEYS);
  const { inputs, count } = inputRows(where, 'options.probes.inputs', o.inputs, spec);
  if (count > MAX_PROBE_INPUTS) throw new OutOfRangeError(`${where}: options.probes.inputs holds ${count} inputs, more than the limit of ${MAX_PROBE_INPUTS}`);
  checkFloat32(where, 'options.probes.inputs', inputs);
  const every = checkInteger(where, 'options.probes.every', o.every, 1);
  const samples = checkInteger(where, 'options.probes.samples', o.samples, 2, MAX_PROBE_SAMPLES);
  const seed = o.seed === undefined ? spec.seed : checkSeed(where, 'options.probes.seed', o.seed);
  return { inputs, count, every, samples, seed };
}
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
  const learningRateScale = o.learningRateScale === undefined ? undefined : resolveLearningRateScale(where, o.learningRateScale, spec);
  const signal = o.signal === undefined ? undefined : checkAbortSignal(where, 'options.signal', o.signal);
  const onEpoch = o.onEpoch === undefined ? undefined : (checkFunction(where, 'options.onEpoch', o.onEpoch) as TrainOptions['onEpoch']);
  const onProgress = o.onProgress === undefined ? undefined : (checkFunction(where, 'options.onProgress', o.onProgress) as TrainOptions['onProgress']);
  const probes = o.probes === undefined ? undefined : resolveProbes(where, o.probes, spec);
  const onProbe = o.onProbe === undefined ? undefined : (checkFunction(where, 'options.onProbe', o.onProbe) as TrainOptions['onProbe']);
  if (onProbe && !probes) throw new InvalidArgumentError(`${where}: options.onProbe needs options.probes`);
  const checked = checkDataset(where, 'data', data, spec, loss, deferred);
  const batchSize = checkInteger(where, 'options.batchSize', o.batchSize ?? Math.min(DEFAULTS.batchSize, checked.count), 1, checked.count);
  const maskGroup = resolveMaskGroup(where, o.maskSharing, batchSize, spec);
  const precision = resolvePrecision(where, o.precision, spec);
  const validation = o.validation === undefined ? undefined : checkDataset(where, 'options.validation', o.validation, spec, loss, deferred);
  return {
    epochs, batchSize, optimizer, learningRate, momentum, maxNorm, weightDecay, loss, maskGroup, precision, data: checked,
    ...(learningRateScale ? { learningRateScale } : {}),
    ...(validation ? { validation } : {}),
    ...(signal ? { signal } : {}),
    ...(onEpoch ? { onEpoch } : {}),
    ...(onProgress ? { onProgress } : {}),
    ...(probes ? { probes } : {}),
    ...(onProbe ? { onProbe } : {}),
  };
}

/** A checked dataset as the addon reads it. */
export function rawData(d: CheckedDataset): RawTrainData {
  return { inputs: d.inputs, count: d.count, ...(d.labels ? { labels: d.labels } : { values: d.rows! }) };
}

/** A native probe record in the public shape (ProbeRecord); `count` = examples per epoch. */
function probeRecord(r: RawProbeRecord, count: number): ProbeRecord {
  return {
    step: r.step,
    epoch: r.epoch + Math.min(r.position, count) / count,
    examples: r.position,
    layers: r.deterministic.map((deterministic, h) => ({
      deterministic,
      std: r.std[h]!,
      weightDecayTerm: r.weightDecay[h]!,
      sparsity: r.sparsity[h]!,
      meanActivity: r.meanActivity[h]!,
    })),
  };
}

/** Where train() receives the engine's reports, already in the public shapes. */
export interface TrainReports {
  epoch(stats: EpochStats): void;
  progress: ((progress: Progress) => void) | null;
  probe: ((record: ProbeRecord) => void) | null;
}

/**
 * The addon's options for one train() call: the per-epoch schedules of this call in float32, the
 * optimizer's constants, and callbacks that turn the engine's records into the public shapes.
 * `firstEpoch` is the network's absolute epoch at the start of the call.
 */
export function rawTrainOptions(o: ResolvedTrainOptions, seed: number, firstEpoch: number, reports: TrainReports): RawTrainOptions {
  const progress = reports.progress;
  const probe = reports.probe;
  return {
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer: o.optimizer,
    loss: o.loss,
    learningRate: Float32Array.from(o.learningRate),
    momentum: o.optimizer === 'sgd' ? Float32Array.from(o.momentum) : null,
    beta1: o.optimizer === 'adam' ? o.momentum[0]! : ADAM.beta1,
    beta2: ADAM.beta2,
    epsilon: ADAM.epsilon,
    weightDecay: o.weightDecay,
    maxNorm: o.maxNorm,
    learningRateScale: o.learningRateScale ?? null,
    seed,
    shuffle: true,
    maskGroup: o.maskGroup,
    precision: o.precision,
    validation: o.validation ? rawData(o.validation) : null,
    pauseAtEpoch: o.onEpoch !== undefined,
    onEpoch: (r) => {
      const i = r.epoch - firstEpoch;
      reports.epoch({
        epoch: r.epoch + 1,
        loss: r.loss,
        trainError: r.trainError,
        seconds: r.seconds,
        learningRate: o.learningRate[i] ?? NaN,
        momentum: o.momentum[i] ?? NaN,
        ...(o.validation ? { validationLoss: r.validationLoss, validationError: r.validationError } : {}),
      });
    },
    onProgress: progress ? (p) => progress({ epoch: p.epoch + 1, examples: p.position, count: p.count, step: p.step, loss: p.loss }) : null,
    probes: o.probes ?? null,
    onProbe: o.probes && probe ? (r: RawProbeRecord) => probe(probeRecord(r, o.data.count)) : null,
  };
}
