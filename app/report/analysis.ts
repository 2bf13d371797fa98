// From per-neuron ensemble statistics to the numbers behind the figures (Section 6 of the paper).
// Pure functions over plain columns, so they are tested on synthetic data as well as real runs.
import { ACTIVE_THRESHOLD } from 'dropout-ensemble';
import type { ApproximationLayer, Figure1Layer, Figure2aLayer, Figure2bLayer, Figure3Layer } from './results.js';
import { band, histogram, mean, median, medianStandardError, skewness, sortedCopy, percentileSorted } from './stats-math.js';

/** The per-unit columns of one hidden layer at one input (a subset of net.ensembleStats' layer). */
export interface LayerColumns {
  mean: ArrayLike<number>;
  /** Var(O) over subnetworks. */
  variance: ArrayLike<number>;
  std: ArrayLike<number>;
  /** G = Π O^P and G′ = Π (1 − O)^P over the sampled subnetworks. */
  geometricMean: ArrayLike<number>;
  complementGeometricMean: ArrayLike<number>;
  nwgm: ArrayLike<number>;
  deterministic: ArrayLike<number>;
  secondOrder: ArrayLike<number>;
  deltaMethod: ArrayLike<number>;
  /** The Gaussian-S estimate of E − NWGM (ensembleStats' gaussianGap). */
  gaussianGap: ArrayLike<number>;
  /** The sampling-free estimate of E − NWGM: propagateAsync({ method: 'covariance' })'s gap. */
  propagatedGap: ArrayLike<number>;
  bound: ArrayLike<number>;
  /** Standard error of the Monte Carlo mean E(O). */
  standardError: ArrayLike<number>;
  /** E(S), the mean total input over subnetworks. */
  meanS: ArrayLike<number>;
}

/** Every column of LayerColumns: a stored input lacking one of them is measured again. */
export const LAYER_COLUMN_NAMES: ReadonlyArray<keyof LayerColumns> = [
  'mean', 'variance', 'std', 'geometricMean', 'complementGeometricMean', 'nwgm', 'deterministic',
  'secondOrder', 'deltaMethod', 'gaussianGap', 'propagatedGap', 'bound', 'standardError', 'meanS',
];

const toArray = (v: ArrayLike<number>): number[] => Array.from(v);

/** Figure 1 for one layer at the typical input. */
export function figure1Layer(layer: number, c: LayerColumns): Figure1Layer {
  const gap = Array.from(c.mean, (e, i) => e - c.nwgm[i]!);
  return {
    layer,
    mean: toArray(c.mean),
    deterministic: toArray(c.deterministic),
    gap,
    secondOrder: toArray(c.secondOrder),
    deltaMethod: toArray(c.deltaMethod),
    gaussianGap: toArray(c.gaussianGap),
    propagatedGap: toArray(c.propagatedGap),
    bound: toArray(c.bound),
    std: toArray(c.std),
  };
}

/**
 * A Monte Carlo E − NWGM is compared with an estimate only where it stands clear of the sampling
 * noise: |gap| > 2 standard errors of E (the gap's own error is smaller, E and NWGM being
 * estimated from the same subnetworks), so that the relative error measures the estimate, not noise.
 */
const RESOLVED_IN_STANDARD_ERRORS = 2;

/**
 * A bound violation counts only beyond sampling noise: |E − NWGM| − bound > 2 standard errors of
 * E. E and NWGM come from the same subnetworks, so their difference varies less than E alone and
 * 2 standard errors of E is a generous allowance; an excess within it is not evidence against Eq. 22.
 */
const VIOLATION_IN_STANDARD_ERRORS = 2;

/** The accuracy of Eq. 20, the Gaussian-S estimate, the delta method and Eq. 22 in one layer, over the units of all fixed inputs. */
export function approximationLayer(layer: number, perInput: LayerColumns[], bootstrapSeed = 1): ApproximationLayer {
  const relSecond: number[] = [];
  const relDelta: number[] = [];
  const relGaussian: number[] = [];
  const relPropagated: number[] = [];
  const absActive: number[] = [];
  const absInactive: number[] = [];
  const tightness: number[] = [];
  let units = 0;
  let boundOk = 0;
  let beyondNoise = 0;
  for (const c of perInput) {
    for (let i = 0; i < c.mean.length; i++) {
      const E = c.mean[i]!;
      const gap = E - c.nwgm[i]!;
      const b = c.bound[i]!;
      units++;
      // Eq. 22: |E − NWGM| ≤ 2E(1−E)|1−2E| (a tiny slack for float64 rounding at E ≈ 0, 1).
      if (Math.abs(gap) <= b + 1e-12) boundOk++;
      if (Math.abs(gap) - b > VIOLATION_IN_STANDARD_ERRORS * c.standardError[i]! + 1e-12) beyondNoise++;
      if (b > 0) tightness.push(Math.abs(gap) / b);
      if (Math.abs(gap) > RESOLVED_IN_STANDARD_ERRORS * c.standardError[i]! && gap !== 0) {
        relSecond.push(Math.abs(c.secondOrder[i]! - gap) / Math.abs(gap));
        const d = c.deltaMethod[i]!;
        if (Number.isFinite(d)) relDelta.push(Math.abs(d - gap) / Math.abs(gap));
        relGaussian.push(Math.abs(c.gaussianGap[i]! - gap) / Math.abs(gap));
        relPropagated.push(Math.abs(c.propagatedGap[i]! - gap) / Math.abs(gap));
      }
      const o = c.deterministic[i]!;
      (o > ACTIVE_THRESHOLD ? absActive : absInactive).push(Math.abs(E - o));
    }
  }
  return {
    layer,
    units,
    boundHolds: units ? boundOk / units : NaN,
    boundViolations: units - boundOk,
    boundViolationsBeyondNoise: beyondNoise,
    boundTightness: median(tightness),
    secondOrderMedianRelError: median(relSecond),
    secondOrderMedianRelErrorSE: medianStandardError(relSecond, 200, bootstrapSeed),
    deltaMethodMedianRelError: median(relDelta),
    deltaMethodMedianRelErrorSE: medianStandardError(relDelta, 200, bootstrapSeed + 1),
    gaussianGapMedianRelError: median(relGaussian),
    gaussianGapMedianRelErrorSE: medianStandardError(relGaussian, 200, bootstrapSeed + 2),
    propagatedGapMedianRelError: median(relPropagated),
    propagatedGapMedianRelErrorSE: medianStandardError(relPropagated, 200, bootstrapSeed + 3),
    comparedUnits: relSecond.length,
    meanAbsEMinusOStarActive: mean(absActive),
    meanAbsEMinusOStarInactive: mean(absInactive),
    activeFraction: units ? absActive.length / units : NaN,
  };
}

/** Figure 2b: std(O) of the active units of one layer, over all fixed inputs. */
export function figure2bLayer(layer: number, perInput: Array<Pick<LayerColumns, 'std' | 'deterministic'>>): Figure2bLayer {
  const stds: number[] = [];
  for (const c of perInput) {
    for (let i = 0; i < c.std.length; i++) if (c.deterministic[i]! > ACTIVE_THRESHOLD) stds.push(c.std[i]!);
  }
  return { layer, ...band(stds) };
}

/** Figure 3: histogram of O* of one layer over the histogram inputs (20 bins on [0, 1]). */
export function figure3Layer(layer: number, activations: ArrayLike<number>, bins = 20): Figure3Layer {
  const { edges, counts } = histogram(activations, bins);
  let inactive = 0;
  for (let i = 0; i < activations.length; i++) if (activations[i]! < ACTIVE_THRESHOLD) inactive++;
  return {
    layer,
    edges,
    counts,
    fractionInactive: activations.length ? inactive / activations.length : NaN,
    median: median(activations),
    mean: mean(activations),
    skewness: skewness(activations),
  };
}

/** One probe of Figure 2a: O* and Monte Carlo std(O) of every unit of a layer at the probe input. */
export interface ProbeSnapshot {
  /** Training progress in epochs. */
  at: number;
  deterministic: ArrayLike<number>;
  std: ArrayLike<number>;
}

/**
 * Figure 2a for one layer. Units are split by their O* at the last probe (after training): active
 * (> 0.1) or inactive; each probe gives the mean and 5%/95% percentiles of std(O) in each group.
 * The typical unit of a group is the one whose final std(O) is the group's median.
 */
export function figure2aLayer(layer: number, probes: ProbeSnapshot[]): Figure2aLayer {
  const last = probes[probes.length - 1];
  const active: number[] = [];
  const inactive: number[] = [];
  if (last) {
    for (let i = 0; i < last.deterministic.length; i++) (last.deterministic[i]! > ACTIVE_THRESHOLD ? active : inactive).push(i);
  }
  const groupBand = (units: number[]) => probes.map((p) => band(units.map((u) => p.std[u]!)));
  const typical = (units: number[]) => {
    if (!last || units.length === 0) return null;
    const finals = sortedCopy(units.map((u) => last.std[u]!));
    const target = percentileSorted(finals, 0.5);
    let best = units[0]!;
    for (const u of units) if (Math.abs(last.std[u]! - target) < Math.abs(last.std[best]! - target)) best = u;
    return { unit: best, std: probes.map((p) => p.std[best]!) };
  };
  return {
    layer,
    at: probes.map((p) => p.at),
    active: groupBand(active),
    inactive: groupBand(inactive),
    typicalActive: typical(active),
    typicalInactive: typical(inactive),
  };
}
