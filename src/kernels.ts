// The low-level kernels API (`import { kernels } from 'dropout-ensemble'`): masked products, Philox
// masks and streaming moments. Stable: outside benchmark scripts call it. Every argument is
// validated here before it reaches C++.
import { resolveBackend, type BackendChoice } from './backend.js';
import { callNative, InvalidArgumentError } from './errors.js';
import { limits } from './limits.js';
import { native, type RawMomentAccumulator } from './native.js';
import {
  checkElementCount, checkFloat32, checkInteger, checkOutput, checkKeepArray, checkMask, checkOptions, checkSeed,
  checkTypedArray, isPlainObject, invalid,
} from './validate.js';

export interface MaskedMatmulArgs {
  /** A [m × k] row-major, one example per row. */
  a: Float32Array;
  /** B [n × k] row-major, one output unit per row. */
  b: Float32Array;
  m: number;
  n: number;
  k: number;
  /** Optional 0/1 mask over A [m × k] (unit dropout of the source units), applied while packing. */
  mask?: Uint8Array;
  /** Optional scale per column of A [k] (weight scaling by keep). */
  scale?: Float32Array;
  /** Optional bias [n]. */
  bias?: Float32Array;
  /** Optional output buffer [m × n]; returned. */
  out?: Float32Array;
  /** Threads to use (default: all cores). The result is bit-identical for any value. CPU only. */
  threads?: number;
  /**
   * `'cpu'` (default), `'cuda'` (cuBLAS on the GPU: operands copied over and the result back, so it
   * pays for large products only; equal to the CPU's within float rounding, not bit for bit;
   * UnsupportedError where no GPU is usable) or `'auto'` (the GPU when usable).
   */
  backend?: BackendChoice;
}

const MATMUL_KEYS = ['a', 'b', 'm', 'n', 'k', 'mask', 'scale', 'bias', 'out', 'threads', 'backend'] as const;

/** C[i][o] = bias[o] + Σ_j A[i][j]·mask[i][j]·scale[j]·B[o][j]. Returns C [m × n]. */
export function maskedMatmul(args: MaskedMatmulArgs): Float32Array {
  const where = 'maskedMatmul';
  if (!isPlainObject(args)) throw invalid(where, 'args', 'an object', args);
  const o = checkOptions<MaskedMatmulArgs>(where, 'args', args, MATMUL_KEYS);
  const m = checkInteger(where, 'm', o.m, 1);
  const n = checkInteger(where, 'n', o.n, 1);
  const k = checkInteger(where, 'k', o.k, 1);
  const mk = checkElementCount(where, 'a', m, k);
  const nk = checkElementCount(where, 'b', n, k);
  const mn = checkElementCount(where, 'the result', m, n);
  const raw = {
    a: checkFloat32(where, 'a', o.a, mk),
    b: checkFloat32(where, 'b', o.b, nk),
    m, n, k,
    mask: o.mask === undefined ? undefined : checkMask(where, 'mask', o.mask, mk),
    scale: o.scale === undefined ? undefined : checkFloat32(where, 'scale', o.scale, k),
    bias: o.bias === undefined ? undefined : checkFloat32(where, 'bias', o.bias, n),
    out: o.out === undefined ? undefined : checkOutput(where, 'out', o.out, Float32Array, mn),
    threads: o.threads === undefined ? undefined : checkInteger(where, 'threads', o.threads, 1, limits.maxThreads),
    backend: resolveBackend(where, 'backend', o.backend ?? 'cpu'),
  };
  if (raw.out && (raw.out.buffer === raw.a.buffer || raw.out.buffer === raw.b.buffer)) {
    throw new InvalidArgumentError(`${where}: out must not share memory with a or b`);
  }
  const result = callNative(() => native().kernels.maskedMatmul(raw));
  return o.out === undefined ? result : (o.out as Float32Array); // the caller's own array, now holding the product
}

export interface BernoulliMaskArgs {
  seed: number;
  /** Stream id (32-bit unsigned): names the layer and purpose; default 0. */
  stream?: number;
  rows: number;
  cols: number;
  /** Keep probability P(δ=1): one for all columns, or a Float32Array [cols]. */
  keep: number | Float32Array;
  /** `'cpu'` (default), `'cuda'` (drawn on the GPU: the very same bytes) or `'auto'`, as for maskedMatmul. */
  backend?: BackendChoice;
}

/**
 * Byte mask [rows × cols] of 0/1 from Philox-4x32-10: element (r, c) is kept iff word c&3 of
 * philox(counter = (c>>2, r lo, r hi, stream), key = (seed lo, seed hi)) < floor(keep·2^32).
 */
export function bernoulliMask(args: BernoulliMaskArgs): Uint8Array {
  const where = 'bernoulliMask';
  if (!isPlainObject(args)) throw invalid(where, 'args', 'an object', args);
  const o = checkOptions<BernoulliMaskArgs>(where, 'args', args, ['seed', 'stream', 'rows', 'cols', 'keep', 'backend']);
  const seed = checkSeed(where, 'seed', o.seed);
  const stream = o.stream === undefined ? 0 : checkInteger(where, 'stream', o.stream, 0, 0xffffffff);
  const rows = checkInteger(where, 'rows', o.rows, 0);
  const cols = checkInteger(where, 'cols', o.cols, 0);
  checkElementCount(where, 'the mask', rows, cols);
  const keep = checkKeepArray(where, 'keep', o.keep, cols);
  const backend = resolveBackend(where, 'backend', o.backend ?? 'cpu');
  return callNative(() => native().kernels.bernoulliMask({ seed, stream, rows, cols, keep, backend }));
}

/** One Philox-4x32-10 block: four 32-bit words for a 128-bit counter and a 64-bit key. */
export function philox4x32(counter: Uint32Array, key: Uint32Array): Uint32Array {
  checkTypedArray('philox4x32', 'counter', counter, Uint32Array, 4);
  checkTypedArray('philox4x32', 'key', key, Uint32Array, 2);
  return callNative(() => native().kernels.philox4x32(counter, key));
}

let restoring: RawMomentAccumulator | undefined;

export interface MomentAccumulatorJSON {
  format: 'dropout-ensemble/moments';
  version: 1;
  /** base64 of the native serialisation (float64 exact). */
  data: string;
}

/**
 * Streaming per-neuron moments over samples in float64: count, mean, M2, M3 (Welford / Pébay),
 * Σ log O and Σ log(1−O), min, max and a fixed-bin histogram. Mergeable exactly (Chan / Pébay).
 */
export class MomentAccumulator {
  readonly neurons: number;
  #raw: RawMomentAccumulator;

  constructor(neurons: number, options: { bins?: number; lo?: number; hi?: number } = {}) {
    const where = 'MomentAccumulator';
    if (restoring) {
      // fromJSON: adopt the deserialised native accumulator.
      this.#raw = restoring;
      this.neurons = restoring.columns().mean.length;
      return;
    }
    this.neurons = checkInteger(where, 'neurons', neurons, 1, 1 << 26);
    const o = checkOptions<{ bins: number; lo: number; hi: number }>(where, 'options', options, ['bins', 'lo', 'hi']);
    const bins = o.bins === undefined ? 64 : checkInteger(where, 'bins', o.bins, 0, 65536);
    checkElementCount(where, 'the histogram', this.neurons, Math.max(1, bins));
    const lo = o.lo === undefined ? 0 : o.lo;
    const hi = o.hi === undefined ? 1 : o.hi;
    if (typeof lo !== 'number' || !Number.isFinite(lo)) throw invalid(where, 'lo', 'a finite number', lo);
    if (typeof hi !== 'number' || !Number.isFinite(hi) || hi <= lo) throw invalid(where, 'hi', `a finite number > lo (${lo})`, hi);
    this.#raw = callNative(() => new (native().kernels.MomentAccumulator)(this.neurons, bins, lo, hi));
  }

  /** Adds `rows` samples: values [rows × neurons]; optional logits z (O = σ(z)) for stable logs. */
  add(values: Float32Array, rows: number, logits?: Float32Array): void {
    const where = 'MomentAccumulator.add';
    const r = checkInteger(where, 'rows', rows, 0);
    const len = checkElementCount(where, 'values', r, this.neurons);
    checkTypedArray(where, 'values', values, Float32Array, len);
    if (logits !== undefined) checkFloat32(where, 'logits', logits, len, false);
    callNative(() => this.#raw.add(values, r, logits));
  }

  /** Folds another accumulator's samples into this one (Chan / Pébay pairwise formulas). */
  merge(other: MomentAccumulator): void {
    // A brand check, not instanceof: a Proxy of an accumulator or an object made from its prototype
    // has no accumulator behind it.
    if (typeof other !== 'object' || other === null || !(#raw in other)) throw invalid('MomentAccumulator.merge', 'other', 'a MomentAccumulator', other);
    if (other.neurons !== this.neurons) throw new InvalidArgumentError(`MomentAccumulator.merge: other has ${other.neurons} neurons, this has ${this.neurons}`);
    callNative(() => this.#raw.merge(other.#raw));
  }

  get count(): number {
    return this.#raw.columns().count;
  }

  /** All columns at once (one copy). */
  columns() {
    return this.#raw.columns();
  }

  mean(): Float64Array {
    return this.#raw.columns().mean;
  }

  /** Population variance M2/n: the variance of the distribution over sampled subnetworks. */
  variance(): Float64Array {
    const c = this.#raw.columns();
    return c.m2.map((v) => (c.count > 0 ? v / c.count : NaN));
  }

  /** Third central moment κ3 = M3/n. */
  thirdCentralMoment(): Float64Array {
    const c = this.#raw.columns();
    return c.m3.map((v) => (c.count > 0 ? v / c.count : NaN));
  }

  toJSON(): MomentAccumulatorJSON {
    return { format: 'dropout-ensemble/moments', version: 1, data: Buffer.from(this.#raw.serialize()).toString('base64') };
  }

  static fromJSON(json: unknown): MomentAccumulator {
    const where = 'MomentAccumulator.fromJSON';
    if (!isPlainObject(json) || json.format !== 'dropout-ensemble/moments' || json.version !== 1 || typeof json.data !== 'string') {
      throw invalid(where, 'json', 'the output of MomentAccumulator.toJSON()', json);
    }
    const bytes = new Uint8Array(Buffer.from(json.data, 'base64'));
    restoring = callNative(() => new (native().kernels.MomentAccumulator)(bytes));
    try {
      return new MomentAccumulator(1);
    } finally {
      restoring = undefined;
    }
  }
}
