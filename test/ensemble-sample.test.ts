// ensembleStats (Monte Carlo): convergence to the exact ensemble, masks, reproducibility, abort,
// summaries, ensembleStatsMany.
import { describe, expect, it } from 'vitest';
import { AbortError, InvalidArgumentError, Network, OutOfRangeError } from '../src/index.js';
import type { EnsembleLayerStats } from '../src/index.js';
import { deepSpec, inputFor, netWith } from './ensemble-helpers.js';

function within(mc: number, exact: number, variance: number, n: number, what: string) {
  const se = Math.sqrt(variance / n);
  expect(Math.abs(mc - exact), `${what}: mc ${mc} exact ${exact} se ${se}`).toBeLessThanOrEqual(4 * se + 1e-12);
}

describe('ensembleStats converges to exactEnsemble within 4 standard errors', () => {
  for (const dropout of ['units', 'connections'] as const) {
    it(`mean, variance, G, G′, NWGM on a deep network with skip connections (${dropout})`, async () => {
      const net = netWith(deepSpec(dropout), 21, 2);
      const x = inputFor(4, 22);
      const ex = await net.exactEnsemble(x);
      const n = 40000;
      const mc = await net.ensembleStats(x, { samples: n, seed: 99 });
      expect(mc.samples).toBe(n);
      expect(mc.exact).toBe(false);
      ex.layers.forEach((e, k) => {
        const m = mc.layers[k]!;
        expect(m.index).toBe(k + 1);
        for (let i = 0; i < e.units; i++) {
          expect(m.deterministic[i]).toBe(e.deterministic[i]);
          within(m.mean[i]!, e.mean[i]!, e.variance[i]!, n, 'mean');
          expect(Math.abs(m.standardError[i]! - Math.sqrt(m.variance[i]! / n))).toBeLessThan(1e-15);
          within(m.variance[i]!, e.variance[i]!, 4 * e.variance[i]!, n, 'variance'); // μ4 ≤ 4·Var (|O − E| ≤ 2)
          if (e.activation !== 'logistic') continue;
          // log G, log G′ and logit NWGM are 1-Lipschitz in z = λS − ln c: their SE ≤ λ·sd(S)/√n.
          const lambda = k === 1 ? 1.5 : 1;
          const vz = lambda * lambda * e.varianceS[i]!;
          within(Math.log(m.geometricMean[i]!), Math.log(e.geometricMean[i]!), vz, n, 'log G');
          within(Math.log(m.complementGeometricMean[i]!), Math.log(e.complementGeometricMean[i]!), vz, n, "log G'");
          const nw = e.nwgm[i]!;
          within(m.nwgm[i]!, nw, (nw * (1 - nw)) ** 2 * vz, n, 'NWGM');
        }
      });
    });
  }
});

describe('ensembleStats: masks, seeds, batches', () => {
  it('returned masks replay the same subnetworks; the seed reproduces the run; the batch size does not matter', async () => {
    for (const dropout of ['units', 'connections'] as const) {
      const net = netWith(deepSpec(dropout), 31, 1);
      const x = inputFor(4, 32);
      const a = await net.ensembleStats(x, { samples: 500, seed: 5, returnMasks: true, batchSize: 128 });
      const widths = dropout === 'units' ? [4, 4, 3, 3] : [16, 12, 12, 12, 9, 6];
      expect(a.masks!.map((m) => m.length)).toEqual(widths.map((w) => w * 500));
      const b = await net.ensembleStats(x, { masks: a.masks!, batchSize: 128 });
      const c = await net.ensembleStats(x, { samples: 500, seed: 5, batchSize: 128 });
      const d = await net.ensembleStats(x, { samples: 500, seed: 5, batchSize: 7 });
      const e = await net.ensembleStats(x, { samples: 500, seed: 6 });
      a.layers.forEach((l, k) => {
        expect(b.layers[k]!.mean).toEqual(l.mean);
        expect(b.layers[k]!.variance).toEqual(l.variance);
        expect(c.layers[k]!.mean).toEqual(l.mean);
        for (let i = 0; i < l.units; i++) expect(Math.abs(d.layers[k]!.variance[i]! - l.variance[i]!)).toBeLessThan(1e-12);
      });
      expect(e.layers[0]!.mean).not.toEqual(a.layers[0]!.mean);
    }
  });

  it('a replayed mask that differs changes the result (the masks are really used)', async () => {
    const net = netWith(deepSpec('units'), 31, 1);
    const x = inputFor(4, 32);
    const a = await net.ensembleStats(x, { samples: 50, seed: 5, returnMasks: true });
    const masks = a.masks!.map((m) => m.slice());
    masks[0]!.fill(1);
    const b = await net.ensembleStats(x, { masks });
    expect(b.layers[0]!.mean).not.toEqual(a.layers[0]!.mean);
  });

  it('validates masks and options with exact messages', async () => {
    const net = netWith(deepSpec('units'), 1, 1);
    const x = inputFor(4, 1);
    await expect(net.ensembleStats(x, { masks: [new Uint8Array(8)] })).rejects.toThrow(InvalidArgumentError);
    await expect(net.ensembleStats(x, { masks: [new Uint8Array(8), new Uint8Array(8), new Uint8Array(6), new Uint8Array(5)] })).rejects.toThrow('Network.ensembleStats: options.masks[3] must have length 6, got Uint8Array(5)');
    await expect(net.ensembleStats(x, { masks: [new Uint8Array(4).fill(2), new Uint8Array(4), new Uint8Array(3), new Uint8Array(3)] })).rejects.toThrow('Network.ensembleStats: options.masks[0][0] must be 0 or 1, got 2');
    await expect(net.ensembleStats(x, { samples: 0 })).rejects.toThrow(OutOfRangeError);
    await expect(net.ensembleStats(x, { samples: 2 ** 30, returnMasks: true })).rejects.toThrow(/gate bytes, more than the limit/);
    await expect(net.ensembleStats(x, { sample: 3 } as never)).rejects.toThrow('Network.ensembleStats: unknown option "sample" in options');
  });

  it('an AbortSignal stops the run with AbortError and leaves the network usable', async () => {
    const net = netWith({ inputs: 200, inputKeep: 0.8, layers: [{ units: 300, activation: 'logistic', keep: 0.5 }, { units: 300, activation: 'logistic', keep: 0.5 }, { units: 10, activation: 'softmax' }] }, 1, 0.1);
    const x = inputFor(200, 1);
    const ac = new AbortController();
    const t0 = Date.now();
    const p = net.ensembleStats(x, { samples: 10_000_000, signal: ac.signal, batchSize: 256 });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toThrow(AbortError);
    expect(Date.now() - t0).toBeLessThan(5000);
    const ok = await net.ensembleStats(x, { samples: 100 });
    expect(ok.samples).toBe(100);
    const pre = new AbortController();
    pre.abort();
    await expect(net.ensembleStats(x, { samples: 10, signal: pre.signal })).rejects.toThrow(AbortError);
  });

  it('10^6 samples run in O(neurons + batch) memory', async () => {
    const net = netWith({ inputs: 8, inputKeep: 0.8, layers: [{ units: 8, activation: 'logistic', keep: 0.5 }, { units: 2, activation: 'softmax' }] }, 3, 1);
    const before = process.memoryUsage().rss;
    const s = await net.ensembleStats(inputFor(8, 3), { samples: 1_000_000, seed: 1 });
    expect(s.samples).toBe(1_000_000);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 2 ** 20);
    expect(s.layers[0]!.standardError[0]!).toBeLessThan(1e-3);
  });
});

describe('ensembleStats: columns and summaries', () => {
  it('derives every column from the moments and summarizes over all and active units', async () => {
    const net = netWith({ inputs: 10, inputKeep: 0.8, layers: [{ units: 40, activation: 'logistic', keep: 0.5 }, { units: 20, activation: 'relu', keep: 0.5 }, { units: 3, activation: 'softmax' }] }, 4, 1.5, 2);
    const s = await net.ensembleStats(inputFor(10, 4), { samples: 3000, seed: 2 });
    const l: EnsembleLayerStats = s.layers[0]!;
    expect(l.activation).toBe('logistic');
    for (let i = 0; i < l.units; i++) {
      const E = l.mean[i]!;
      const V = l.variance[i]!;
      expect(l.std[i]).toBeCloseTo(Math.sqrt(V), 15);
      expect(l.nwgm[i]).toBeCloseTo(l.geometricMean[i]! / (l.geometricMean[i]! + l.complementGeometricMean[i]!), 12);
      expect(l.secondOrder[i]).toBeCloseTo((V * (1 - 2 * E)) / (1 - 2 * V), 15);
      expect(l.bound[i]).toBeCloseTo(2 * E * (1 - E) * Math.abs(1 - 2 * E), 15);
    }
    const relu = s.layers[1]!;
    expect(relu.geometricMean.every(Number.isNaN)).toBe(true);
    expect(relu.secondOrder.every(Number.isNaN)).toBe(true);
    expect(relu.mean.every((v) => v >= 0)).toBe(true);
    // Summaries: mean over units, percentiles bracket it, active units have O* > 0.1.
    const sm = l.summary.all.std;
    expect(sm.count).toBe(40);
    expect(sm.mean).toBeCloseTo(l.std.reduce((a, b) => a + b, 0) / 40, 12);
    expect(sm.p5).toBeLessThanOrEqual(sm.mean);
    expect(sm.p95).toBeGreaterThanOrEqual(sm.mean);
    const active = [...l.deterministic].filter((v) => v > 0.1).length;
    expect(l.summary.activeCount).toBe(active);
    expect(l.summary.active.mean.count).toBe(active);
    expect(l.summary.active.deterministic.p5).toBeGreaterThan(0.1);
    expect(s.layers[2]!.summary.all.nwgm.mean).toBeCloseTo(1 / 3, 12); // softmax NWGMs sum to 1
  });

  it('ensembleStatsMany averages the per-input columns', async () => {
    const net = netWith(deepSpec('units'), 8, 1.5);
    const inputs = inputFor(12, 9);
    const many = await net.ensembleStatsMany(inputs, 3, { samples: 300, seed: 4 });
    expect(many.count).toBe(3);
    // Sequential: the network runs one call at a time.
    const seq = [];
    for (let i = 0; i < 3; i++) seq.push(await net.ensembleStats(inputs.subarray(i * 4, i * 4 + 4), { samples: 300, seed: 4 }));
    for (let u = 0; u < 4; u++) {
      const std = seq.reduce((a, s) => a + s.layers[0]!.std[u]!, 0) / 3;
      const gap = seq.reduce((a, s) => a + s.layers[0]!.mean[u]! - s.layers[0]!.nwgm[u]!, 0) / 3;
      expect(many.layers[0]!.std[u]).toBeCloseTo(std, 14);
      expect(many.layers[0]!.gap[u]).toBeCloseTo(gap, 14);
    }
    expect(many.layers[0]!.summary.std.count).toBe(4);
    await expect(net.ensembleStatsMany(inputs, 4)).rejects.toThrow('Network.ensembleStatsMany: inputs must have length 16, got Float32Array(12)');
  });
});
