// The Gaussian-S estimate of E − NWGM (column gaussianGap): E[f(S)] − f(E(S)) for S Gaussian with the
// ensemble's mean and variance of S. Checked against a plain numerical integral written here, against
// the Monte Carlo gap where S is a sum over many gated inputs, and for softmax and non-logistic layers.
import { describe, expect, it } from 'vitest';
import { estimatorErrors, Network } from '../src/index.js';
import { deepSpec, inputFor, netWith } from './ensemble-helpers.js';
import { rng } from './theory-helpers.js';

/** ∫ f(s) φ((s − μ)/σ)/σ ds by Simpson's rule on ±12σ (20,000 intervals): a second, deliberately plain integrator. */
function expectationUnderGaussian(f: (s: number) => number, mu: number, sigma: number): number {
  if (sigma === 0) return f(mu);
  const n = 20000;
  const a = mu - 12 * sigma;
  const h = (24 * sigma) / n;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const s = a + i * h;
    const z = (s - mu) / sigma;
    const w = i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2;
    sum += w * f(s) * Math.exp(-0.5 * z * z);
  }
  return (sum * h) / 3 / (sigma * Math.sqrt(2 * Math.PI));
}

describe('gaussianGap', () => {
  it('is E[f(S)] − f(E(S)) under N(meanS, varianceS), for generalized logistic units too', async () => {
    const net = netWith(deepSpec('units'), 5, 2);
    const stats = await net.ensembleStats(inputFor(4, 6), { samples: 3000, seed: 2 });
    const params = [{ c: 1, lambda: 1 }, { c: 2, lambda: 1.5 }];
    for (const k of [0, 1]) {
      const l = stats.layers[k]!;
      const { c, lambda } = params[k]!;
      const f = (s: number) => 1 / (1 + c * Math.exp(-lambda * s));
      for (let i = 0; i < l.units; i++) {
        const mu = l.meanS[i]!;
        const expected = expectationUnderGaussian(f, mu, Math.sqrt(l.varianceS[i]!)) - f(mu);
        expect(Math.abs(l.gaussianGap[i]! - expected), `layer ${k + 1} unit ${i}`).toBeLessThan(1e-10);
      }
    }
    // tanh has no NWGM: NaN. The softmax top: the unscented transform keeps Σ_i E(O_i) = 1, so the gaps sum to 0.
    expect(Array.from(stats.layers[2]!.gaussianGap).every(Number.isNaN)).toBe(true);
    const top = stats.layers[3]!.gaussianGap;
    expect(Math.abs(top[0]! + top[1]!)).toBeLessThan(1e-12);
    const exact = await net.exactEnsemble(inputFor(4, 6));
    expect(exact.layers[0]!.gaussianGap).toHaveLength(4);
  });

  it('matches the Monte Carlo E − NWGM where S sums many gated inputs, far better than Eq. 20', async () => {
    // 400 inputs at keep 0.5 into 40 logistic units: S is close to Gaussian; weights large enough
    // that the units saturate unevenly (where Eq. 20, an expansion around O = 0.5, fails).
    const inputs = 400;
    const net = new Network({ inputs, inputKeep: 0.5, layers: [{ units: 40, activation: 'logistic', keep: 0.5 }, { units: 3, activation: 'softmax' }], seed: 3, threads: 2 });
    const r = rng(11);
    net.setWeights(1, 0, Float32Array.from({ length: 40 * inputs }, () => (2 * r() - 1) * 0.35));
    net.setBias(1, Float32Array.from({ length: 40 }, () => (2 * r() - 1) * 2));
    const x = Float32Array.from({ length: inputs }, () => r());
    const stats = await net.ensembleStats(x, { samples: 100000, seed: 4 });
    const l = stats.layers[0]!;
    const rel: number[] = [];
    const relSecond: number[] = [];
    for (let i = 0; i < l.units; i++) {
      const gap = l.mean[i]! - l.nwgm[i]!;
      if (Math.abs(gap) < 2 * l.standardError[i]!) continue; // not resolved by the sample
      rel.push(Math.abs(l.gaussianGap[i]! - gap) / Math.abs(gap));
      relSecond.push(Math.abs(l.secondOrder[i]! - gap) / Math.abs(gap));
    }
    const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
    expect(rel.length).toBeGreaterThan(20);
    expect(median(rel)).toBeLessThan(0.1);
    expect(median(rel)).toBeLessThan(median(relSecond) / 3);
    const errors = estimatorErrors(stats);
    expect(errors[0]!.gap.gaussianGap!.meanAbsError).toBeGreaterThan(0);
    expect(errors[1]!.gap.gaussianGap).toBeDefined(); // softmax layer
  });
});
