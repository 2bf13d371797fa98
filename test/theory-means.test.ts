// Eq. 5/7 (NWGM = σ(E(S))), its softmax analogue, Eq. 14 (Ky Fan) and Var(O) ≤ E(1−E) ≤ 1/4.
import { describe, expect, it } from 'vitest';
import { theory, InvalidArgumentError, OutOfRangeError } from '../src/index.js';
import { enumerateUnit, logistic, rng } from './theory-helpers.js';

describe('theory: Eq. 5/7, NWGM of a logistic unit is σ(E(S))', () => {
  it('holds to 1e-12 over all subnetworks, random c, λ, weights, keeps', () => {
    const r = rng(11);
    for (let trial = 0; trial < 40; trial++) {
      const n = 3 + Math.floor(r() * 8);
      const c = 0.2 + 3 * r();
      const lambda = 0.3 + 2 * r();
      const w = Array.from({ length: n }, () => 4 * r() - 2);
      const I = Array.from({ length: n }, () => 2 * r() - 1);
      const p = Array.from({ length: n }, () => r());
      const b = r() - 0.5;
      const f = logistic(c, lambda);
      const u = enumerateUnit(w, I, p, b, f);
      const g = theory.geometricMeans(u.outputs, u.probs);
      expect(Math.abs(g.nwgm - f(u.ES))).toBeLessThan(1e-12);
      expect(Math.abs(theory.nwgm(u.outputs, u.probs) - g.nwgm)).toBe(0);
      expect(Math.abs(g.mean - u.E)).toBeLessThan(1e-14);
    }
  });

  it('softmax analogue: G_i / Σ_j G_j over all subnetworks equals softmax(E(S))', () => {
    const r = rng(12);
    for (let trial = 0; trial < 20; trial++) {
      const n = 6;
      const k = 4;
      const W = Array.from({ length: k * n }, () => 3 * r() - 1.5);
      const bias = Array.from({ length: k }, () => r() - 0.5);
      const I = Array.from({ length: n }, () => r());
      const p = Array.from({ length: n }, () => 0.1 + 0.8 * r());
      const outputs: Float64Array[] = [];
      const probs: number[] = [];
      const ES = new Float64Array(k);
      theory.forEachGateConfiguration('test', n, p, (gates, prob) => {
        const s = new Float64Array(k);
        for (let o = 0; o < k; o++) {
          s[o] = bias[o]!;
          for (let j = 0; j < n; j++) if (gates[j]) s[o] += W[o * n + j]! * I[j]!;
          ES[o] += prob * s[o]!;
        }
        outputs.push(theory.softmax(s));
        probs.push(prob);
      });
      const got = theory.softmaxNwgm(outputs, probs);
      const want = theory.softmax(ES);
      for (let o = 0; o < k; o++) expect(Math.abs(got[o]! - want[o]!)).toBeLessThan(1e-12);
    }
  });
});

describe('theory: Eq. 14 (Ky Fan) and the variance bound of Section 3.2', () => {
  it('G ≤ NWGM ≤ E whenever every output is ≤ 0.5', () => {
    const r = rng(14);
    let checked = 0;
    for (let trial = 0; trial < 500; trial++) {
      const m = 2 + Math.floor(r() * 30);
      const values = Array.from({ length: m }, () => 0.5 * r() + 1e-9);
      const raw = Array.from({ length: m }, () => r());
      const total = raw.reduce((a, b) => a + b, 0);
      const probs = raw.map((x) => x / total);
      const g = theory.geometricMeans(values, probs);
      expect(g.geometricMean).toBeLessThanOrEqual(g.nwgm * (1 + 1e-12));
      expect(g.nwgm).toBeLessThanOrEqual(g.mean * (1 + 1e-12));
      checked++;
    }
    expect(checked).toBe(500);
  });

  it('NWGM ≤ E can fail once outputs exceed 0.5, so the premise matters', () => {
    const g = theory.geometricMeans([0.6, 0.99], [0.5, 0.5]);
    expect(g.nwgm).toBeGreaterThan(g.mean);
  });

  it('Var(O) ≤ E(1−E) ≤ 1/4 on enumerated logistic units, with equality for a 0/1 variable', () => {
    const r = rng(15);
    for (let trial = 0; trial < 50; trial++) {
      const n = 8;
      const u = enumerateUnit(
        Array.from({ length: n }, () => 10 * r() - 5),
        Array.from({ length: n }, () => r()),
        Array.from({ length: n }, () => r()),
        r() - 0.5,
        logistic(1, 1),
      );
      expect(u.V).toBeLessThanOrEqual(u.E * (1 - u.E) + 1e-15);
      expect(u.E * (1 - u.E)).toBeLessThanOrEqual(0.25);
    }
    // A Bernoulli(0.3) variable attains it.
    const E = 0.3;
    const V = 0.7 * (0 - E) ** 2 + 0.3 * (1 - E) ** 2;
    expect(Math.abs(V - E * (1 - E))).toBeLessThan(1e-15);
  });
});

describe('theory: argument checks', () => {
  it('rejects probabilities that do not sum to 1 and outputs outside [0, 1]', () => {
    expect(() => theory.nwgm([0.5, 0.5], [0.5, 0.6])).toThrow(OutOfRangeError);
    expect(() => theory.nwgm([0.5, 1.5], [0.5, 0.5])).toThrow('theory.geometricMeans: values[1] must be in [0, 1], got 1.5');
    expect(() => theory.nwgm([0.5], [1, 0] as number[])).toThrow('theory.geometricMeans: probs must have length 1, got 2');
    expect(() => theory.nwgm('x' as never, [1])).toThrow(InvalidArgumentError);
  });

  it('refuses to enumerate more than 24 gates', () => {
    expect(() => theory.forEachGateConfiguration('t', 25, 0.5, () => {})).toThrow(
      't: 25 gates with keep in (0, 1) would give 2^25 subnetworks; at most 24 gates can be enumerated',
    );
    let calls = 0;
    theory.forEachGateConfiguration('t', 30, 1, () => calls++); // keep 1: not enumerated
    expect(calls).toBe(1);
  });
});
