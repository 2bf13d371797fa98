// Argument checks shared by the theory functions (thin wrappers over src/validate.ts).
import { InvalidArgumentError } from '../errors.js';
import { checkTypedArray, describe, outOfRange, typedArrayKind } from '../validate.js';

/**
 * An array of numbers or a Float64Array/Float32Array, as a snapshot: later reads see the values read
 * here, whatever getters, Proxies or other threads do to the argument meanwhile.
 */
export function checkArrayLike(where: string, name: string, v: unknown): ArrayLike<number> {
  const kind = typedArrayKind(v);
  if (kind === 'Float64Array' || kind === 'Float32Array') return Float64Array.from(checkTypedArray(where, name, v, kind === 'Float64Array' ? Float64Array : Float32Array));
  if (Array.isArray(v)) return Array.from(v as unknown[]) as number[];
  throw new InvalidArgumentError(`${where}: ${name} must be an array of numbers or a Float64Array/Float32Array, got ${describe(v)}`);
}

/** Every value a finite number in [lo, hi]; returns the values checked (a snapshot, see checkArrayLike). */
export function checkValues(where: string, values: unknown, lo = -Infinity, hi = Infinity, name = 'values'): ArrayLike<number> {
  const a = checkArrayLike(where, name, values);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new InvalidArgumentError(`${where}: ${name}[${i}] must be a finite number, got ${describe(x)}`);
    if (x < lo || x > hi) throw outOfRange(where, `${name}[${i}]`, `in [${lo}, ${hi}]`, x);
  }
  return a;
}

/** Probabilities: non-negative, `length` of them, summing to 1 within 1e-9; returns them as checked. */
export function checkProbabilities(where: string, probs: unknown, length: number): ArrayLike<number> {
  const a = checkValues(where, probs, 0, 1, 'probs');
  if (a.length !== length) throw new InvalidArgumentError(`${where}: probs must have length ${length}, got ${a.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]!;
  if (Math.abs(sum - 1) > 1e-9) throw outOfRange(where, 'probs', 'probabilities summing to 1', sum);
  return a;
}

/** A keep: one number for all, or one per element. */
export function keepAt(keeps: number | ArrayLike<number>, i: number): number {
  return typeof keeps === 'number' ? keeps : keeps[i]!;
}

export function checkKeeps(where: string, keeps: unknown, length: number): number | ArrayLike<number> {
  if (typeof keeps === 'number') {
    if (!(keeps >= 0 && keeps <= 1)) throw outOfRange(where, 'keeps', 'a keep probability in [0, 1]', keeps);
    return keeps;
  }
  const a = checkValues(where, keeps, 0, 1, 'keeps');
  if (a.length !== length) throw new InvalidArgumentError(`${where}: keeps must have length ${length}, got ${a.length}`);
  return a;
}

export function checkSameLength(where: string, name: string, v: unknown, length: number): ArrayLike<number> {
  const a = checkValues(where, v, -Infinity, Infinity, name);
  if (a.length !== length) throw new InvalidArgumentError(`${where}: ${name} must have length ${length}, got ${a.length}`);
  return a;
}

/** Arguments of the scalar formulas: each a number (NaN and ±Infinity propagate, as in Math.*). */
export function checkScalars(where: string, args: Record<string, unknown>): void {
  for (const k in args) {
    if (typeof args[k] !== 'number') throw new InvalidArgumentError(`${where}: ${k} must be a number, got ${describe(args[k])}`);
  }
}
