// What the ensemble functions need from a Network: its resolved description, weights and busy
// state. src/network/network.ts passes itself (and its raw addon object) to them.
import type { Activation, ResolvedSpec } from '../network/spec.js';

export interface EnsembleHost {
  readonly spec: ResolvedSpec;
  readonly busy: boolean;
  getWeights(h: number, l: number): Float32Array;
  getBias(h: number): Float32Array;
}

export function activationName(a: Activation): string {
  return typeof a === 'string' ? a : a.kind;
}

/** keep of unit j of layer l (l = 0 is the input) in float64 of the float32 the engine uses. */
export function keepsOf(spec: ResolvedSpec, l: number): Float64Array {
  const units = l === 0 ? spec.inputs : spec.layers[l - 1]!.units;
  const k = l === 0 ? spec.inputKeep : spec.layers[l - 1]!.keep;
  const out = new Float64Array(units);
  for (let j = 0; j < units; j++) out[j] = k === undefined ? 1 : typeof k === 'number' ? Math.fround(k) : k[j]!;
  return out;
}
