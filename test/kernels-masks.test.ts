import { describe, expect, it } from 'vitest';

import { InvalidArgumentError, kernels, OutOfRangeError } from '../src/index.js';

const hex = (a: Uint32Array) => Array.from(a, (x) => x.toString(16).padStart(8, '0')).join(' ');

describe('kernels.philox4x32', () => {
  it('passes the Random123 known-answer vectors', () => {
    expect(hex(kernels.philox4x32(new Uint32Array([0, 0, 0, 0]), new Uint32Array([0, 0]))))
      .toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(kernels.philox4x32(new Uint32Array(4).fill(0xffffffff), new Uint32Array(2).fill(0xffffffff))))
      .toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    expect(hex(kernels.philox4x32(new Uint32Array([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344]), new Uint32Array([0xa4093822, 0x299f31d0]))))
      .toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });

  it('follows the mask contract: element (r, c) is word c&3 of philox((c>>2, r, 0, stream), seed) < keep·2^32', () => {
    const seed = 0x1234_5678_9a;
    const stream = 7;
    const keep = 0.37;
    const m = kernels.bernoulliMask({ seed, stream, rows: 5, cols: 11, keep });
    const thr = Math.floor(Math.fround(keep) * 2 ** 32);
    const key = new Uint32Array([seed % 2 ** 32, Math.floor(seed / 2 ** 32)]);
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 11; c++) {
        const w = kernels.philox4x32(new Uint32Array([c >>> 2, r, 0, stream]), key)[c & 3]!;
        expect(m[r * 11 + c]).toBe(w < thr ? 1 : 0);
      }
    }
  });

  it('rejects bad arguments', () => {
    expect(() => kernels.philox4x32(new Uint32Array(3), new Uint32Array(2))).toThrow('philox4x32: counter must have length 4, got Uint32Array(3)');
    expect(() => kernels.philox4x32([0, 0, 0, 0] as never, new Uint32Array(2))).toThrow(InvalidArgumentError);
  });
});

describe('kernels.bernoulliMask', () => {
  for (const keep of [0.1, 0.5, 0.8, 0.999]) {
    it(`keeps a fraction within 4σ of keep = ${keep}`, () => {
      const rows = 400, cols = 1000, n = rows * cols;
      const m = kernels.bernoulliMask({ seed: 42, rows, cols, keep });
      let ones = 0;
      for (let i = 0; i < n; i++) ones += m[i]!;
      const sigma = Math.sqrt(n * keep * (1 - keep));
      expect(Math.abs(ones - n * keep)).toBeLessThan(4 * sigma);
    });
  }

  it('keep 0 and keep 1 are exact; per-column keep works', () => {
    expect(kernels.bernoulliMask({ seed: 1, rows: 30, cols: 30, keep: 0 }).every((x) => x === 0)).toBe(true);
    expect(kernels.bernoulliMask({ seed: 1, rows: 30, cols: 30, keep: 1 }).every((x) => x === 1)).toBe(true);
    const keep = new Float32Array([0, 1, 0.5]);
    const m = kernels.bernoulliMask({ seed: 3, rows: 2000, cols: 3, keep });
    let mid = 0;
    for (let r = 0; r < 2000; r++) {
      expect(m[r * 3]).toBe(0);
      expect(m[r * 3 + 1]).toBe(1);
      mid += m[r * 3 + 2]!;
    }
    expect(Math.abs(mid - 1000)).toBeLessThan(4 * Math.sqrt(500));
  });

  it('is identical for the same seed and stream, different otherwise', () => {
    const a = kernels.bernoulliMask({ seed: 9, stream: 1, rows: 64, cols: 100, keep: 0.5 });
    const b = kernels.bernoulliMask({ seed: 9, stream: 1, rows: 64, cols: 100, keep: 0.5 });
    const c = kernels.bernoulliMask({ seed: 10, stream: 1, rows: 64, cols: 100, keep: 0.5 });
    const d = kernels.bernoulliMask({ seed: 9, stream: 2, rows: 64, cols: 100, keep: 0.5 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    expect(Buffer.from(a).equals(Buffer.from(d))).toBe(false);
    // A prefix of rows is the same mask: rows are absolute positions, not batch-relative.
    const e = kernels.bernoulliMask({ seed: 9, stream: 1, rows: 10, cols: 100, keep: 0.5 });
    expect(Buffer.from(e).equals(Buffer.from(a.subarray(0, 1000)))).toBe(true);
  });

  it('shows no correlation between neighbouring columns or rows beyond 4σ', () => {
    const rows = 500, cols = 400, keep = 0.5;
    const m = kernels.bernoulliMask({ seed: 2024, rows, cols, keep });
    const corr = (pairs: Array<[number, number]>) => {
      // Pearson correlation of 0/1 pairs; under independence sqrt(n)·r ~ N(0, 1).
      let sx = 0, sy = 0, sxy = 0, sxx = 0, syy = 0;
      for (const [i, j] of pairs) {
        const x = m[i]!, y = m[j]!;
        sx += x; sy += y; sxy += x * y; sxx += x * x; syy += y * y;
      }
      const n = pairs.length;
      const cov = sxy / n - (sx / n) * (sy / n);
      const r = cov / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
      return { r, n };
    };
    const colPairs: Array<[number, number]> = [];
    const rowPairs: Array<[number, number]> = [];
    for (let r = 0; r < rows; r++) for (let c = 0; c + 1 < cols; c++) colPairs.push([r * cols + c, r * cols + c + 1]);
    for (let r = 0; r + 1 < rows; r++) for (let c = 0; c < cols; c++) rowPairs.push([r * cols + c, (r + 1) * cols + c]);
    for (const { r, n } of [corr(colPairs), corr(rowPairs)]) expect(Math.abs(r) * Math.sqrt(n)).toBeLessThan(4);
  });

  it('rejects bad arguments', () => {
    expect(() => kernels.bernoulliMask({ seed: 1, rows: 2, cols: 2, keep: 1.5 })).toThrow(OutOfRangeError);
    expect(() => kernels.bernoulliMask({ seed: 1, rows: 2, cols: 2, keep: 1.5 })).toThrow('bernoulliMask: keep must be a number >= 0 and <= 1, got 1.5');
    expect(() => kernels.bernoulliMask({ seed: -1, rows: 2, cols: 2, keep: 0.5 })).toThrow(OutOfRangeError);
    expect(() => kernels.bernoulliMask({ seed: 1.5, rows: 2, cols: 2, keep: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => kernels.bernoulliMask({ seed: 1, rows: 2, cols: 3, keep: new Float32Array(2) })).toThrow(InvalidArgumentError);
    expect(() => kernels.bernoulliMask({ seed: 1, rows: 2, cols: 2, keep: NaN })).toThrow(InvalidArgumentError);
    expect(() => kernels.bernoulliMask({ seed: 1, rows: 2, cols: 2, keep: 0.5, stream: 2 ** 32 })).toThrow(OutOfRangeError);
  });
});
