import { describe, expect, it } from 'vitest';

import { InvalidArgumentError, kernels } from '../src/index.js';
import { rng } from './helpers/random.js';

function samples(rows: number, neurons: number, seed: number) {
  const r = rng(seed);
  const logits = new Float32Array(rows * neurons);
  const values = new Float32Array(rows * neurons);
  for (let i = 0; i < logits.length; i++) {
    const z = (r() - 0.5) * 12 + ((i % neurons) - neurons / 2) * 0.3;
    logits[i] = z;
    values[i] = 1 / (1 + Math.exp(-z));
  }
  return { logits, values };
}

// Two-pass float64 reference.
function twoPass(values: Float32Array, logits: Float32Array, rows: number, neurons: number) {
  const mean = new Float64Array(neurons), v = new Float64Array(neurons), k3 = new Float64Array(neurons);
  const sl = new Float64Array(neurons), sl1 = new Float64Array(neurons);
  for (let i = 0; i < rows; i++) for (let j = 0; j < neurons; j++) mean[j]! += values[i * neurons + j]! / rows;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < neurons; j++) {
      const d = values[i * neurons + j]! - mean[j]!;
      v[j]! += (d * d) / rows;
      k3[j]! += (d * d * d) / rows;
      const z = logits[i * neurons + j]!;
      // log σ(z) = −log(1 + e^(−z)), written stably.
      sl[j]! += -(Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z))));
      sl1[j]! += -(Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))));
    }
  }
  return { mean, v, k3, sl, sl1 };
}

const rel = (a: number, b: number, scale = Math.abs(b)) => Math.abs(a - b) / Math.max(scale, 1e-300);

describe('kernels.MomentAccumulator', () => {
  it('matches a two-pass float64 reference (mean, variance, κ3, Σ log O, Σ log(1−O))', () => {
    const rows = 3000, neurons = 37;
    const { values, logits } = samples(rows, neurons, 5);
    const acc = new kernels.MomentAccumulator(neurons);
    acc.add(values.subarray(0, 1000 * neurons), 1000, logits.subarray(0, 1000 * neurons));
    acc.add(values.subarray(1000 * neurons), 2000, logits.subarray(1000 * neurons));
    const ref = twoPass(values, logits, rows, neurons);
    const mean = acc.mean(), v = acc.variance(), k3 = acc.thirdCentralMoment();
    const cols = acc.columns();
    expect(acc.count).toBe(rows);
    for (let j = 0; j < neurons; j++) {
      expect(rel(mean[j]!, ref.mean[j]!)).toBeLessThan(1e-12);
      expect(rel(v[j]!, ref.v[j]!)).toBeLessThan(1e-10);
      // κ3 can be near 0: compare on the scale of σ³.
      expect(rel(k3[j]!, ref.k3[j]!, ref.v[j]! ** 1.5)).toBeLessThan(1e-9);
      // float32-vectorised log-sigmoid is allowed ~1e-7 relative per term.
      expect(rel(cols.sumLog[j]!, ref.sl[j]!)).toBeLessThan(1e-6);
      expect(rel(cols.sumLog1m[j]!, ref.sl1[j]!)).toBeLessThan(1e-6);
      expect(cols.min[j]).toBeLessThanOrEqual(cols.max[j]!);
    }
  });

  it('merged shards equal the whole to 1e-12 relative', () => {
    const rows = 2000, neurons = 23;
    const { values, logits } = samples(rows, neurons, 9);
    const whole = new kernels.MomentAccumulator(neurons);
    whole.add(values, rows, logits);
    const shards = [0, 300, 301, 1200, 2000];
    const parts = shards.slice(1).map((end, i) => {
      const start = shards[i]!;
      const a = new kernels.MomentAccumulator(neurons);
      a.add(values.subarray(start * neurons, end * neurons), end - start, logits.subarray(start * neurons, end * neurons));
      return a;
    });
    const merged = parts[0]!;
    for (const p of parts.slice(1)) merged.merge(p);
    const w = whole.columns(), m = merged.columns();
    expect(m.count).toBe(w.count);
    for (const key of ['mean', 'm2', 'sumLog', 'sumLog1m', 'min', 'max'] as const) {
      for (let j = 0; j < neurons; j++) expect(rel(m[key][j]!, w[key][j]!)).toBeLessThan(1e-12);
    }
    for (let j = 0; j < neurons; j++) expect(rel(m.m3[j]!, w.m3[j]!, w.m2[j]! ** 1.5 / Math.sqrt(rows))).toBeLessThan(1e-12);
    expect(Array.from(m.histogram)).toEqual(Array.from(w.histogram));
  });

  it('round-trips through toJSON/fromJSON exactly', () => {
    const { values, logits } = samples(100, 5, 3);
    const a = new kernels.MomentAccumulator(5);
    a.add(values, 100, logits);
    const b = kernels.MomentAccumulator.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.neurons).toBe(5);
    expect(b.columns()).toEqual(a.columns());
  });

  it('rejects bad arguments and corrupt JSON', () => {
    const a = new kernels.MomentAccumulator(4);
    expect(() => a.add(new Float32Array(7), 2)).toThrow('MomentAccumulator.add: values must have length 8, got Float32Array(7)');
    expect(() => new kernels.MomentAccumulator(0)).toThrow(RangeError);
    expect(() => a.merge(new kernels.MomentAccumulator(5))).toThrow(InvalidArgumentError);
    expect(() => kernels.MomentAccumulator.fromJSON({ format: 'x' })).toThrow(InvalidArgumentError);
    const bad = a.toJSON();
    bad.data = Buffer.from('garbage').toString('base64');
    expect(() => kernels.MomentAccumulator.fromJSON(bad)).toThrow(expect.objectContaining({ code: 'ERR_CORRUPT' }));
  });
});
