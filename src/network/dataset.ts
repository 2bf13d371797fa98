// Validation of the data a network trains on or predicts from: `{ inputs, targets, count }` with
// inputs Float32Array [count × inputs] and targets either class labels or rows of outputs.
import { InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { FINITE_SLICE, checkElementCount, checkFinite, checkInteger, checkOptions, checkTypedArray, describe, invalid, isPlainObject, typedArrayKind } from '../validate.js';
import { ownedByCall, ownedFloat32 } from '../keep-attached.js';
import type { ResolvedSpec } from './spec.js';
import { outputsOf } from './spec.js';

export type Loss = 'cross-entropy' | 'squared-error';
export type Labels = Uint8Array | Int32Array;

/** A data set for `train()`: `targets` are class labels or a Float32Array [count × outputs]. */
export interface Dataset {
  inputs: Float32Array;
  targets: Labels | Float32Array;
  count: number;
}

/** A validated data set: targets as labels (`labels`) or as rows (`rows`), never both. */
export interface CheckedDataset {
  inputs: Float32Array;
  count: number;
  labels?: Labels;
  rows?: Float32Array;
}

const DATASET_KEYS = ['inputs', 'targets', 'count'] as const;

/** Large arrays whose finiteness the caller checks later, in slices that keep the event loop free (checkFiniteYielding). */
export type DeferredChecks = Array<{ name: string; array: Float32Array }>;

/** Inputs Float32Array [count × spec.inputs], all finite (checked now, or listed in `deferred` when large). */
export function checkInputs(where: string, name: string, v: unknown, count: number, spec: ResolvedSpec, deferred?: DeferredChecks): Float32Array {
  const n = checkElementCount(where, name, count, spec.inputs);
  const defer = deferred !== undefined && n > FINITE_SLICE;
  const a = ownedByCall(checkTypedArray(where, name, v, Float32Array, n)); // what the engine reads is what is checked
  if (defer) deferred.push({ name, array: a });
  else checkFinite(where, name, a);
  return a;
}

/**
 * An inputs array given on its own (predict, probes): a Float32Array (a checked view, see
 * checkTypedArray) whose length is a positive multiple of spec.inputs, and its number of rows.
 */
export function inputRows(where: string, name: string, v: unknown, spec: ResolvedSpec): { inputs: Float32Array; count: number } {
  const a = ownedByCall(checkTypedArray(where, name, v, Float32Array));
  if (a.length === 0 || a.length % spec.inputs !== 0) {
    throw new InvalidArgumentError(`${where}: ${name} must hold a positive multiple of ${spec.inputs} values (one row per example), got Float32Array(${a.length})`);
  }
  return { inputs: a, count: a.length / spec.inputs };
}

/** Whether the top layer's outputs are probabilities, so that cross-entropy is defined. */
export function topIsProbabilistic(spec: ResolvedSpec): boolean {
  const top = spec.layers[spec.layers.length - 1]!.activation;
  // Any logistic 1/(1 + c·e^(−λS)) lies in (0, 1); its cross-entropy delta is λ(O − t) (native/core/loss.h).
  return top === 'softmax' || top === 'logistic' || (typeof top === 'object' && top.kind === 'logistic');
}

/** The number of classes a label may name: the outputs, or 2 for a single logistic output. */
export function classesOf(spec: ResolvedSpec): number {
  const k = outputsOf(spec);
  return k === 1 ? 2 : k;
}

function checkLabels(where: string, name: string, v: Labels, count: number, spec: ResolvedSpec): Labels {
  if (v.length !== count) throw new InvalidArgumentError(`${where}: ${name} must have length ${count}, got ${describe(v)}`);
  if (!topIsProbabilistic(spec)) {
    throw new InvalidArgumentError(`${where}: ${name} are class labels, which need a softmax or logistic top layer; give a Float32Array [count × ${outputsOf(spec)}] for this network`);
  }
  const classes = classesOf(spec);
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c < 0 || c >= classes) throw new OutOfRangeError(`${where}: ${name}[${i}] must be a class label in [0, ${classes - 1}], got ${c}`);
  }
  return v;
}

function checkRows(where: string, name: string, v: unknown, count: number, spec: ResolvedSpec, loss: Loss): Float32Array {
  const k = outputsOf(spec);
  const rows = ownedFloat32(where, name, v, checkElementCount(where, name, count, k));
  if (loss !== 'cross-entropy') return rows;
  // Relative entropy (Section 5.2) needs target probabilities: each in [0, 1], softmax rows summing to 1.
  const softmax = spec.layers[spec.layers.length - 1]!.activation === 'softmax';
  for (let r = 0; r < count; r++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const t = rows[r * k + j]!;
      if (t < 0 || t > 1) throw new OutOfRangeError(`${where}: ${name}[${r * k + j}] must be a probability in [0, 1] for the cross-entropy loss, got ${t}`);
      sum += t;
    }
    if (softmax && Math.abs(sum - 1) > 1e-4 * k) {
      throw new OutOfRangeError(`${where}: row ${r} of ${name} must sum to 1 for a softmax top with the cross-entropy loss, got ${sum}`);
    }
  }
  return rows;
}

/** The default loss of a network: cross-entropy for a softmax or logistic top, squared error otherwise. */
export function defaultLoss(spec: ResolvedSpec): Loss {
  return topIsProbabilistic(spec) ? 'cross-entropy' : 'squared-error';
}

/** Checks a loss against the top layer. */
export function checkLossFits(where: string, loss: Loss, spec: ResolvedSpec): void {
  if (loss === 'cross-entropy' && !topIsProbabilistic(spec)) {
    throw new InvalidArgumentError(`${where}: loss "cross-entropy" needs a softmax or logistic top layer; use "squared-error" for this network`);
  }
}

/** Validates `{ inputs, targets, count }` against the network, for the given loss (large inputs: see checkInputs). */
export function checkDataset(where: string, name: string, v: unknown, spec: ResolvedSpec, loss: Loss, deferred?: DeferredChecks): CheckedDataset {
  if (!isPlainObject(v)) throw invalid(where, name, 'an object { inputs, targets, count }', v);
  const d = checkOptions<Dataset>(where, name, v, DATASET_KEYS);
  const count = checkInteger(where, `${name}.count`, d.count, 1);
  const inputs = checkInputs(where, `${name}.inputs`, d.inputs, count, spec, deferred);
  const t = d.targets;
  const kind = typedArrayKind(t);
  if (kind === 'Uint8Array' || kind === 'Int32Array') {
    const labels = ownedByCall(checkTypedArray(where, `${name}.targets`, t, kind === 'Uint8Array' ? Uint8Array : Int32Array));
    return { inputs, count, labels: checkLabels(where, `${name}.targets`, labels, count, spec) };
  }
  if (kind === 'Float32Array') return { inputs, count, rows: checkRows(where, `${name}.targets`, t, count, spec, loss) };
  throw invalid(where, `${name}.targets`, 'class labels (Uint8Array or Int32Array) or a Float32Array [count × outputs]', t);
}
