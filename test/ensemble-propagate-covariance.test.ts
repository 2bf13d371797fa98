// propagateAsync({ method: 'covariance' }): moment propagation that carries each layer's covariance.
import { describe, expect, it } from 'vitest';
import { AbortError, BusyError, InvalidArgumentError, Network, type NetworkSpec } from '../src/index.js';
import { inputFor, netWith } from './ensemble-helpers.js';

/** A chain (no skip connections) with per-unit keeps: 5 → 4 → 4 → 3 → 2. */
function chainSpec(dropout: 'units' | 'connections', activation: 'linear' | 'logistic'): NetworkSpec {
  const units = dropout === 'units';
  return {
    inputs: 5,
    inputKeep: units ? [0.8, 0.5, 0.9, 0.6, 0.7] : [1, 0.5, 1, 1, 1],
    dropout,
    layers: [
      { units: 4, activation, keep: units ? [0.5, 0.3, 0.6, 0.5] : [1, 0.5, 1, 1] },
      { units: 4, activation, keep: units ? [0.4, 0.7, 0.5, 0.6] : [1, 1, 0.7, 1] },
      { units: 3, activation, keep: units ? [0.5, 0.5, 0.8] : 1 },
      { units: 2, activation: activation === 'linear' ? 'linear' : 'softmax' },
    ],
  };
}

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe("propagateAsync({ method: 'covariance' })", () => {
  it('is exact for a linear network: E(S) and Var(S) of every layer equal the enumeration (unit dropout)', async () => {
    const net = netWith(chainSpec('units', 'linear'), 61, 1);
    const x = inputFor(5, 62);
    const c = await net.propagateAsync(x, { method: 'covariance' });
    const g = await net.propagateAsync(x, { method: 'gaussian' });
    const ex = await net.exactEnsemble(x);
    let gaussianWorst = 0;
    c.layers.forEach((l, k) => {
      for (let i = 0; i < l.mean.length; i++) {
        expect(relErr(l.meanS[i]!, ex.layers[k]!.meanS[i]!)).toBeLessThan(1e-12);
        expect(relErr(l.varianceS![i]!, ex.layers[k]!.varianceS[i]!)).toBeLessThan(1e-10);
        expect(relErr(l.variance![i]!, ex.layers[k]!.variance[i]!)).toBeLessThan(1e-10);
        gaussianWorst = Math.max(gaussianWorst, relErr(g.layers[k]!.varianceS![i]!, ex.layers[k]!.varianceS[i]!));
      }
    });
    // The independent sum of 'gaussian' is not exact beyond the first layer: the test can tell them apart.
    expect(gaussianWorst).toBeGreaterThan(1e-3);
  });

  it('is exact for a linear network under connection dropout too', async () => {
    const net = netWith(chainSpec('connections', 'linear'), 63, 1);
    const x = inputFor(5, 64);
    const c = await net.propagateAsync(x, { method: 'covariance' });
    const ex = await net.exactEnsemble(x);
    c.layers.forEach((l, k) => {
      for (let i = 0; i < l.mean.length; i++) expect(relErr(l.varianceS![i]!, ex.layers[k]!.varianceS[i]!)).toBeLessThan(1e-10);
    });
  });

  it('estimates Var(S) and E − NWGM of a logistic network better than the independent sum', async () => {
    // Wide enough layers that shared gates correlate the inputs of the units above.
    const spec: NetworkSpec = {
      inputs: 30,
      inputKeep: 0.8,
      layers: [
        { units: 40, activation: 'logistic', keep: 0.5 },
        { units: 40, activation: 'logistic', keep: 0.5 },
        { units: 40, activation: 'logistic', keep: 0.5 },
        { units: 10, activation: 'softmax' },
      ],
    };
    const net = netWith(spec, 65, 1, 0.5);
    // Positive weights into layers 2 and 3, with biases that keep their units in the sensitive range:
    // a dropped unit below lowers every unit above it, so their inputs are strongly correlated.
    const r = (() => { let t = 11; return () => ((t = (t * 1664525 + 1013904223) >>> 0) / 2 ** 32); })();
    for (const h of [2, 3]) {
      net.setWeights(h, h - 1, Float32Array.from({ length: 40 * 40 }, () => 0.25 * r()));
      net.setBias(h, Float32Array.from({ length: 40 }, () => -2.5 + (2 * r() - 1) * 0.5));
    }
    const x = inputFor(30, 66);
    const mc = await net.ensembleStats(x, { samples: 200_000, seed: 5 });
    const c = await net.propagateAsync(x, { method: 'covariance' });
    const g = net.propagate(x, { method: 'gaussian' });
    const median = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1]!;
    for (const k of [1, 2]) {
      const varC = [...mc.layers[k]!.varianceS].map((v, i) => relErr(c.layers[k]!.varianceS![i]!, v));
      const varG = [...mc.layers[k]!.varianceS].map((v, i) => relErr(g.layers[k]!.varianceS![i]!, v));
      const gapC: number[] = [];
      const gapG: number[] = [];
      const L = mc.layers[k]!;
      for (let i = 0; i < L.units; i++) {
        const gap = L.mean[i]! - L.nwgm[i]!;
        if (Math.abs(gap) <= 3 * L.standardError[i]!) continue;
        gapC.push(relErr(c.layers[k]!.gap[i]!, gap));
        gapG.push(relErr(g.layers[k]!.gap[i]!, gap));
      }
      // Layer 3 is where the correlations tell: Var(S) within 1% against ~40% for the independent sum.
      expect(median(varC)).toBeLessThan(0.02);
      expect(median(varC)).toBeLessThan(median(varG) / (k === 2 ? 5 : 1.5));
      expect(gapC.length).toBeGreaterThan(20);
      expect(median(gapC)).toBeLessThan(Math.min(0.05, median(gapG) / (k === 2 ? 3 : 1)));
    }
  });

  it("gives 'nwgm' and 'gaussian' as propagate does, and a gap column for every method", async () => {
    const net = netWith(chainSpec('units', 'logistic'), 67, 2);
    const x = inputFor(5, 68);
    for (const method of ['nwgm', 'gaussian'] as const) {
      const a = await net.propagateAsync(x, { method });
      const s = net.propagate(x, { method });
      expect(a).toEqual(s);
      if (method === 'nwgm') for (const l of a.layers) expect([...l.gap].every((v) => v === 0)).toBe(true);
    }
    const c = await net.propagateAsync(x, { method: 'covariance' });
    // Logistic units: E(O) − f(E(S)); softmax top: E(O) − softmax(E(S)).
    for (const l of c.layers) for (let i = 0; i < l.gap.length; i++) expect(Number.isFinite(l.gap[i]!)).toBe(true);
    const tanh = new Network({ inputs: 3, layers: [{ units: 2, activation: 'tanh' }, { units: 1, activation: 'linear' }] });
    const t = await tanh.propagateAsync(new Float32Array(3), { method: 'covariance' });
    expect(Number.isNaN(t.layers[0]!.gap[0]!)).toBe(true);
  });

  it('holds the network, refuses bad arguments and stops on abort', async () => {
    const net = netWith(chainSpec('units', 'logistic'), 69, 1);
    const x = inputFor(5, 70);
    expect(() => net.propagate(x, { method: 'covariance' as 'gaussian' })).toThrow(InvalidArgumentError);
    await expect(net.propagateAsync(x, { method: 'exact' as 'gaussian' })).rejects.toThrow(InvalidArgumentError);
    await expect(net.propagateAsync(new Float32Array(4), { method: 'covariance' })).rejects.toThrow(InvalidArgumentError);
    await expect(net.propagateAsync(x, { method: 'covariance', signal: {} as AbortSignal })).rejects.toThrow(InvalidArgumentError);
    const running = net.propagateAsync(x, { method: 'covariance' });
    expect(net.busy).toBe(true);
    expect(() => net.getWeights(1, 0)).toThrow(BusyError);
    await running;
    expect(net.busy).toBe(false);
    const ac = new AbortController();
    ac.abort();
    await expect(net.propagateAsync(x, { method: 'covariance', signal: ac.signal })).rejects.toThrow(AbortError);
    const before = net.getWeights(2, 1);
    const ac2 = new AbortController();
    const p = net.propagateAsync(x, { method: 'covariance', signal: ac2.signal });
    ac2.abort();
    await expect(p).rejects.toThrow(AbortError);
    expect(net.busy).toBe(false);
    expect(net.getWeights(2, 1)).toEqual(before);
  });
});
