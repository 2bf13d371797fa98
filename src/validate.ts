// The one validation helper (after sharp's lib/is.mjs): every public entry point checks its
// arguments here before anything reaches native code. Messages name the parameter, what was
// expected and what came: `maskedMatmul: m must be an integer >= 1, got 2.5`.
import { InvalidArgumentError, OutOfRangeError } from './errors.js';
import { native } from './native.js';

/** Largest element count of any single array the library will allocate (2^31 − 1 floats = 8 GiB). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

export function describe(v: unknown): string {
  try {
    return describeValue(v);
  } catch {
    return 'a value that cannot be inspected'; // a Proxy whose traps throw, say
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (ArrayBuffer.isView(v)) {
    const tag = typedArrayTag.call(v);
    return tag ? `${tag}(${typedArrayLength.call(v)})` : `a view of ${v.byteLength} bytes`;
  }
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') return (v as object).constructor?.name === 'Object' ? 'an object' : `a ${(v as object).constructor?.name ?? 'object'}`;
  return typeof v;
}

export function invalid(where: string, name: string, expected: string, got: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`${where}: ${name} must be ${expected}, got ${describe(got)}`);
}

export function outOfRange(where: string, name: string, expected: string, got: unknown): OutOfRangeError {
  return new OutOfRangeError(`${where}: ${name} must be ${expected}, got ${describe(got)}`);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** An options object (or undefined → {}), with no keys outside `allowed`: a typo is an error. */
export function checkOptions<T extends object>(where: string, name: string, v: unknown, allowed: readonly string[]): Partial<T> {
  if (v === undefined) return {};
  if (!isPlainObject(v)) throw invalid(where, name, 'an object', v);
  for (const key of Object.keys(v)) {
    if (!allowed.includes(key)) {
      throw new InvalidArgumentError(`${where}: unknown option ${JSON.stringify(key)} in ${name} (allowed: ${allowed.join(', ')})`);
    }
  }
  return v as Partial<T>;
}

export function checkInteger(where: string, name: string, v: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(where, name, `an integer >= ${min}`, v);
  if (v < min || v > max) throw outOfRange(where, name, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`, v);
  return v;
}

export function checkNumber(where: string, name: string, v: unknown, min = -Infinity, max = Infinity, opts: { minExclusive?: boolean; maxExclusive?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(where, name, 'a finite number', v);
  const lowOk = opts.minExclusive ? v > min : v >= min;
  const highOk = opts.maxExclusive ? v < max : v <= max;
  if (!lowOk || !highOk) {
    const lb = min === -Infinity ? '' : `${opts.minExclusive ? '>' : '>='} ${min}`;
    const hb = max === Infinity ? '' : `${opts.maxExclusive ? '<' : '<='} ${max}`;
    throw outOfRange(where, name, `a number ${[lb, hb].filter(Boolean).join(' and ')}`, v);
  }
  return v;
}

/** A keep probability p = P(δ = 1), in [0, 1]. */
export function checkKeep(where: string, name: string, v: unknown): number {
  return checkNumber(where, name, v, 0, 1);
}

export function checkBoolean(where: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalid(where, name, 'a boolean', v);
  return v;
}

export function checkEnum<T extends string>(where: string, name: string, v: unknown, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw invalid(where, name, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v);
  }
  return v as T;
}

export function checkFunction(where: string, name: string, v: unknown): (...args: never[]) => unknown {
  if (typeof v !== 'function') throw invalid(where, name, 'a function', v);
  return v as (...args: never[]) => unknown;
}

/** A seed: an integer in [0, 2^53). Returned as a number; the addon splits it into two words. */
export function checkSeed(where: string, name: string, v: unknown): number {
  return checkInteger(where, name, v, 0, Number.MAX_SAFE_INTEGER);
}

/** Size product with overflow and absurdity checks, before any allocation. */
export function checkElementCount(where: string, what: string, ...dims: number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  if (!Number.isSafeInteger(n) || n > MAX_ELEMENTS) {
    throw new OutOfRangeError(`${where}: ${what} would hold ${dims.join(' × ')} = ${n} elements, more than the limit of ${MAX_ELEMENTS}`);
  }
  return n;
}

type TypedCtor = Float32ArrayConstructor | Float64ArrayConstructor | Uint8ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor;

// The platform's own accessors of typed arrays and buffers, read once: an argument is judged by what
// it is, never by what its own properties, its prototype chain or a Proxy say it is.
const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsicGetter = (o: object, key: PropertyKey) => Object.getOwnPropertyDescriptor(o, key)!.get!;
const typedArrayTag = intrinsicGetter(typedArrayProto, Symbol.toStringTag) as (this: unknown) => string | undefined;
const typedArrayLength = intrinsicGetter(typedArrayProto, 'length') as (this: unknown) => number;
const typedArrayBuffer = intrinsicGetter(typedArrayProto, 'buffer') as (this: unknown) => ArrayBufferLike;
const typedArrayOffset = intrinsicGetter(typedArrayProto, 'byteOffset') as (this: unknown) => number;
const bufferResizable = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'resizable')?.get as ((this: unknown) => boolean) | undefined;
const isSharedBuffer = (b: unknown) => Object.prototype.toString.call(b) === '[object SharedArrayBuffer]';

/** The kind of a genuine typed array ('Float32Array', …), or undefined for anything else. */
export function typedArrayKind(v: unknown): string | undefined {
  return ArrayBuffer.isView(v) ? typedArrayTag.call(v) : undefined;
}

/** Whether the memory behind a buffer can change size or be written by another thread while a call runs. */
export function isVolatileBuffer(b: ArrayBufferLike): boolean {
  return isSharedBuffer(b) || (bufferResizable !== undefined && bufferResizable.call(b) === true);
}

/**
 * `v` as a typed array of kind `ctor` (and `length`, when given): a genuine one (brand-checked, so
 * that `Object.create(Float32Array.prototype)`, a Proxy or an object lying about its length is an
 * InvalidArgumentError), returned as a fresh view with no own properties over the same memory. A
 * view over a resizable or shared buffer is returned as a copy: its memory could shrink or change
 * under the native threads that read it.
 */
export function checkTypedArray<C extends TypedCtor>(where: string, name: string, v: unknown, ctor: C, length?: number): InstanceType<C> {
  if (!ArrayBuffer.isView(v) || typedArrayTag.call(v) !== ctor.name) throw invalid(where, name, `a ${ctor.name}`, v);
  const n = typedArrayLength.call(v);
  if (length !== undefined && n !== length) {
    throw new InvalidArgumentError(`${where}: ${name} must have length ${length}, got ${ctor.name}(${n})`);
  }
  const buffer = typedArrayBuffer.call(v);
  if (isVolatileBuffer(buffer)) return new ctor(v as unknown as ArrayLike<number>) as InstanceType<C>;
  return new ctor(buffer as ArrayBuffer, typedArrayOffset.call(v), n) as InstanceType<C>;
}

/**
 * An output array of a synchronous call (brand-checked like checkTypedArray): a fresh view over the
 * caller's memory, never a copy, since the call writes its result there. No JS runs during a
 * synchronous call, so nothing can resize or detach the memory meanwhile.
 */
export function checkOutput<C extends TypedCtor>(where: string, name: string, v: unknown, ctor: C, length: number): InstanceType<C> {
  if (!ArrayBuffer.isView(v) || typedArrayTag.call(v) !== ctor.name) throw invalid(where, name, `a ${ctor.name}`, v);
  const n = typedArrayLength.call(v);
  if (n !== length) throw new InvalidArgumentError(`${where}: ${name} must have length ${length}, got ${ctor.name}(${n})`);
  return new ctor(typedArrayBuffer.call(v) as ArrayBuffer, typedArrayOffset.call(v), n) as InstanceType<C>;
}

/** Arrays at least this long are scanned natively (a JS loop would cost a large share of a product). */
const NATIVE_SCAN = 1 << 14;

/** Index of the first NaN/±Infinity in arr[start, end), or −1. */
function firstNonFinite(arr: Float32Array | Float64Array, start: number, end: number): number {
  if (arr instanceof Float32Array && end - start >= NATIVE_SCAN) {
    const i = native().kernels.firstNonFinite(start === 0 && end === arr.length ? arr : arr.subarray(start, end));
    return i < 0 ? -1 : start + i;
  }
  for (let i = start; i < end; i++) {
    const x = arr[i]!;
    if (x - x !== 0) return i;
  }
  return -1;
}

/** Every element finite (no NaN / ±Infinity). */
export function checkFinite(where: string, name: string, arr: Float32Array | Float64Array): void {
  const i = firstNonFinite(arr, 0, arr.length);
  if (i >= 0) throw new InvalidArgumentError(`${where}: ${name}[${i}] must be finite, got ${describe(arr[i])}`);
}

/** Elements checkFinite scans per turn of the event loop in checkFiniteYielding (≈ 8 MB, a few ms). */
export const FINITE_SLICE = 1 << 21;

/**
 * checkFinite in slices of FINITE_SLICE elements, yielding to the event loop between them, so that
 * validating a large data set (MNIST: 47M floats) never blocks it for long. Rejects like checkFinite.
 */
export async function checkFiniteYielding(where: string, name: string, arr: Float32Array | Float64Array): Promise<void> {
  for (let start = 0; start < arr.length; start += FINITE_SLICE) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const i = firstNonFinite(arr, start, Math.min(arr.length, start + FINITE_SLICE));
    if (i >= 0) throw new InvalidArgumentError(`${where}: ${name}[${i}] must be finite, got ${describe(arr[i])}`);
  }
}

export function checkFloat32(where: string, name: string, v: unknown, length?: number, finite = true): Float32Array {
  const a = checkTypedArray(where, name, v, Float32Array, length);
  if (finite) checkFinite(where, name, a);
  return a;
}

/** A 0/1 byte mask. */
export function checkMask(where: string, name: string, v: unknown, length: number): Uint8Array {
  const a = checkTypedArray(where, name, v, Uint8Array, length);
  let bad = -1;
  if (a.length >= NATIVE_SCAN) {
    bad = native().kernels.firstNotBinary(a);
  } else {
    for (let i = 0; i < a.length; i++) {
      if (a[i]! > 1) {
        bad = i;
        break;
      }
    }
  }
  if (bad >= 0) throw new InvalidArgumentError(`${where}: ${name}[${bad}] must be 0 or 1, got ${a[bad]}`);
  return a;
}

/** Keep probabilities: a number for all, or a Float32Array of `length` values, each in [0, 1]. */
export function checkKeepArray(where: string, name: string, v: unknown, length: number): number | Float32Array {
  if (typeof v === 'number') return checkKeep(where, name, v);
  const a = checkTypedArray(where, name, v, Float32Array, length);
  for (let i = 0; i < a.length; i++) checkKeep(where, `${name}[${i}]`, a[i]);
  return a;
}

/** A file path: a non-empty string without NUL bytes (which Node's fs would refuse with its own error). */
export function checkPath(where: string, name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw invalid(where, name, 'a non-empty string', v);
  if (v.includes('\0')) throw new InvalidArgumentError(`${where}: ${name} must not contain NUL bytes, got ${describe(v)}`);
  return v;
}

/** The deepest nesting a JSON description or header may have: the real ones are a handful deep. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`, found by one pass that skips
 * strings (escapes included) and stops at the first level too deep. JSON.parse of a text nested
 * millions deep blocks the event loop for seconds before it fails; this answers in microseconds.
 */
export function jsonTooDeep(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
