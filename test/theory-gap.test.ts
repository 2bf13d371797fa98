// Eq. 20 and the delta-method estimate of E − NWGM against exact enumeration; Eq. 22.
// These tests pin what is true (numbers in src/theory/gap.ts): Eq. 20 converges to 2E(1−E) times
// the gap, not to the gap; the delta method's relative error falls in proportion to Var(O).
import { describe, expect, it } from 'vitest';
import { theory } from '../src/index.js';
import { unitAt } from './theory-helpers.js';

const SCALES = [1, 0.5, 0.25, 0.125];

function gaps(seed: number, scale: number, target: number) {
  const u = unitAt(seed, 12, scale, target);
  const exact = u.E - theory.nwgm(u.outputs, u.probs);
  return {
    E: u.E,
    V: u.V,
    exact,
    eq20: theory.secondOrderGap(u.E, u.V) / exact,
    delta: (theory.deltaMethodGap(u.E, u.V, u.kappa3) - exact) / exact,
  };
}

describe('theory: Eq. 20 versus the delta method, exact enumeration of logistic units', () => {
  for (const target of [0.45, 0.2, 0.05]) {
    it(`E ≈ ${target}: Eq. 20 tends to 2E(1−E) of the gap; the delta error falls like Var(O)`, () => {
      for (const seed of [7, 8, 9]) {
        const rows = SCALES.map((s) => gaps(seed, s, target));
        for (const row of rows) {
          const ratio = 2 * row.E * (1 - row.E);
          // Eq. 20 stays far from 1: about half near 0.5, a third at 0.2, a tenth at 0.05.
          expect(row.eq20).toBeGreaterThan(0.55 * ratio);
          expect(row.eq20).toBeLessThan(Math.min(0.75, 1.25 * ratio));
        }
        // At the smallest spread Eq. 20 is within 10% of 2E(1−E) times the gap…
        const last = rows[rows.length - 1]!;
        expect(Math.abs(last.eq20 / (2 * last.E * (1 - last.E)) - 1)).toBeLessThan(0.1);
        // …while the delta method's relative error shrinks at each halving of the weights, by a
        // factor between 3 and 5 (∝ Var(O), i.e. ∝ scale²), and is below 1% at scale 1/8.
        for (let i = 1; i < rows.length; i++) {
          const f = Math.abs(rows[i - 1]!.delta) / Math.abs(rows[i]!.delta);
          expect(f).toBeGreaterThan(3);
          expect(f).toBeLessThan(5);
          expect(Math.abs(rows[i]!.delta)).toBeLessThan(Math.abs(rows[i]!.eq20 - 1));
        }
        expect(Math.abs(last.delta)).toBeLessThan(0.01);
      }
    });
  }

  it('near E = 0.5 with unequal keeps, Eq. 20 misses the skew term entirely; the delta method does not', () => {
    const row = gaps(7, 0.25, 0.5);
    expect(Math.abs(row.E - 0.5)).toBeLessThan(1e-3);
    expect(Math.abs(row.eq20)).toBeLessThan(0.05);
    expect(Math.abs(row.delta)).toBeLessThan(0.02);
  });

  it('for sparse units (E ≈ 0.01) Eq. 20 recovers about 2% of the gap', () => {
    const row = gaps(7, 0.25, 0.01);
    expect(row.eq20).toBeGreaterThan(0.01);
    expect(row.eq20).toBeLessThan(0.03);
    expect(Math.abs(row.delta)).toBeLessThan(0.02);
  });

  it('the formulas are the ones printed', () => {
    expect(theory.secondOrderGap(0.3, 0.01)).toBeCloseTo((0.01 * 0.4) / 0.98, 15);
    expect(theory.bound(0.3, 0.01)).toBeCloseTo(2 * 0.3 * 0.7 * 0.4, 15);
    expect(theory.tightBound(0.3, 0.01)).toBeCloseTo((0.3 * 0.7 * 0.4) / 0.98, 15);
    const E = 0.3;
    expect(theory.deltaMethodGap(E, 0.01, 0.001)).toBeCloseTo((0.01 * 0.4) / (2 * 0.21) - (0.21 / 3) * (1 / E ** 3 + 1 / 0.7 ** 3) * 0.001, 15);
    expect(theory.deltaMethodGap(0, 0, 0)).toBeNaN();
  });
});
