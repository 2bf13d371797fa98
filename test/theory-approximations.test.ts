// Eqs. 14 and 17–19 against exact enumeration of single logistic units (12 inputs, 4096
// subnetworks; test/theory-helpers.ts builds them), and the leading terms that replace Eq. 20's
// E − G ≈ V away from E = 0.5 (src/theory/approximations.ts).
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, OutOfRangeError, theory } from '../src/index.js';
import { rng, unitAt } from './theory-helpers.js';

/** Exact G, G′, NWGM of a unit and the Eq. 17–19 values from its exact E and V. */
function exactAndSecondOrder(seed: number, scale: number, target: number) {
  const u = unitAt(seed, 12, scale, target);
  const exact = theory.geometricMeans(u.outputs, u.probs);
  return { E: u.E, V: u.V, exact, eq: theory.secondOrderMeans(u.E, u.V) };
}

/** |formula − exact| for each of Eqs. 17, 18, 19 (both halves). */
function errors(r: ReturnType<typeof exactAndSecondOrder>): number[] {
  return [
    Math.abs(r.eq.geometricMean - r.exact.geometricMean),
    Math.abs(r.eq.complementGeometricMean - r.exact.complementGeometricMean),
    Math.abs(r.eq.nwgm - r.exact.nwgm),
    Math.abs(r.eq.complementNwgm - (1 - r.exact.nwgm)),
  ];
}

const HALVINGS = [0.25, 0.125, 0.0625];

describe('theory: Eqs. 17–19, exact enumeration of logistic units', () => {
  it('the formulas are the ones printed', () => {
    const m = theory.secondOrderMeans(0.3, 0.01);
    expect(m.geometricMean).toBeCloseTo(0.29, 15);
    expect(m.complementGeometricMean).toBeCloseTo(0.69, 15);
    expect(m.nwgm).toBeCloseTo(0.29 / 0.98, 15);
    expect(m.complementNwgm).toBeCloseTo(0.69 / 0.98, 15);
    const g = theory.leadingGeometricGaps(0.2, 0.01);
    expect(g.eMinusG).toBeCloseTo(0.01 / 0.4, 15);
    expect(g.oneMinusEMinusGc).toBeCloseTo(0.01 / 1.6, 15);
    expect(theory.nwgmToGeometricRatio(0.2)).toBeCloseTo(0.6 / 0.8, 15);
    expect(theory.nwgmToGeometricRatio(2 / 3)).toBeCloseTo(1, 12);
  });

  it('near E = 0.5 they are accurate to third order: each error shrinks about 8× when the spread halves', () => {
    for (const seed of [7, 8, 9]) {
      const rows = HALVINGS.map((s) => errors(exactAndSecondOrder(seed, s, 0.5)));
      const last = rows[rows.length - 1]!;
      const before = rows[rows.length - 2]!;
      for (let k = 0; k < 4; k++) {
        // At least third order (a symmetric spread makes G's error fourth order: 16×).
        expect(before[k]! / last[k]!).toBeGreaterThan(7);
      }
      // The NWGM of Eq. 19: third order exactly, 8× per halving.
      for (let i = 1; i < rows.length; i++) {
        expect(rows[i - 1]![2]! / rows[i]![2]!).toBeGreaterThan(7.5);
        expect(rows[i - 1]![2]! / rows[i]![2]!).toBeLessThan(8.5);
      }
    }
  });

  it('away from E = 0.5 (E = 0.45) Eq. 17 is only first order in V: its error shrinks about 4× per halving', () => {
    for (const seed of [7, 8, 9]) {
      const rows = HALVINGS.map((s) => errors(exactAndSecondOrder(seed, s, 0.45)));
      for (let i = 1; i < rows.length; i++) {
        const f = rows[i - 1]![0]! / rows[i]![0]!;
        expect(f).toBeGreaterThan(3.5);
        expect(f).toBeLessThan(5);
      }
    }
  });
});

describe('theory: the leading terms of E − G, 1 − E − G′ and the NWGM against G', () => {
  // (E − G)/V at scale 1/8, measured: 25.25 at E = 0.02 (1/(2E) = 24.98), 5.05 at 0.1, 1.007 at 0.5, 0.556 at 0.9.
  for (const target of [0.02, 0.1, 0.5, 0.9]) {
    it(`E = ${target}: (E − G)/V tends to 1/(2E) and (1 − E − G′)/V to 1/(2(1 − E)), not to 1`, () => {
      const relErr = (s: number) => {
        const r = exactAndSecondOrder(7, s, target);
        const lead = theory.leadingGeometricGaps(r.E, r.V);
        return {
          g: Math.abs((r.E - r.exact.geometricMean) / lead.eMinusG - 1),
          gc: Math.abs((1 - r.E - r.exact.complementGeometricMean) / lead.oneMinusEMinusGc - 1),
          ratio: (r.E - r.exact.geometricMean) / r.V,
        };
      };
      const coarse = relErr(0.25);
      const fine = relErr(0.125);
      expect(fine.g).toBeLessThan(0.02);
      expect(fine.gc).toBeLessThan(0.02);
      expect(fine.g).toBeLessThan(coarse.g);
      expect(fine.ratio).toBeCloseTo(1 / (2 * target), target < 0.05 ? 0 : 1);
      // E − G ≈ V (Eq. 20) within 10% only at E = 0.5.
      expect(Math.abs(fine.ratio - 1) < 0.1).toBe(target === 0.5);
    });
  }

  it('|E − NWGM|/|E − G| tends to |1 − 2E|/(1 − E): "NWGM is better than G" fails for E > 2/3', () => {
    for (const target of [0.02, 0.1, 0.2, 0.8, 0.9]) {
      const r = exactAndSecondOrder(7, 0.125, target);
      const ratio = Math.abs(r.E - r.exact.nwgm) / Math.abs(r.E - r.exact.geometricMean);
      expect(Math.abs(ratio / theory.nwgmToGeometricRatio(r.E) - 1)).toBeLessThan(0.03);
      expect(ratio < 1).toBe(target < 2 / 3);
    }
    const half = exactAndSecondOrder(7, 0.125, 0.5);
    expect(Math.abs(half.E - half.exact.nwgm) / Math.abs(half.E - half.exact.geometricMean)).toBeLessThan(0.02);
  });

  it('the leading terms are NaN where undefined, and arguments are validated', () => {
    expect(theory.leadingGeometricGaps(0, 0.1).eMinusG).toBeNaN();
    expect(theory.leadingGeometricGaps(1, 0.1).oneMinusEMinusGc).toBeNaN();
    expect(theory.nwgmToGeometricRatio(1)).toBeNaN();
    expect(theory.nwgmToGeometricRatio(0)).toBeNaN();
    expect(() => theory.secondOrderMeans('0.3' as unknown as number, 0.01)).toThrow(InvalidArgumentError);
    expect(() => theory.leadingGeometricGaps(0.3, undefined as unknown as number)).toThrow(InvalidArgumentError);
    expect(() => theory.nwgmToGeometricRatio(null as unknown as number)).toThrow(InvalidArgumentError);
  });
});

describe('theory: Eq. 14 (Ky Fan)', () => {
  it('if every O_i ≤ 0.5 then G ≤ NWGM ≤ E', () => {
    const r = rng(21);
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + Math.floor(r() * 20);
      const values = Array.from({ length: n }, () => 0.5 * (1 - r()) ** (1 + 3 * r())); // in (0, 0.5]
      const w = Array.from({ length: n }, () => r() + 1e-3);
      const total = w.reduce((a, b) => a + b, 0);
      const m = theory.geometricMeans(values, w.map((x) => x / total));
      expect(m.geometricMean).toBeLessThanOrEqual(m.nwgm * (1 + 1e-12));
      expect(m.nwgm).toBeLessThanOrEqual(m.mean * (1 + 1e-12));
    }
  });

  it('with every O_i ≥ 0.5 (the mirror image) the order reverses: E ≤ NWGM', () => {
    const m = theory.geometricMeans([0.6, 0.9, 0.99], [0.3, 0.4, 0.3]);
    expect(m.nwgm).toBeGreaterThan(m.mean);
  });

  it('an exactly enumerated sparse logistic unit (every O_i ≤ 0.5) obeys it', () => {
    const u = unitAt(7, 12, 1, 0.05);
    expect(Math.max(...u.outputs)).toBeLessThanOrEqual(0.5);
    const m = theory.geometricMeans(u.outputs, u.probs);
    expect(m.geometricMean).toBeLessThanOrEqual(m.nwgm);
    expect(m.nwgm).toBeLessThanOrEqual(m.mean);
  });
});

describe('theory: logisticGaussianMoments', () => {
  /** E(O), Var(O) by a fine trapezoid rule over ±12 standard deviations. */
  function trapezoid(mu: number, v: number, c = 1, lambda = 1) {
    const sd = Math.sqrt(v);
    const steps = 20000;
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    for (let k = 0; k <= steps; k++) {
      const z = -12 + (24 * k) / steps;
      const w = (k === 0 || k === steps ? 0.5 : 1) * Math.exp(-0.5 * z * z);
      const o = 1 / (1 + c * Math.exp(-lambda * (mu + sd * z)));
      m0 += w;
      m1 += w * o;
      m2 += w * o * o;
    }
    return { mean: m1 / m0, variance: m2 / m0 - (m1 / m0) ** 2 };
  }

  // The 48-node Gauss–Hermite rule is exact to ~1e-8 up to a spread λ·std(S) ≈ 2; at λ·std(S) = 4.5
  // its std(O) is off by ~3e-4 (the integrand's kink is too sharp for the nodes).
  it('matches numerical integration, with and without c and λ', () => {
    for (const [mu, v, c, lambda] of [[0, 1, 1, 1], [-3, 4, 1, 1], [2, 0.25, 1, 1], [1, 2, 2, 0.5], [-1, 2, 0.5, -1.5]] as const) {
      const q = theory.logisticGaussianMoments(mu, v, { c, lambda });
      const t = trapezoid(mu, v, c, lambda);
      expect(Math.abs(q.mean - t.mean), `mean at ${mu}, ${v}`).toBeLessThan(1e-6);
      expect(Math.abs(Math.sqrt(q.variance) - Math.sqrt(t.variance)), `std at ${mu}, ${v}`).toBeLessThan(1e-5);
    }
  });

  it('a spread of 0 gives σ(μ) and no variance; a larger Var(S) gives a larger std(O)', () => {
    const z = theory.logisticGaussianMoments(0.7, 0);
    expect(z.mean).toBeCloseTo(1 / (1 + Math.exp(-0.7)), 15);
    expect(z.variance).toBe(0);
    const variances = [0.01, 0.1, 1, 4].map((v) => theory.logisticGaussianMoments(-2, v).variance);
    for (let i = 1; i < variances.length; i++) expect(variances[i]!).toBeGreaterThan(variances[i - 1]!);
  });

  it('validates its arguments', () => {
    expect(() => theory.logisticGaussianMoments(NaN, 1)).toThrow(InvalidArgumentError);
    expect(() => theory.logisticGaussianMoments(0, -1)).toThrow(OutOfRangeError);
    expect(() => theory.logisticGaussianMoments(0, 1, { c: 0 })).toThrow(OutOfRangeError);
    expect(() => theory.logisticGaussianMoments(0, 1, { lambda: 0 })).toThrow(InvalidArgumentError);
    expect(() => theory.logisticGaussianMoments(0, 1, { scale: 2 } as never)).toThrow(InvalidArgumentError);
  });
});
