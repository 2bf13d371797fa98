// Turning parsed IDX arrays into what Network.train takes: one row of features per example,
// class labels as Uint8Array. Shared by loadMnist and the command line's `train`.
import { InvalidArgumentError } from '../errors.js';
import type { IdxArray } from './idx.js';

export interface Inputs {
  inputs: Float32Array;
  count: number;
  /** Values per example: the product of all dimensions but the first. */
  features: number;
}

/**
 * Images `[count × d1 × d2 …]` → Float32Array `[count × (d1·d2·…)]`. uint8 pixels are scaled to
 * [0, 1] (divided by 255); other types are taken as they are and must be finite.
 */
export function imagesToInputs(images: IdxArray, what = 'images'): Inputs {
  if (images.dims.length < 2) {
    throw new InvalidArgumentError(`${what}: expected at least 2 dimensions (examples × features), got ${images.dims.length}`);
  }
  const count = images.dims[0]!;
  const features = images.dims.slice(1).reduce((a, b) => a * b, 1);
  if (count === 0 || features === 0) throw new InvalidArgumentError(`${what}: holds no data (${images.dims.join(' × ')})`);
  const inputs = new Float32Array(images.data.length);
  if (images.type === 'uint8') {
    const src = images.data;
    for (let i = 0; i < src.length; i++) inputs[i] = src[i]! / 255;
  } else {
    const src = images.data;
    for (let i = 0; i < src.length; i++) {
      const x = src[i]!;
      if (!Number.isFinite(x)) throw new InvalidArgumentError(`${what}: value ${i} is ${x}; inputs must be finite`);
      inputs[i] = x;
    }
  }
  return { inputs, count, features };
}

/** 1-D integer labels, `count` of them, each in [0, classes). */
export function labelsToTargets(labels: IdxArray, count: number, classes: number, what = 'labels'): Uint8Array {
  if (labels.dims.length !== 1) throw new InvalidArgumentError(`${what}: expected 1 dimension, got ${labels.dims.join(' × ')}`);
  if (labels.type === 'float32' || labels.type === 'float64') throw new InvalidArgumentError(`${what}: expected integer labels, got ${labels.type}`);
  if (labels.dims[0] !== count) throw new InvalidArgumentError(`${what}: ${labels.dims[0]} labels for ${count} examples`);
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const y = labels.data[i]!;
    if (y < 0 || y >= classes) throw new InvalidArgumentError(`${what}: label ${i} is ${y}, expected 0..${classes - 1}`);
    out[i] = y;
  }
  return out;
}

/** Number of classes a set of labels needs: the largest label + 1 (at least 2). */
export function classCount(labels: IdxArray): number {
  let max = 1;
  for (let i = 0; i < labels.data.length; i++) if (labels.data[i]! > max) max = labels.data[i]!;
  return max + 1;
}
