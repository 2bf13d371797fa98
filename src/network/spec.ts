// The network description: what a user writes, and its validated, fully resolved form.
// Layers are numbered as in the paper: 0 is the input, h = 1..L are the entries of `layers`.
// Every check happens here, before any native allocation, so a bad description never reaches C++.
import { availableParallelism } from 'node:os';
import { randomInt } from 'node:crypto';
import { InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { resolveBackend } from '../backend.js';
import { limits } from '../limits.js';
import {
  MAX_ELEMENTS,
  checkElementCount,
  checkEnum,
  checkInteger,
  checkKeepArray,
  checkNumber,
  checkOptions,
  checkSeed,
  invalid,
  isPlainObject,
  typedArrayKind,
} from '../validate.js';

/** Named activations. `'logistic'` is 1/(1 + c·e^(−λS)) with c = λ = 1 (Eq. 1). */
export type ActivationName = 'logistic' | 'linear' | 'softmax' | 'relu' | 'tanh';
/** The general logistic of the paper, 1/(1 + c·e^(−λS)), with c > 0 and λ ≠ 0. */
export interface LogisticActivation {
  kind: 'logistic';
  c: number;
  lambda: number;
}
export type Activation = ActivationName | LogisticActivation;

/** Dropout on units (one gate per unit shared by all its readers, Eq. 2/9) or on connections (Eq. 3). */
export type DropoutMode = 'units' | 'connections';
export type Backend = 'cpu' | 'cuda' | 'auto';

export interface LayerSpec {
  /** Number of units of this layer. */
  units: number;
  /** Default `'logistic'` for hidden layers; the top layer must name its activation. */
  activation?: Activation;
  /** keep p = P(δ = 1) of this layer's units as seen by the layers above; a number or one per unit. Default 1; not allowed on the top layer. */
  keep?: number | Float32Array | number[];
  /** The strictly lower layers this layer reads (0 = input), in any order, no repeats; default `[h − 1]`. */
  from?: number[];
}

/** The description a user passes to `new Network(...)`. */
export interface NetworkSpec {
  inputs: number;
  /** keep p of the input units; a number or one per input. Default 1. */
  inputKeep?: number | Float32Array | number[];
  dropout?: DropoutMode;
  layers: LayerSpec[];
  /** Seed of every random choice (initial weights, masks, shuffling). Default: drawn at random and recorded in `net.spec`. */
  seed?: number;
  /** Worker threads. Default: all cores (`os.availableParallelism()`). */
  threads?: number;
  /**
   * Where `train()` and `ensembleStats()` run. `'auto'` (default): the GPU when info() reports CUDA
   * usable (and the dropout is on units), else the CPU. `'cuda'`: the GPU, or UnsupportedError with
   * the reason where it cannot run or with connection dropout (Eq. 3). Everything else (predict,
   * exactEnsemble, weights, save) runs on the CPU copy of the network, which the GPU keeps in step.
   */
  backend?: Backend;
}

/** A resolved layer: every field present, activation in its general form. */
export interface ResolvedLayer {
  units: number;
  activation: Activation;
  keep?: number | Float32Array; // absent on the top layer only
  from: number[];
}

/** The validated description with every default filled in. */
export interface ResolvedSpec {
  inputs: number;
  inputKeep: number | Float32Array;
  dropout: DropoutMode;
  layers: ResolvedLayer[];
  seed: number;
  threads: number;
  /** The backend chosen ('auto' resolved). */
  backend: 'cpu' | 'cuda';
}


const SPEC_KEYS = ['inputs', 'inputKeep', 'dropout', 'layers', 'seed', 'threads', 'backend'] as const;
const LAYER_KEYS = ['units', 'activation', 'keep', 'from'] as const;
const LOGISTIC_KEYS = ['kind', 'c', 'lambda'] as const;
const ACTIVATIONS: readonly ActivationName[] = ['logistic', 'linear', 'softmax', 'relu', 'tanh'];

function checkActivation(where: string, name: string, v: unknown, isTop: boolean): Activation {
  let act: Activation;
  if (typeof v === 'string') {
    act = checkEnum(where, name, v, ACTIVATIONS);
  } else if (isPlainObject(v)) {
    checkOptions(where, name, v, LOGISTIC_KEYS);
    checkEnum(where, `${name}.kind`, v.kind, ['logistic'] as const);
    const c = checkNumber(where, `${name}.c`, v.c, 0, Infinity, { minExclusive: true });
    const lambda = checkNumber(where, `${name}.lambda`, v.lambda);
    if (lambda === 0) throw new OutOfRangeError(`${where}: ${name}.lambda must be a finite number other than 0, got 0`);
    act = { kind: 'logistic', c, lambda };
  } else {
    throw invalid(where, name, `one of ${ACTIVATIONS.map((a) => JSON.stringify(a)).join(', ')} or { kind: 'logistic', c, lambda }`, v);
  }
  if (act === 'softmax' && !isTop) {
    throw new InvalidArgumentError(`${where}: ${name} "softmax" is only allowed on the top layer`);
  }
  return act;
}

/** A keep: a number for all units, or one per unit as a Float32Array or a plain array of numbers. */
function checkKeeps(where: string, name: string, v: unknown, length: number): number | Float32Array {
  if (Array.isArray(v)) {
    if (v.length !== length) throw new InvalidArgumentError(`${where}: ${name} must have length ${length}, got Array(${v.length})`);
    for (let i = 0; i < v.length; i++) checkNumber(where, `${name}[${i}]`, v[i], 0, 1);
    return Float32Array.from(v as number[]);
  }
  if (typeof v !== 'number' && typedArrayKind(v) !== 'Float32Array') {
    throw invalid(where, name, `a number in [0, 1] or ${length} of them (Float32Array or array)`, v);
  }
  return copyKeep(checkKeepArray(where, name, v, length));
}

/** Copies a keep so the resolved spec never aliases the caller's array. */
function copyKeep(k: number | Float32Array): number | Float32Array {
  return typeof k === 'number' ? k : new Float32Array(k);
}

function allZero(k: number | Float32Array): boolean {
  if (typeof k === 'number') return k === 0;
  return k.every((x) => x === 0);
}

function checkFrom(where: string, name: string, v: unknown, h: number): number[] {
  if (v === undefined) return [h - 1];
  if (!Array.isArray(v)) throw invalid(where, name, `an array of layer indices in [0, ${h - 1}]`, v);
  if (v.length === 0) throw new InvalidArgumentError(`${where}: ${name} must list at least one lower layer, got an empty array`);
  const seen = new Set<number>();
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) {
    const l = checkInteger(where, `${name}[${i}]`, v[i], 0, h - 1);
    if (seen.has(l)) throw new InvalidArgumentError(`${where}: ${name} lists layer ${l} twice`);
    seen.add(l);
    out.push(l);
  }
  // The order of `from` carries no meaning; ascending order fixes the storage order of W(h, l).
  return out.sort((a, b) => a - b);
}

/**
 * Validates a description and fills in its defaults. Throws InvalidArgumentError, OutOfRangeError
 * or UnsupportedError naming the offending field; never allocates in proportion to the sizes given.
 */
export function resolveSpec(where: string, v: unknown): ResolvedSpec {
  if (!isPlainObject(v)) throw invalid(where, 'spec', 'an object', v);
  const s = checkOptions<NetworkSpec>(where, 'spec', v, SPEC_KEYS);
  const inputs = checkInteger(where, 'spec.inputs', s.inputs, 1, limits.maxUnits);
  const inputKeep = checkKeeps(where, 'spec.inputKeep', s.inputKeep ?? 1, inputs);
  const dropout = checkEnum(where, 'spec.dropout', s.dropout ?? 'units', ['units', 'connections'] as const);
  if (!Array.isArray(s.layers)) throw invalid(where, 'spec.layers', 'an array of layers', s.layers);
  if (s.layers.length === 0) throw new InvalidArgumentError(`${where}: spec.layers must hold at least one layer, got an empty array`);
  if (s.layers.length > limits.maxLayers) throw new OutOfRangeError(`${where}: spec.layers may hold at most ${limits.maxLayers} layers, got ${s.layers.length}`);
  const L = s.layers.length;
  const units: number[] = [inputs];
  const layers: ResolvedLayer[] = [];
  for (let h = 1; h <= L; h++) {
    const name = `spec.layers[${h - 1}]`;
    const raw = s.layers[h - 1];
    if (!isPlainObject(raw)) throw invalid(where, name, 'an object', raw);
    const layer = checkOptions<LayerSpec>(where, name, raw, LAYER_KEYS);
    const isTop = h === L;
    const n = checkInteger(where, `${name}.units`, layer.units, 1, limits.maxUnits);
    units.push(n);
    if (isTop && layer.activation === undefined) {
      throw new InvalidArgumentError(`${where}: ${name}.activation must be given on the top layer (e.g. "softmax" for classes, "linear" for regression)`);
    }
    const activation = checkActivation(where, `${name}.activation`, layer.activation ?? 'logistic', isTop);
    if (isTop && layer.keep !== undefined) {
      throw new InvalidArgumentError(`${where}: ${name}.keep is not allowed on the top layer (no layer reads it), got ${layer.keep === null ? 'null' : typeof layer.keep === 'number' ? layer.keep : 'an array'}`);
    }
    const from = checkFrom(where, `${name}.from`, layer.from, h);
    const resolved: ResolvedLayer = { units: n, activation, from };
    if (!isTop) resolved.keep = checkKeeps(where, `${name}.keep`, layer.keep ?? 1, n);
    layers.push(resolved);
  }
  // Sizes: each weight matrix, and all parameters together, before anything is allocated.
  let total = 0;
  for (let h = 1; h <= L; h++) {
    for (const l of layers[h - 1]!.from) {
      total += checkElementCount(where, `the weight matrix W(${h},${l})`, units[h]!, units[l]!);
    }
    total += units[h]!;
  }
  if (total > MAX_ELEMENTS) {
    throw new OutOfRangeError(`${where}: the network would hold ${total} parameters, more than the limit of ${MAX_ELEMENTS}`);
  }
  // Every layer below the top must be read by some layer above, and a layer that is read must
  // let something through: keep 0 on all its units would silently feed zeros upward.
  const readBy: number[][] = units.map(() => []);
  for (let h = 1; h <= L; h++) for (const l of layers[h - 1]!.from) readBy[l]!.push(h);
  for (let l = 0; l < L; l++) {
    const what = l === 0 ? 'the input (layer 0)' : `layer ${l}`;
    if (readBy[l]!.length === 0) {
      throw new InvalidArgumentError(`${where}: ${what} is not read by any layer above; list it in some layer's "from"`);
    }
    const keep = l === 0 ? inputKeep : layers[l - 1]!.keep!;
    if (allZero(keep)) {
      throw new OutOfRangeError(`${where}: ${l === 0 ? 'spec.inputKeep' : `spec.layers[${l - 1}].keep`} is 0 for every unit of ${what}, which feeds layer ${readBy[l]!.join(', ')}: those layers would only ever see zeros`);
    }
  }
  const seed = s.seed === undefined ? randomInt(0, 2 ** 48 - 1) : checkSeed(where, 'spec.seed', s.seed);
  const threads = s.threads === undefined ? availableParallelism() : checkInteger(where, 'spec.threads', s.threads, 1, limits.maxThreads);
  const backend = resolveBackend(where, 'spec.backend', s.backend ?? 'auto', dropout === 'connections' ? 'connection dropout (Eq. 3)' : undefined);
  return { inputs, inputKeep, dropout, layers, seed, threads, backend };
}

/** Units of layer h (0 = input). */
export function unitsOf(spec: ResolvedSpec, h: number): number {
  return h === 0 ? spec.inputs : spec.layers[h - 1]!.units;
}

/** Number of outputs (units of the top layer). */
export function outputsOf(spec: ResolvedSpec): number {
  return spec.layers[spec.layers.length - 1]!.units;
}

/** The (h, l) pairs that carry a weight matrix, in storage order: h ascending, then `from` order. */
export function weightPairs(spec: ResolvedSpec): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  spec.layers.forEach((layer, i) => {
    for (const l of layer.from) pairs.push([i + 1, l]);
  });
  return pairs;
}

/** A deep copy: no array of the result is shared with the argument. */
export function copySpec(spec: ResolvedSpec): ResolvedSpec {
  return {
    ...spec,
    inputKeep: copyKeep(spec.inputKeep),
    layers: spec.layers.map((l) => ({
      units: l.units,
      activation: typeof l.activation === 'string' ? l.activation : { ...l.activation },
      ...(l.keep === undefined ? {} : { keep: copyKeep(l.keep) }),
      from: [...l.from],
    })),
  };
}

/**
 * The machine-independent part of a description as plain JSON (for model files): per-unit keeps
 * become number arrays (float32 values round-trip exactly through JSON doubles); `threads` and
 * `backend` are left out because they describe the machine, not the model.
 */
export function specToJSON(spec: ResolvedSpec): Record<string, unknown> {
  const keepJSON = (k: number | Float32Array) => (typeof k === 'number' ? k : Array.from(k));
  return {
    inputs: spec.inputs,
    inputKeep: keepJSON(spec.inputKeep),
    dropout: spec.dropout,
    layers: spec.layers.map((l) => ({
      units: l.units,
      activation: l.activation,
      ...(l.keep === undefined ? {} : { keep: keepJSON(l.keep) }),
      from: l.from,
    })),
    seed: spec.seed,
  };
}

/** The inverse of specToJSON: turns keep arrays back into Float32Arrays (validation comes after). */
export function specFromJSON(json: unknown): unknown {
  if (!isPlainObject(json)) return json;
  const keepOf = (k: unknown) => (Array.isArray(k) && k.every((x) => typeof x === 'number') ? Float32Array.from(k as number[]) : k);
  const out: Record<string, unknown> = { ...json };
  if ('inputKeep' in out) out.inputKeep = keepOf(out.inputKeep);
  if (Array.isArray(out.layers)) {
    out.layers = out.layers.map((l) => (isPlainObject(l) && 'keep' in l ? { ...l, keep: keepOf(l.keep) } : l));
  }
  return out;
}
