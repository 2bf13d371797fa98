// Every row of the claims table judged by its stated criterion, on synthetic inputs built to agree
// and to differ; and the analysis behind the rows added for Sections 4 and 5.3 and Eq. 31.
import { describe, expect, it } from 'vitest';
import { approximationLayer, LAYER_COLUMN_NAMES } from '../app/report/analysis.js';
import { completeColumns, serializeColumns } from '../app/report/checkpoint.js';
import {
  boundClaim, consistencyClaim, deltaMethodClaim, eMinusOStarClaim, gaussianGapClaim, phasesClaim, propagatedGapClaim, secondOrderClaim, shortRunNote, sparsityClaim, testErrorClaim,
} from '../app/report/claims.js';
import { keepHalfClaim, sparseConsistencyClaim } from '../app/report/claims-eq31.js';
import { eMinusGClaim, nwgmVsGClaim } from '../app/report/claims-geometric.js';
import { renderHtml } from '../app/report/html.js';
import { eq31Variance, keepHalfLayer, sparseConsistencyLayer } from '../app/report/eq31.js';
import { geometricGapSummary } from '../app/report/geometric-gaps.js';
import type { ApproximationLayer, Band, Figure2aLayer, GeometricGapBin, GeometricGapSummary, RunSettings, SparseConsistencyLayer } from '../app/report/results.js';
import { seededRandom } from '../app/report/stats-math.js';
import { theory } from '../src/index.js';
import { syntheticLayer, syntheticResults } from './helpers/synthetic-results.js';

function approx(layer: number, o: Partial<ApproximationLayer> = {}): ApproximationLayer {
  return {
    layer, units: 1000, boundHolds: 1, boundViolations: 0, boundViolationsBeyondNoise: 0, boundTightness: 0.1,
    secondOrderMedianRelError: 0.05, secondOrderMedianRelErrorSE: 0.01, deltaMethodMedianRelError: 0.05, deltaMethodMedianRelErrorSE: 0.01,
    gaussianGapMedianRelError: 0.05, gaussianGapMedianRelErrorSE: 0.01, propagatedGapMedianRelError: 0.08, propagatedGapMedianRelErrorSE: 0.01, comparedUnits: 500,
    meanAbsEMinusOStarActive: 0.01, meanAbsEMinusOStarInactive: 0.001, activeFraction: 0.2, ...o,
  };
}

describe('claims: the rows of Section 6', () => {
  it('bound: violations count only beyond 2 standard errors of E; 99% must hold', () => {
    const ok = boundClaim([approx(1, { boundViolations: 30, boundViolationsBeyondNoise: 5 }), approx(2)]);
    expect(ok.agrees).toBe(true);
    expect(ok.numbers).toMatchObject({ violations: 5, rawViolations: 30, units: 2000, tightnessL1: 0.1 });
    expect(ok.measured).toContain('5 violations beyond 2 standard errors of E, 30 raw violations');
    expect(ok.measured).toContain('Tightness');
    const bad = boundClaim([approx(1, { boundViolations: 30, boundViolationsBeyondNoise: 21 }), approx(2)]);
    expect(bad.agrees).toBe(false);
  });

  it('bound: the analysis separates raw violations from those beyond noise, and measures tightness', () => {
    const c = syntheticLayer(4, seededRandom(2));
    const se = c.standardError as Float64Array;
    const nwgm = c.nwgm as Float64Array;
    // Unit 0 just over the bound (within noise), unit 1 far over it, units 2 and 3 with no gap.
    nwgm[2] = c.mean[2]!;
    nwgm[3] = c.mean[3]!;
    se[0] = 1e-3;
    nwgm[0] = c.mean[0]! - c.bound[0]! - 1e-3;
    nwgm[1] = c.mean[1]! - c.bound[1]! - 0.05;
    const a = approximationLayer(1, [c]);
    expect(a.boundViolations).toBe(2);
    expect(a.boundViolationsBeyondNoise).toBe(1);
    const ratios = [0, 1, 2, 3].filter((i) => c.bound[i]! > 0).map((i) => Math.abs(c.mean[i]! - c.nwgm[i]!) / c.bound[i]!).sort((x, y) => x - y);
    expect(a.boundTightness).toBeCloseTo((ratios[1]! + ratios[2]!) / 2, 12);
  });

  for (const [name, claim, field] of [
    ['second-order', secondOrderClaim, 'secondOrderMedianRelError'],
    ['gaussian-s', gaussianGapClaim, 'gaussianGapMedianRelError'],
    ['delta-method', deltaMethodClaim, 'deltaMethodMedianRelError'],
  ] as const) {
    it(`${name}: median relative error ≤ 10% in every layer`, () => {
      expect(claim([approx(1), approx(2, { [field]: 0.1 })]).agrees).toBe(true);
      expect(claim([approx(1), approx(2, { [field]: 0.11 })]).agrees).toBe(false);
    });
  }

  it('sampling-free: median relative error ≤ 15% in every layer', () => {
    expect(propagatedGapClaim([approx(1), approx(2, { propagatedGapMedianRelError: 0.15 })]).agrees).toBe(true);
    expect(propagatedGapClaim([approx(1), approx(2, { propagatedGapMedianRelError: 0.16 })]).agrees).toBe(false);
  });

  it('e-minus-ostar: inactive neurons at most 0.25× the active ones in every layer, and growth under 4', () => {
    const layers = [approx(1), approx(2, { meanAbsEMinusOStarActive: 0.02, meanAbsEMinusOStarInactive: 0.005 })];
    const ok = eMinusOStarClaim(layers);
    expect(ok.agrees).toBe(true);
    expect(ok.criterion).toContain('0.25×');
    // Inactive neurons differ less than active ones but not "well below": 0.3×.
    expect(eMinusOStarClaim([approx(1), approx(2, { meanAbsEMinusOStarInactive: 0.003 })]).agrees).toBe(false);
    // Growth of 4 or more.
    expect(eMinusOStarClaim([approx(1), approx(2, { meanAbsEMinusOStarActive: 0.04 })]).agrees).toBe(false);
  });

  it('consistency: top/first mean std(O) at most 1.5', () => {
    const l = (layer: number, mean: number) => ({ layer, mean, p5: 0, p95: 1, count: 10 });
    expect(consistencyClaim([l(1, 0.1), l(2, 0.15)]).agrees).toBe(true);
    expect(consistencyClaim([l(1, 0.1), l(2, 0.16)]).agrees).toBe(false);
  });

  it('sparse: half of O* below 0.1 and positive skewness in every layer', () => {
    const h = (fractionInactive: number, skewness: number) => ({ layer: 1, edges: [], counts: [], fractionInactive, median: 0, mean: 0, skewness });
    expect(sparsityClaim([h(0.5, 0.1)]).agrees).toBe(true);
    expect(sparsityClaim([h(0.49, 0.1)]).agrees).toBe(false);
    expect(sparsityClaim([h(0.9, -0.1)]).agrees).toBe(false);
  });

  it('test-error: weight-scaled error at most 1.3%', () => {
    const t = (error: number) => ({ weightScaled: { error, count: 10000 }, monteCarlo: { error, count: 100, samples: 10 } });
    const s = { shortRun: false, epochs: 1 } as RunSettings;
    expect(testErrorClaim(t(0.013), s).agrees).toBe(true);
    expect(testErrorClaim(t(0.014), s).agrees).toBe(false);
  });
});

describe('claims: the three phases of Section 5.3', () => {
  const band = (mean: number): Band => ({ mean, p5: mean, p95: mean, count: 5 });
  const layer = (active: number[], inactive = active.map(() => 0.001)): Figure2aLayer => ({
    layer: 1, at: active.map((_, k) => k / 2), active: active.map(band), inactive: inactive.map(band), typicalActive: null, typicalInactive: null,
  });
  const typical = [0.01, 0.05, 0.12, 0.1, 0.09, 0.09, 0.095, 0.09];

  it('agrees when std(O) starts low, peaks later and settles, with quieter inactive units', () => {
    const c = phasesClaim([layer(typical)]);
    expect(c.agrees).toBe(true);
    expect(c.numbers).toMatchObject({ firstL1: 0.01, peakL1: 0.12, peakAtL1: 1 });
    expect(c.numbers.settleRangeL1).toBeCloseTo(0.005, 12);
    expect(c.measured).toContain('over the last 3 probes');
  });

  it('phase 1 fails when the first probe is not under half the peak', () => {
    expect(phasesClaim([layer([0.07, ...typical.slice(1)])]).agrees).toBe(false);
  });

  it('phase 2 fails when the peak is the first probe', () => {
    expect(phasesClaim([layer([0.2, ...typical.slice(1)])]).agrees).toBe(false);
  });

  it('phase 3 fails when the last quarter still moves by more than 20% of the peak, or there are too few probes', () => {
    expect(phasesClaim([layer([0.01, 0.05, 0.12, 0.1, 0.09, 0.12, 0.09, 0.06])]).agrees).toBe(false);
    expect(phasesClaim([layer([0.01, 0.12])]).agrees).toBe(false);
    // The last quarter of 16 probes is 4: a drift in the fourth-to-last probe counts.
    const long = [0.01, 0.05, 0.12, 0.11, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.07, 0.1, 0.1, 0.1];
    expect(phasesClaim([layer(long)]).agrees).toBe(false);
    expect(phasesClaim([layer(long.map((x, k) => (k === 12 ? 0.1 : x)))]).agrees).toBe(true);
  });

  it('fails when inactive units end no quieter than active ones', () => {
    expect(phasesClaim([layer(typical, typical.map(() => 0.2))]).agrees).toBe(false);
  });
});

function bin(lo: number, hi: number, o: Partial<GeometricGapBin> = {}): GeometricGapBin {
  return {
    lo, hi, count: 100, medianE: (lo + hi) / 2, medianEMinusGOverV: 1, medianComplementOverV: 1,
    leadingEMinusGOverV: 1, leadingComplementOverV: 1, medianNwgmToGeometric: 0.5, leadingNwgmToGeometric: 0.5, ...o,
  };
}
const summary = (bins: GeometricGapBin[], better = 990, count = 1000): GeometricGapSummary => ({
  minVariance: 1e-6, bins, all: { count, nwgmBetter: better }, lowE: { count, nwgmBetter: better }, highE: { count: 0, nwgmBetter: 0 },
});

describe('claims: E − G ≈ V and the NWGM against G', () => {
  it('e-minus-g: both medians in [0.8, 1.25] in every bin with at least 20 neuron-inputs', () => {
    expect(eMinusGClaim(summary([bin(0.2, 0.8, { medianEMinusGOverV: 0.8, medianComplementOverV: 1.25 })])).agrees).toBe(true);
    // A sparse bin where (E − G)/V follows 1/(2E) instead.
    expect(eMinusGClaim(summary([bin(0, 0.05, { medianEMinusGOverV: 15 }), bin(0.2, 0.8)])).agrees).toBe(false);
    expect(eMinusGClaim(summary([bin(0.2, 0.8, { medianComplementOverV: 0.79 })])).agrees).toBe(false);
    // A bin of 19 is reported, not judged; with no judged bin at all there is nothing to agree with.
    const small = bin(0, 0.05, { count: 19, medianEMinusGOverV: 15 });
    expect(eMinusGClaim(summary([small, bin(0.2, 0.8)])).agrees).toBe(true);
    expect(eMinusGClaim(summary([small])).agrees).toBe(false);
    expect(eMinusGClaim(summary([small])).measured).toContain('[0, 0.05) (19)');
  });

  it('nwgm-vs-g: |E − NWGM| < |E − G| for at least 99% of neuron-inputs', () => {
    expect(nwgmVsGClaim(summary([bin(0, 0.05)], 990)).agrees).toBe(true);
    const bad = nwgmVsGClaim(summary([bin(0, 0.05)], 989));
    expect(bad.agrees).toBe(false);
    expect(bad.measured).toContain('none with E > 2/3');
  });

  it('the summary bins neuron-inputs by E and compares them with the leading terms', () => {
    // Units with E − G and E − NWGM at their leading terms, at E = 0.02, 0.5 and 0.9; one without spread.
    const units = [0.02, 0.5, 0.9].flatMap((E) => Array.from({ length: 25 }, () => E));
    const V = 1e-4;
    const E = Float64Array.from([...units, 0.3]);
    const variance = Float64Array.from(E, (_, i) => (i < units.length ? V : 0));
    const c = {
      mean: E,
      variance,
      geometricMean: E.map((e, i) => e - variance[i]! / (2 * e)),
      complementGeometricMean: E.map((e, i) => 1 - e - variance[i]! / (2 * (1 - e))),
      nwgm: E.map((e, i) => e - (variance[i]! * (1 - 2 * e)) / (2 * e * (1 - e))),
    };
    const s = geometricGapSummary([c]);
    expect(s.bins.map((b) => [b.lo, b.hi, b.count])).toEqual([[0, 0.05, 25], [0.2, 0.8, 25], [0.8, 0.95, 25]]);
    const [sparse, middle, high] = s.bins;
    expect(sparse!.medianEMinusGOverV).toBeCloseTo(25, 9);
    expect(sparse!.leadingEMinusGOverV).toBeCloseTo(25, 9);
    expect(middle!.medianEMinusGOverV).toBeCloseTo(1, 9);
    expect(high!.medianComplementOverV).toBeCloseTo(5, 9);
    expect(high!.medianNwgmToGeometric).toBeCloseTo(theory.nwgmToGeometricRatio(0.9), 9);
    expect(s.all).toEqual({ count: 75, nwgmBetter: 50 });
    expect(s.highE).toEqual({ count: 25, nwgmBetter: 0 });
    expect(eMinusGClaim(s).agrees).toBe(false);
    expect(nwgmVsGClaim(s).agrees).toBe(false);
  });
});

describe('claims: Eq. 31 on the network', () => {
  const layer = (o: Partial<SparseConsistencyLayer>): SparseConsistencyLayer => ({
    layer: 2, medianVarianceRatio: 0.2, activeUnits: 10, meanPredictedStdSparse: 0.05, meanPredictedStdMirrored: 0.1, inactiveVarianceShare: 0.1, inactiveCountShare: 0.8, ...o,
  });

  it('sparse-consistency: the sparse code predicts a lower std(O) in every layer', () => {
    expect(sparseConsistencyClaim([layer({}), layer({ layer: 3 })]).agrees).toBe(true);
    expect(sparseConsistencyClaim([layer({}), layer({ layer: 3, meanPredictedStdSparse: 0.1 })]).agrees).toBe(false);
    expect(sparseConsistencyClaim([]).agrees).toBe(false);
  });

  it('keep-half: the argmax is 0.5 in every layer', () => {
    const keeps = [0.1, 0.3, 0.5, 0.7, 0.9];
    const at = (argmax: number) => ({ layer: 1, keeps, meanVariance: keeps.map((p) => p * (1 - p)), relative: keeps.map((p) => 4 * p * (1 - p)), argmax });
    expect(keepHalfClaim([at(0.5), { ...at(0.5), layer: 2 }]).agrees).toBe(true);
    expect(keepHalfClaim([at(0.5), { ...at(0.7), layer: 2 }]).agrees).toBe(false);
  });

  it('a sparse layer below gives a smaller Var(S) and std(O) above than its mirror image; keep 0.5 maximises Var(S)', () => {
    const rand = seededRandom(4);
    const rows = 6;
    const cols = 40;
    const w = { weights: Array.from({ length: rows * cols }, () => 2 * rand() - 1), rows, cols };
    const below = Array.from({ length: cols }, (_, j) => (j % 5 === 0 ? 0.9 : 0.02));
    const meanS = Array.from({ length: rows }, (_, i) => i - 3);
    const deterministic = meanS.map((s) => 1 / (1 + Math.exp(-s)));
    const l = sparseConsistencyLayer(2, w, 0.5, [{ below, meanS, deterministic }]);
    expect(l.medianVarianceRatio).toBeLessThan(0.5);
    expect(l.activeUnits).toBe(deterministic.filter((o) => o > 0.1).length);
    expect(l.meanPredictedStdSparse).toBeLessThan(l.meanPredictedStdMirrored);
    expect(l.inactiveCountShare).toBeCloseTo(0.8, 12);
    expect(l.inactiveVarianceShare).toBeLessThan(l.inactiveCountShare);
    // The same sum computed directly (Eq. 31).
    const row0 = w.weights.slice(0, cols);
    const direct = row0.reduce((s, x, j) => s + x * x * below[j]! ** 2 * 0.25, 0);
    expect(theory.sumVariance(row0, below, 0.5)).toBeCloseTo(direct, 14);
    // The report's unchecked Eq. 31 is the theory function, for one keep and for per-unit keeps.
    const perUnit = below.map((_, j) => 0.1 + 0.02 * j);
    expect(eq31Variance(row0, below, 0.5)).toBeCloseTo(theory.sumVariance(row0, below, 0.5), 14);
    expect(eq31Variance(row0, below, perUnit)).toBeCloseTo(theory.sumVariance(row0, below, perUnit), 14);
    // A dense layer below (its mirror is the sparse one) reverses the verdict.
    const dense = sparseConsistencyLayer(2, w, 0.5, [{ below: below.map((o) => 1 - o), meanS, deterministic }]);
    expect(dense.meanPredictedStdSparse).toBeGreaterThan(dense.meanPredictedStdMirrored);
    const k = keepHalfLayer(2, w, [below]);
    expect(k.argmax).toBe(0.5);
    expect(k.relative[4]).toBe(1);
    expect(k.relative[0]).toBeCloseTo(0.09 / 0.25, 12);
  });
});

describe('checkpoint columns', () => {
  it('an input stored without a column the analysis reads is measured again; a complete one is kept', () => {
    const layers = [syntheticLayer(3, seededRandom(1)), syntheticLayer(3, seededRandom(2))];
    const stored = serializeColumns(layers);
    const back = completeColumns(stored)!;
    for (const k of LAYER_COLUMN_NAMES) expect(Array.from(back[1]![k])).toEqual(Array.from(layers[1]![k]));
    // A checkpoint written before G, G′, Var(O) and E(S) were stored.
    const old = stored.map(({ variance: _v, geometricMean: _g, complementGeometricMean: _gc, meanS: _m, ...rest }) => rest);
    expect(completeColumns(old)).toBeNull();
    expect(completeColumns(JSON.parse(JSON.stringify(stored)))).not.toBeNull();
  });

  it('the synthetic report has every row with finite numbers, and the page shows each', () => {
    const r = syntheticResults(30);
    expect(r.claims).toHaveLength(14);
    for (const c of r.claims) for (const v of Object.values(c.numbers)) expect(Number.isFinite(v), `${c.id}`).toBe(true);
    const html = renderHtml(r, []);
    expect(html.match(/<tr class="(agrees|differs)">/g)).toHaveLength(14);
    for (const id of ['e-minus-g', 'nwgm-vs-g', 'sparse-consistency', 'keep-half']) {
      const c = r.claims.find((x) => x.id === id)!;
      expect(html).toContain(c.criterion.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    }
  });

  it('a short run names consistency among the rows a full run judges, and not the phases', () => {
    const r = syntheticResults(30);
    const claims = r.claims.map((c) => (c.id === 'phases' || c.id === 'consistency' ? { ...c, agrees: false } : c));
    expect(shortRunNote(claims)).toContain('consistency');
    expect(shortRunNote(claims)).not.toContain('phases');
    expect(shortRunNote(claims.map((c) => ({ ...c, agrees: true })))).toBe('');
  });
});
