// Section 5: Eq. 27/28 (exact for a linear unit), Eq. 30 (sigmoidal, small weights), Eq. 31, Eq. 4.
import { describe, expect, it } from 'vitest';
import { theory, InvalidArgumentError } from '../src/index.js';
import type { SingleUnit } from '../src/theory/index.js';
import { enumerateUnit, rng } from './theory-helpers.js';

function randomUnit(seed: number, n: number, scale: number, activation: SingleUnit['activation']): SingleUnit {
  const r = rng(seed);
  return {
    weights: Array.from({ length: n }, () => (2 * r() - 1) * scale),
    inputs: Array.from({ length: n }, () => 2 * r() - 1),
    keeps: Array.from({ length: n }, () => 0.1 + 0.85 * r()),
    target: activation === 'linear' ? 2 * r() - 1 : r() < 0.5 ? 0 : 1,
    bias: 0.3 * r(),
    activation,
  };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('theory: Eq. 27/28, the single linear unit', () => {
  it('the exact expected dropout gradient equals the closed form and the gradient of Eq. 28', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const unit = randomUnit(seed, 9, 1.5, 'linear');
      const exact = theory.expectedDropoutGradient(unit);
      expect(maxAbsDiff(exact, theory.linearDropoutGradient(unit))).toBeLessThan(1e-13);
      // Central differences of the regularized ensemble error (a quadratic: exact up to rounding).
      const h = 1e-5;
      const w = Array.from(unit.weights);
      for (let i = 0; i < w.length; i++) {
        const plus = w.slice();
        plus[i] += h;
        const minus = w.slice();
        minus[i] -= h;
        const fd = (theory.regularizedEnsembleError({ ...unit, weights: plus }) - theory.regularizedEnsembleError({ ...unit, weights: minus })) / (2 * h);
        expect(Math.abs(fd - exact[i]!)).toBeLessThan(1e-8);
      }
      // And it is NOT the plain ensemble gradient: dropout adds w_i I_i² p_i(1 − p_i).
      expect(maxAbsDiff(exact, theory.ensembleGradient(unit))).toBeGreaterThan(1e-3);
    }
  });

  it('the ensemble error of Eq. 23 is ½(t − Σ p w I)²', () => {
    const unit: SingleUnit = { weights: [1, -2], inputs: [0.5, 0.25], keeps: [0.5, 0.8], target: 1 };
    const o = 0.5 * 1 * 0.5 + 0.8 * -2 * 0.25;
    expect(theory.ensembleOutput(unit)).toBeCloseTo(o, 15);
    expect(theory.ensembleError(unit)).toBeCloseTo(0.5 * (1 - o) ** 2, 15);
    expect(theory.regularizedEnsembleError(unit)).toBeCloseTo(0.5 * (1 - o) ** 2 + 0.5 * (0.25 * 0.25 + 4 * 0.0625 * 0.16), 15);
  });
});

describe('theory: Eq. 30, the single logistic unit', () => {
  it('is close for small weights and its error falls faster than the weights', () => {
    const act = { kind: 'logistic' as const, c: 1.5, lambda: 1.3 };
    let previous = Infinity;
    for (const scale of [1, 0.5, 0.25, 0.125]) {
      let worst = 0;
      for (let seed = 1; seed <= 5; seed++) {
        const unit = randomUnit(seed, 8, scale, act);
        const exact = theory.expectedDropoutGradient(unit);
        const approx = theory.sigmoidalDropoutGradient(unit);
        let norm = 0;
        for (const g of exact) norm = Math.max(norm, Math.abs(g));
        worst = Math.max(worst, maxAbsDiff(exact, approx) / norm);
      }
      if (scale === 0.125) expect(worst).toBeLessThan(2e-3);
      expect(worst).toBeLessThan(previous / 2.5); // second-order error: ~4× smaller per halving
      previous = worst;
    }
  });

  it('Eq. 30 is closer to the exact gradient than the bare ensemble gradient', () => {
    const unit = randomUnit(3, 8, 0.5, 'logistic');
    const exact = theory.expectedDropoutGradient(unit);
    expect(maxAbsDiff(exact, theory.sigmoidalDropoutGradient(unit))).toBeLessThan(maxAbsDiff(exact, theory.ensembleGradient(unit)) / 3);
  });

  it('the closed forms refuse the other kind of unit', () => {
    expect(() => theory.linearDropoutGradient(randomUnit(1, 3, 1, 'logistic'))).toThrow(InvalidArgumentError);
    expect(() => theory.sigmoidalDropoutGradient(randomUnit(1, 3, 1, 'linear'))).toThrow(InvalidArgumentError);
    expect(() => theory.regularizedEnsembleError(randomUnit(1, 3, 1, 'logistic'))).toThrow(InvalidArgumentError);
    expect(() => theory.ensembleError({ weights: [1], inputs: [1], keeps: 0.5, target: 0, colour: 1 } as never)).toThrow('unknown option "colour"');
  });
});

describe('theory: Eq. 31, the variance of S under dropout in one layer', () => {
  it('equals the enumerated variance', () => {
    const r = rng(31);
    for (let trial = 0; trial < 20; trial++) {
      const n = 10;
      const w = Array.from({ length: n }, () => 4 * r() - 2);
      const O = Array.from({ length: n }, () => r());
      const p = Array.from({ length: n }, () => r());
      const u = enumerateUnit(w, O, p, 0.7, (s) => s);
      expect(Math.abs(theory.sumVariance(w, O, p) - u.V)).toBeLessThan(1e-12);
      expect(Math.abs(theory.sumMean(w, O, p, 0.7) - u.E)).toBeLessThan(1e-12);
    }
    expect(theory.sumVariance([2], [0.5], 0.5)).toBeCloseTo(4 * 0.25 * 0.25, 15);
  });
});

describe('theory: Eq. 4, linear networks (exact ensemble mean = weight-scaled pass)', () => {
  // A small linear network with a skip connection and per-unit keeps, enumerated by hand.
  const r = rng(4);
  const units = [3, 2, 2, 2];
  const from = [[], [0], [0, 1], [1, 2]];
  const W = new Map<string, number[]>();
  for (let h = 1; h < 4; h++) for (const l of from[h]!) W.set(`${h},${l}`, Array.from({ length: units[h]! * units[l]! }, () => 2 * r() - 1));
  const B = [[], ...[1, 2, 3].map((h) => Array.from(Float32Array.from({ length: units[h]! }, () => r() - 0.5)))];
  const keeps = [[0.8, 0.6, 0.9], [0.5, 0.3], [0.7, 0.4]];
  const net = {
    spec: {
      inputs: 3,
      inputKeep: keeps[0]!,
      layers: [
        { units: 2, activation: 'linear', keep: keeps[1]! },
        { units: 2, activation: 'linear', keep: keeps[2]!, from: [0, 1] },
        { units: 2, activation: 'linear', from: [1, 2] },
      ],
    },
    getWeights: (h: number, l: number) => Float32Array.from(W.get(`${h},${l}`)!),
    getBias: (h: number) => Float32Array.from(B[h]!),
  };
  const input = [0.3, -1.2, 0.8];

  it('unit dropout: matches enumeration over all 2^7 unit gates', () => {
    const gateKeeps = keeps.flat();
    const mean = [new Float64Array(2), new Float64Array(2), new Float64Array(2)];
    theory.forEachGateConfiguration('test', gateKeeps.length, gateKeeps, (g, prob) => {
      const gate = [g.subarray(0, 3), g.subarray(3, 5), g.subarray(5, 7)];
      const S: number[][] = [input];
      for (let h = 1; h < 4; h++) {
        const s = B[h]!.slice();
        for (const l of from[h]!) {
          const w = Float32Array.from(W.get(`${h},${l}`)!);
          for (let i = 0; i < units[h]!; i++) for (let j = 0; j < units[l]!; j++) s[i] += w[i * units[l]! + j]! * gate[l]![j]! * S[l]![j]!;
        }
        S.push(s);
        for (let i = 0; i < s.length; i++) mean[h - 1]![i] += prob * s[i]!;
      }
    });
    const got = theory.linearExpectation(net, input);
    expect(got.length).toBe(3);
    for (let k = 0; k < 3; k++) for (let i = 0; i < 2; i++) expect(Math.abs(got[k]![i]! - mean[k]![i]!)).toBeLessThan(1e-12);
  });

  it('rejects non-linear layers', () => {
    const bad = { ...net, spec: { ...net.spec, layers: [{ units: 2, activation: 'logistic' }] } };
    expect(() => theory.linearExpectation(bad, input)).toThrow('theory.linearExpectation: layer 1 must be linear');
  });
});
