import { describe, expect, it } from 'vitest';

import { InvalidArgumentError, kernels, OutOfRangeError } from '../src/index.js';
import { randomFloats, randomMask } from './helpers/random.js';

// float64 reference of C[i][o] = bias[o] + Σ_j A[i][j]·mask[i][j]·scale[j]·B[o][j]; also Σ|terms|
// so the tolerance can scale with the magnitude actually summed.
function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number,
  mask?: Uint8Array, scale?: Float32Array, bias?: Float32Array) {
  const c = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let o = 0; o < n; o++) {
      let s = bias ? bias[o]! : 0;
      let abs = Math.abs(s);
      for (let j = 0; j < k; j++) {
        const t = a[i * k + j]! * (mask ? mask[i * k + j]! : 1) * (scale ? scale[j]! : 1) * b[o * k + j]!;
        s += t;
        abs += Math.abs(t);
      }
      c[i * n + o] = s;
      mag[i * n + o] = abs;
    }
  }
  return { c, mag };
}

function expectClose(got: Float32Array, ref: { c: Float64Array; mag: Float64Array }, k: number) {
  // fp32 accumulation error bound: ~ k·eps·Σ|terms| (in practice far smaller).
  const eps = 2 ** -23;
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - ref.c[i]!);
    const tol = (k + 2) * eps * ref.mag[i]! + 1e-30;
    worst = Math.max(worst, err / tol);
  }
  expect(worst).toBeLessThanOrEqual(1);
}

const shapes: Array<[number, number, number]> = [
  [1, 1, 1], [1, 7, 17], [7, 1, 17], [17, 17, 17], [7, 17, 1023], [33, 65, 129], [100, 31, 784], [6, 16, 256],
  [13, 1023, 7], [129, 48, 300],
];

describe('kernels.maskedMatmul', () => {
  for (const [m, n, k] of shapes) {
    it(`matches the float64 reference at ${m}×${k}→${n}, with and without mask/scale/bias`, () => {
      const a = randomFloats(m * k, m * 1000 + k);
      const b = randomFloats(n * k, n * 7 + k);
      const mask = randomMask(m * k, m + n + k, 0.6);
      const scale = randomFloats(k, k + 3, 0.2, 1);
      const bias = randomFloats(n, n + 11);
      expectClose(kernels.maskedMatmul({ a, b, m, n, k }), reference(a, b, m, n, k), k);
      expectClose(kernels.maskedMatmul({ a, b, m, n, k, mask }), reference(a, b, m, n, k, mask), k);
      expectClose(kernels.maskedMatmul({ a, b, m, n, k, scale, bias }), reference(a, b, m, n, k, undefined, scale, bias), k);
      expectClose(kernels.maskedMatmul({ a, b, m, n, k, mask, scale, bias }), reference(a, b, m, n, k, mask, scale, bias), k);
    });
  }

  it('writes into `out` when given and returns it', () => {
    const [m, n, k] = [5, 6, 7];
    const a = randomFloats(m * k, 1);
    const b = randomFloats(n * k, 2);
    const out = new Float32Array(m * n).fill(123);
    const r = kernels.maskedMatmul({ a, b, m, n, k, out });
    expect(r).toBe(out);
    expectClose(out, reference(a, b, m, n, k), k);
  });

  it('a zero mask row gives the bias exactly', () => {
    const [m, n, k] = [3, 9, 50];
    const a = randomFloats(m * k, 5);
    const b = randomFloats(n * k, 6);
    const mask = new Uint8Array(m * k).fill(1);
    mask.fill(0, k, 2 * k);
    const bias = randomFloats(n, 7);
    const c = kernels.maskedMatmul({ a, b, m, n, k, mask, bias });
    for (let o = 0; o < n; o++) expect(c[n + o]).toBe(bias[o]);
  });

  it('is bit-identical for threads = 1, 2, 3 (work is never split over k)', () => {
    for (const [m, n, k] of [[100, 1200, 784], [257, 130, 1023], [7, 1023, 17]] as Array<[number, number, number]>) {
      const a = randomFloats(m * k, 11);
      const b = randomFloats(n * k, 12);
      const mask = randomMask(m * k, 13, 0.5);
      const bias = randomFloats(n, 14);
      const r1 = kernels.maskedMatmul({ a, b, m, n, k, mask, bias, threads: 1 });
      const r2 = kernels.maskedMatmul({ a, b, m, n, k, mask, bias, threads: 2 });
      const r3 = kernels.maskedMatmul({ a, b, m, n, k, mask, bias, threads: 3 });
      expect(Buffer.from(r2.buffer).equals(Buffer.from(r1.buffer))).toBe(true);
      expect(Buffer.from(r3.buffer).equals(Buffer.from(r1.buffer))).toBe(true);
    }
  });

  it('rejects bad arguments with typed errors and exact messages', () => {
    const a = new Float32Array(6);
    const b = new Float32Array(6);
    expect(() => kernels.maskedMatmul({ a, b, m: 2, n: 2, k: 3.5 })).toThrow(InvalidArgumentError);
    expect(() => kernels.maskedMatmul({ a, b, m: 2, n: 2, k: 3.5 })).toThrow('maskedMatmul: k must be an integer >= 1, got 3.5');
    expect(() => kernels.maskedMatmul({ a, b, m: 0, n: 2, k: 3 })).toThrow(OutOfRangeError);
    expect(() => kernels.maskedMatmul({ a, b, m: 2, n: 2, k: 4 })).toThrow('maskedMatmul: a must have length 8, got Float32Array(6)');
    expect(() => kernels.maskedMatmul({ a: new Float64Array(6) as unknown as Float32Array, b, m: 2, n: 2, k: 3 })).toThrow('maskedMatmul: a must be a Float32Array, got Float64Array(6)');
    expect(() => kernels.maskedMatmul({ a, b, m: 2, n: 2, k: 3, mask: new Uint8Array(5) })).toThrow(InvalidArgumentError);
    expect(() => kernels.maskedMatmul({ a, b, m: 2, n: 2, k: 3, mask: new Uint8Array(6).fill(2) })).toThrow('maskedMatmul: mask[0] must be 0 or 1, got 2');
    const nan = new Float32Array(6);
    nan[4] = NaN;
    expect(() => kernels.maskedMatmul({ a: nan, b, m: 2, n: 2, k: 3 })).toThrow('maskedMatmul: a[4] must be finite, got NaN');
    expect(() => kernels.maskedMatmul({ a, b, m: 2, n: 2, k: 3, treads: 2 } as never)).toThrow('maskedMatmul: unknown option "treads" in args');
    expect(() => kernels.maskedMatmul({ a, b, m: 2 ** 20, n: 2 ** 20, k: 3 })).toThrow(OutOfRangeError);
    expect(() => kernels.maskedMatmul(null as never)).toThrow(InvalidArgumentError);
  });
});

describe('finiteness validation of large arrays (scanned natively)', () => {
  it('names the first NaN or ±Infinity, wherever it is', () => {
    const [m, n, k] = [40, 500, 600]; // b has 300,000 elements: above the native-scan threshold
    const a = randomFloats(m * k, 21);
    for (const [at, value, shown] of [[0, NaN, 'NaN'], [123_457, Infinity, 'Infinity'], [299_999, -Infinity, '-Infinity']] as const) {
      const b = randomFloats(n * k, 22);
      b[at] = value;
      expect(() => kernels.maskedMatmul({ a, b, m, n, k })).toThrow(`maskedMatmul: b[${at}] must be finite, got ${shown}`);
    }
  });

  it('names the first mask byte that is not 0 or 1 in a large mask, and leaves out untouched', () => {
    const [m, n, k] = [40, 8, 600]; // the mask has 24,000 bytes: above the native-scan threshold
    const a = randomFloats(m * k, 23);
    const b = randomFloats(n * k, 24);
    const out = new Float32Array(m * n).fill(7);
    for (const [at, value] of [[0, 2], [12_345, 255], [23_999, 3]] as const) {
      const mask = kernels.bernoulliMask({ seed: 5, rows: m, cols: k, keep: 0.5 });
      mask[at] = value;
      if (at > 100) mask[at + (at < 23_999 ? 1 : -200)] = 9; // a second bad byte after it changes nothing (or one before it does)
      const first = at < 23_999 ? at : 23_799;
      expect(() => kernels.maskedMatmul({ a, b, m, n, k, mask, out })).toThrow(`maskedMatmul: mask[${first}] must be 0 or 1, got ${mask[first]}`);
    }
    expect(out.every((v) => v === 7)).toBe(true);
  });
});
