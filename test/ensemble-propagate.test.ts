// propagate (Eqs. 11–13 and Gaussian moment propagation) and the estimator-error helper.
import { describe, expect, it } from 'vitest';
import { estimatorErrors, theory } from '../src/index.js';
import { deepSpec, inputFor, netWith } from './ensemble-helpers.js';

describe("propagate({ method: 'nwgm' }): Eqs. 11–13", () => {
  it('equals the weight-scaled network O* at every layer (logistic, tanh, softmax, skip connections)', async () => {
    for (const dropout of ['units', 'connections'] as const) {
      const net = netWith(deepSpec(dropout), 41, 2);
      const x = inputFor(4, 42);
      const p = net.propagate(x, { method: 'nwgm' });
      const ex = await net.exactEnsemble(x);
      p.layers.forEach((l, k) => {
        for (let i = 0; i < l.mean.length; i++) expect(Math.abs(l.mean[i]! - ex.layers[k]!.deterministic[i]!)).toBeLessThan(1e-12);
        expect(l.variance).toBeUndefined();
      });
      // The first layer's E(S) is exact (Eq. 13 with the input as E(O⁰)).
      for (let i = 0; i < 4; i++) expect(Math.abs(p.layers[0]!.meanS[i]! - ex.layers[0]!.meanS[i]!)).toBeLessThan(1e-12);
    }
  });
});

describe("propagate({ method: 'gaussian' }): moment propagation", () => {
  it('is exact for the mean of a linear network and for Var(S) of the first layer (Eq. 31)', async () => {
    const spec = deepSpec('units', 'linear');
    spec.layers = spec.layers.map((l) => ({ ...l, activation: 'linear' }));
    const net = netWith(spec, 43, 1);
    const x = inputFor(4, 44);
    const g = net.propagate(x, { method: 'gaussian' });
    const ex = await net.exactEnsemble(x);
    const eq4 = theory.linearExpectation(net, x);
    g.layers.forEach((l, k) => {
      for (let i = 0; i < l.mean.length; i++) {
        expect(Math.abs(l.mean[i]! - ex.layers[k]!.mean[i]!)).toBeLessThan(1e-12);
        expect(Math.abs(l.mean[i]! - eq4[k]![i]!)).toBeLessThan(1e-12);
      }
    });
    for (let i = 0; i < 4; i++) {
      expect(Math.abs(g.layers[0]!.varianceS![i]! - ex.layers[0]!.varianceS[i]!)).toBeLessThan(1e-12);
      expect(Math.abs(g.layers[0]!.variance![i]! - ex.layers[0]!.variance[i]!)).toBeLessThan(1e-12);
    }
  });

  it('on a wide logistic layer it estimates E(O) better than the NWGM and Var(O) within 10%', async () => {
    const net = netWith({ inputs: 20, inputKeep: 0.5, layers: [{ units: 12, activation: 'logistic' }, { units: 1, activation: 'linear' }] }, 45, 1.5, 2);
    const x = inputFor(20, 46);
    const ex = await net.exactEnsemble(x);
    const errors = estimatorErrors(ex, { nwgm: net.propagate(x, { method: 'nwgm' }), gaussian: net.propagate(x, { method: 'gaussian' }) });
    const first = errors[0]!;
    expect(first.index).toBe(1);
    expect(first.mean.gaussian!.maxAbsError).toBeLessThan(first.mean.nwgm!.maxAbsError / 2);
    expect(first.mean.nwgm!.maxAbsError).toBeCloseTo(first.mean.deterministic!.maxAbsError, 12);
    expect(first.variance.gaussian!.meanRelativeError).toBeLessThan(0.1);
    // The gap estimators: the delta method beats Eq. 20 on average.
    expect(first.gap.deltaMethod!.meanRelativeError).toBeLessThan(first.gap.secondOrder!.meanRelativeError);
    expect(first.gap.secondOrder!.count).toBe(12);
    // Per-unit check of the helper against a direct computation.
    const l = ex.layers[0]!;
    let max = 0;
    for (let i = 0; i < 12; i++) max = Math.max(max, Math.abs(l.deterministic[i]! - l.mean[i]!));
    expect(first.mean.deterministic!.maxAbsError).toBe(max);
  });

  it('checks its arguments', () => {
    const net = netWith(deepSpec('units'), 1, 1);
    expect(() => net.propagate(new Float32Array(4), { method: 'mean-field' as never })).toThrow('Network.propagate: options.method must be one of "nwgm", "gaussian", got "mean-field"');
    expect(() => net.propagate(new Float32Array(5))).toThrow('Network.propagate: input must have length 4, got Float32Array(5)');
  });
});
