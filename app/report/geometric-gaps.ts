// The geometric-mean gaps of Section 4 on measured neurons: E − G and 1 − E − G′ against Var(O)
// (Eq. 20 says both equal V; the leading terms say V/(2E) and V/(2(1 − E))), and whether the NWGM
// is closer to E than G is (Section 4 says it is; the leading terms say only for E < 2/3).
// Pure functions over the per-neuron Monte Carlo columns of every hidden layer and fixed input.
import { theory } from 'dropout-ensemble';
import type { LayerColumns } from './analysis.js';
import type { GeometricGapBin, GeometricGapSummary, NwgmBetterCount } from './results.js';
import { median } from './stats-math.js';

/** The E bins of the comparison: sparse, low, middle, high and saturated units. */
export const E_BIN_EDGES: readonly number[] = [0, 0.05, 0.2, 0.8, 0.95, 1];

/**
 * Neuron-inputs with Var(O) below this are left out: their E − G and E − NWGM are a few ulps of
 * E, so ratios of them measure float rounding, not the approximation.
 */
export const MIN_VARIANCE = 1e-6;

/** The E at which the leading terms predict |E − NWGM| = |E − G|. */
export const NWGM_G_CROSSOVER = 2 / 3;

function binOf(E: number): number {
  for (let b = 0; b < E_BIN_EDGES.length - 2; b++) if (E < E_BIN_EDGES[b + 1]!) return b;
  return E_BIN_EDGES.length - 2;
}

type Columns = Pick<LayerColumns, 'mean' | 'variance' | 'geometricMean' | 'complementGeometricMean' | 'nwgm'>;

/** Bins and counts over every neuron-input given (all hidden layers of all fixed inputs). */
export function geometricGapSummary(columns: Columns[]): GeometricGapSummary {
  const nBins = E_BIN_EDGES.length - 1;
  const perBin = Array.from({ length: nBins }, () => ({ E: [] as number[], g: [] as number[], gc: [] as number[], ratio: [] as number[] }));
  const all: NwgmBetterCount = { count: 0, nwgmBetter: 0 };
  const lowE: NwgmBetterCount = { count: 0, nwgmBetter: 0 };
  const highE: NwgmBetterCount = { count: 0, nwgmBetter: 0 };
  for (const c of columns) {
    for (let i = 0; i < c.mean.length; i++) {
      const E = c.mean[i]!;
      const V = c.variance[i]!;
      if (!(V >= MIN_VARIANCE)) continue;
      const eMinusG = E - c.geometricMean[i]!;
      const eMinusNwgm = E - c.nwgm[i]!;
      const bin = perBin[binOf(E)]!;
      bin.E.push(E);
      bin.g.push(eMinusG / V);
      bin.gc.push((1 - E - c.complementGeometricMean[i]!) / V);
      if (eMinusG !== 0) bin.ratio.push(Math.abs(eMinusNwgm) / Math.abs(eMinusG));
      const better = Math.abs(eMinusNwgm) < Math.abs(eMinusG) ? 1 : 0;
      for (const k of [all, E <= NWGM_G_CROSSOVER ? lowE : highE]) {
        k.count++;
        k.nwgmBetter += better;
      }
    }
  }
  const bins: GeometricGapBin[] = [];
  perBin.forEach((b, k) => {
    if (b.E.length === 0) return;
    const medianE = median(b.E);
    const lead = theory.leadingGeometricGaps(medianE, 1);
    bins.push({
      lo: E_BIN_EDGES[k]!,
      hi: E_BIN_EDGES[k + 1]!,
      count: b.E.length,
      medianE,
      medianEMinusGOverV: median(b.g),
      medianComplementOverV: median(b.gc),
      leadingEMinusGOverV: lead.eMinusG,
      leadingComplementOverV: lead.oneMinusEMinusGc,
      // Var(O) ≥ MIN_VARIANCE makes E − G > 0 (Jensen), well above rounding: every unit has a ratio.
      medianNwgmToGeometric: median(b.ratio),
      leadingNwgmToGeometric: theory.nwgmToGeometricRatio(medianE),
    });
  });
  return { minVariance: MIN_VARIANCE, bins, all, lowE, highE };
}
