// The arguments of ensembleStats (Monte Carlo) and exactEnsemble (enumeration), validated against
// a network's description before anything runs. The Network holds itself while the addon samples
// or enumerates on its native threads; these functions only check and translate.
import { InvalidArgumentError, OutOfRangeError, callNative } from '../errors.js';
import { limits } from '../limits.js';
import type { RawEnsembleSampleOptions, RawNetwork } from '../native.js';
import { native } from '../native.js';
import type { ResolvedSpec } from '../network/spec.js';
import { checkBoolean, checkInteger, checkMask, checkOptions, checkSeed, checkTypedArray, invalid, typedArrayKind } from '../validate.js';
import { ownedByCall, ownedFloat32 } from '../keep-attached.js';
import { checkAbortSignal } from '../signal.js';

export interface EnsembleOptions {
  /** Subnetworks to sample (default `limits.defaultSamples`, 10,000). Ignored when `masks` is given. */
  samples?: number;
  /** Philox seed of the masks (default: the network's seed). */
  seed?: number;
  signal?: AbortSignal;
  /** Return the masks of the run (small runs only: at most 2^28 gate bytes). */
  returnMasks?: boolean;
  /** Replay these masks instead of drawing them (the shapes returnMasks gives). */
  masks?: Uint8Array[];
  /** Rows per forward pass (default `limits.defaultEnsembleBatch`, 512); does not change which subnetworks are drawn. */
  batchSize?: number;
  /**
   * Draw only subnetworks start .. end − 1 of the run of `samples` subnetworks with this seed (0 <=
   * start < end <= samples): a shard of that run, to be merged with the others by
   * `mergeEnsembleStates`. The statistics are those of the range (`samples` in the result is end − start).
   */
  sampleRange?: [number, number];
  /** Also return `state`: the run's mergeable moments as bytes (see `mergeEnsembleStates`). */
  returnState?: boolean;
}

const OPTION_KEYS = ['samples', 'seed', 'signal', 'returnMasks', 'masks', 'batchSize', 'sampleRange', 'returnState'] as const;
/** Largest total mask size returnMasks may allocate (bytes). */
export const MAX_RETURNED_MASK_BYTES = 2 ** 28;

/** Per mask buffer: unit mode one per layer l in [0, L) (units_l), connection mode one per weight matrix (units_h·units_l). */
export function maskWidths(spec: ResolvedSpec): number[] {
  const s = spec;
  const units = (l: number) => (l === 0 ? s.inputs : s.layers[l - 1]!.units);
  if (s.dropout === 'units') return s.layers.map((_, l) => units(l));
  const widths: number[] = [];
  s.layers.forEach((layer, k) => {
    for (const l of layer.from) widths.push(layer.units * units(l));
  });
  return widths;
}

function checkInput(where: string, spec: ResolvedSpec, input: unknown): Float32Array {
  return ownedFloat32(where, 'input', input, spec.inputs);
}

/** Where a run with returnState sits in the run it is a shard of. */
export interface StateRequest {
  seed: number;
  samples: number;
  range: [number, number];
}

interface Resolved {
  raw: RawEnsembleSampleOptions;
  signal?: AbortSignal;
  state?: StateRequest;
}

/** options.sampleRange, each element read once: [start, end) inside the run of `samples`. */
function checkRange(where: string, range: unknown, samples: number): [number, number] {
  if (!Array.isArray(range) || range.length !== 2) throw invalid(where, 'options.sampleRange', '[start, end]', range);
  const start = checkInteger(where, 'options.sampleRange[0]', range[0], 0, samples - 1);
  const end = checkInteger(where, 'options.sampleRange[1]', range[1], 1, samples);
  if (end <= start) throw new OutOfRangeError(`${where}: options.sampleRange [${start}, ${end}] is empty; give start < end`);
  return [start, end];
}

function resolveOptions(where: string, spec: ResolvedSpec, options: unknown): Resolved {
  const o = checkOptions<EnsembleOptions>(where, 'options', options, OPTION_KEYS);
  const raw: RawEnsembleSampleOptions = { seed: o.seed === undefined ? spec.seed : checkSeed(where, 'options.seed', o.seed) };
  if (o.batchSize !== undefined) raw.batch = checkInteger(where, 'options.batchSize', o.batchSize, 1, 2 ** 20);
  const widths = maskWidths(spec);
  const perSample = widths.reduce((a, b) => a + b, 0);
  let state: StateRequest | undefined;
  if (o.masks !== undefined) {
    if (o.samples !== undefined) throw new InvalidArgumentError(`${where}: give options.samples or options.masks, not both`);
    if (o.returnMasks) throw new InvalidArgumentError(`${where}: options.returnMasks cannot be combined with options.masks`);
    if (o.sampleRange !== undefined || o.returnState !== undefined) {
      throw new InvalidArgumentError(`${where}: options.sampleRange and options.returnState draw from the seed's subnetworks; they cannot be combined with options.masks`);
    }
    if (!Array.isArray(o.masks) || o.masks.length !== widths.length) {
      throw invalid(where, 'options.masks', `an array of ${widths.length} Uint8Arrays (one per ${spec.dropout === 'units' ? 'layer 0..L−1' : 'weight matrix'})`, o.masks);
    }
    // Each element read once (an index getter could answer differently a second time); the addon
    // gets a fresh array of the checked views, never the caller's.
    const given: unknown[] = [];
    for (let k = 0; k < widths.length; k++) given.push(o.masks[k]);
    const first = given[0];
    const firstLength = typedArrayKind(first) === 'Uint8Array' ? checkTypedArray(where, 'options.masks[0]', first, Uint8Array).length : 0;
    if (firstLength === 0 || firstLength % widths[0]! !== 0) {
      throw invalid(where, 'options.masks[0]', `a Uint8Array whose length is a positive multiple of ${widths[0]}`, first);
    }
    const samples = firstLength / widths[0]!;
    raw.masks = given.map((m, k) => ownedByCall(checkMask(where, `options.masks[${k}]`, m, samples * widths[k]!)));
  } else {
    const total = o.samples === undefined ? limits.defaultSamples : checkInteger(where, 'options.samples', o.samples, 1, 2 ** 40);
    const sampleRange = o.sampleRange;
    const returnState = o.returnState;
    const range: [number, number] = sampleRange === undefined ? [0, total] : checkRange(where, sampleRange, total);
    raw.samples = range[1] - range[0];
    if (range[0] > 0) raw.first = range[0];
    if (returnState !== undefined && checkBoolean(where, 'options.returnState', returnState)) {
      state = { seed: raw.seed, samples: total, range };
    }
    if (o.returnMasks !== undefined && checkBoolean(where, 'options.returnMasks', o.returnMasks)) {
      if (raw.samples * perSample > MAX_RETURNED_MASK_BYTES) {
        throw new OutOfRangeError(`${where}: returnMasks would return ${raw.samples} × ${perSample} = ${raw.samples * perSample} gate bytes, more than the limit of ${MAX_RETURNED_MASK_BYTES}; use fewer samples`);
      }
      raw.returnMasks = true;
    }
  }
  const out: Resolved = { raw };
  if (state) out.state = state;
  if (o.signal !== undefined) out.signal = checkAbortSignal(where, 'options.signal', o.signal);
  return out;
}

/** A validated Monte Carlo request: the input, the addon's options and the caller's signal. */
export interface SampleRequest extends Resolved {
  input: Float32Array;
}

/** Validates the arguments of ensembleStats against the network's description. */
export function sampleRequest(where: string, spec: ResolvedSpec, input: unknown, options: unknown): SampleRequest {
  const x = checkInput(where, spec, input);
  return { input: x, ...resolveOptions(where, spec, options) };
}

/** Validates the arguments of exactEnsemble; `gateCount` counts the network's gates with keep in (0, 1). */
export function exactRequest(where: string, spec: ResolvedSpec, input: unknown, options: unknown, gateCount: () => number): { input: Float32Array; signal?: AbortSignal } {
  const x = checkInput(where, spec, input);
  const o = checkOptions<{ signal: AbortSignal }>(where, 'options', options, ['signal']);
  const signal = o.signal === undefined ? undefined : checkAbortSignal(where, 'options.signal', o.signal);
  const gates = gateCount();
  if (gates > limits.maxExactGates) {
    throw new OutOfRangeError(`${where}: the network has ${gates} gates with keep in (0, 1), which would give 2^${gates} subnetworks; at most ${limits.maxExactGates} gates can be enumerated (use ensembleStats)`);
  }
  return signal ? { input: x, signal } : { input: x };
}

/** The number of gates exactEnsemble would enumerate (keep strictly between 0 and 1, read by some layer). */
export function exactGateCount(raw: RawNetwork): number {
  return callNative(() => native().ensembleGateCount(raw));
}
