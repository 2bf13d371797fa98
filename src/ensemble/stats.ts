// The per-neuron columns of ensembleStats / exactEnsemble, derived in one place from the moments
// the addon returns (native/core/ensemble_moments.h), with the formulas of src/theory.
import type { RawEnsembleMoments } from '../native.js';
import { bound, deltaMethodGap, secondOrderGap, tightBound } from '../theory/gap.js';
import { nwgmFromLogs, softmax } from '../theory/means.js';
import type { ColumnSummary } from './summary.js';
import { summarize } from './summary.js';
import type { Activation } from '../network/spec.js';
import { softmaxMoments, unitMoments } from './gaussian-units.js';
import { activationName } from '../network/description.js';

/** Names of the per-unit Float64Array columns of a layer. */
export const COLUMNS = [
  'mean', 'variance', 'std', 'geometricMean', 'complementGeometricMean', 'nwgm', 'deterministic',
  'secondOrder', 'bound', 'tightBound', 'thirdCentralMoment', 'deltaMethod', 'gaussianGap', 'meanS', 'varianceS', 'standardError',
] as const;
export type ColumnName = (typeof COLUMNS)[number];

/** Active units: O* > 0.1 (Figure 2b of the paper). */
export const ACTIVE_THRESHOLD = 0.1;

export interface LayerSummary {
  /** Every unit. */
  all: Record<ColumnName, ColumnSummary>;
  /** Units with O* > 0.1. */
  active: Record<ColumnName, ColumnSummary>;
  activeCount: number;
}

export interface EnsembleLayerStats extends Record<ColumnName, Float64Array> {
  /** Paper layer h (1..L); this is entry h − 1 of spec.layers. */
  index: number;
  units: number;
  /** 'logistic' | 'linear' | 'softmax' | 'relu' | 'tanh'. */
  activation: string;
  /**
   * mean E(O); variance Var(O) (the distribution over subnetworks); std; geometricMean G = Π O^P;
   * complementGeometricMean G′ = Π (1 − O)^P; nwgm G/(G+G′) (softmax: G_i / Σ_j G_j);
   * deterministic O* (weight-scaled network, Eq. 4/13); secondOrder V(1−2E)/(1−2V) (Eq. 20);
   * bound 2E(1−E)|1−2E| and tightBound E(1−E)|1−2E|/(1−2V) (Eq. 22); thirdCentralMoment κ3;
   * deltaMethod (see theory.deltaMethodGap); gaussianGap, the Gaussian-S estimate of E − NWGM:
   * E[f(S)] − f(E(S)) for S ~ N(meanS, varianceS) (Gauss–Hermite quadrature; for a softmax layer the
   * unscented transform over independent S_j, as propagate('gaussian')) — for logistic and softmax
   * units NWGM = f(E(S)) exactly (Eq. 5–7), so the whole gap is E[f(S)] − f(E(S)), and S, a sum over
   * many gated inputs, is close to Gaussian; meanS E(S); varianceS Var(S); standardError of mean
   * (0 for the exact ensemble). G, G′, NWGM and gaussianGap are NaN for linear, ReLU and tanh units;
   * the Eq. 20/22 and delta-method columns are for logistic units only (NaN elsewhere).
   */
  summary: LayerSummary;
}

export interface EnsembleStats {
  /** Subnetworks sampled, or 2^gates enumerated. */
  samples: number;
  /** True for exactEnsemble. */
  exact: boolean;
  /** Gates enumerated (exact) or 0. */
  gates: number;
  layers: EnsembleLayerStats[];
  /**
   * Monte Carlo with returnState, and mergeEnsembleStates: the mergeable moments of the run as bytes
   * (versioned and checksummed; see src/ensemble/state.ts), for mergeEnsembleStates.
   */
  state?: Buffer;
  /** With `state`: the subnetworks [start, end) of the seed's run these statistics cover. */
  sampleRange?: [number, number];
  /** Monte Carlo with returnMasks: the masks (unit mode: one [samples × units_l] per l = 0..L−1; connection mode: one [samples × units_h·units_l] per weight matrix, in spec order). */
  masks?: Uint8Array[];
}

/** The layers' shapes deriveStats needs: a ResolvedSpec, or the header of an ensemble state. */
export interface LayerShapes {
  layers: ReadonlyArray<{ units: number; activation: Activation }>;
}

export function deriveStats(spec: LayerShapes, raw: RawEnsembleMoments, exact: boolean): EnsembleStats {
  const layers = raw.layers.map((m, k): EnsembleLayerStats => {
    const layer = spec.layers[k]!;
    const units = layer.units;
    const activation = activationName(layer.activation);
    const logistic = activation === 'logistic';
    const geometric = logistic || activation === 'softmax';
    const col = () => new Float64Array(units);
    const std = col(), G = col(), Gc = col(), nwgm = col(), second = col(), b = col(), tb = col(), delta = col(), se = col();
    const gaussian = gaussianGaps(activation, layer.activation, m.meanS, m.varianceS);
    const softNwgm = activation === 'softmax' ? softmax(m.meanLogO) : null;
    for (let i = 0; i < units; i++) {
      const E = m.mean[i]!;
      const V = m.variance[i]!;
      std[i] = Math.sqrt(V);
      se[i] = exact ? 0 : Math.sqrt(V / raw.samples);
      G[i] = geometric ? Math.exp(m.meanLogO[i]!) : NaN;
      Gc[i] = geometric ? Math.exp(m.meanLog1mO[i]!) : NaN;
      nwgm[i] = logistic ? nwgmFromLogs(m.meanLogO[i]!, m.meanLog1mO[i]!) : softNwgm ? softNwgm[i]! : NaN;
      second[i] = logistic ? secondOrderGap(E, V) : NaN;
      b[i] = logistic ? bound(E, V) : NaN;
      tb[i] = logistic ? tightBound(E, V) : NaN;
      delta[i] = logistic ? deltaMethodGap(E, V, m.third[i]!) : NaN;
    }
    const columns: Record<ColumnName, Float64Array> = {
      mean: m.mean, variance: m.variance, std, geometricMean: G, complementGeometricMean: Gc, nwgm,
      deterministic: m.deterministic, secondOrder: second, bound: b, tightBound: tb,
      thirdCentralMoment: m.third, deltaMethod: delta, gaussianGap: gaussian, meanS: m.meanS, varianceS: m.varianceS, standardError: se,
    };
    return { index: k + 1, units, activation, ...columns, summary: summarizeLayer(columns) };
  });
  const out: EnsembleStats = { samples: raw.samples, exact, gates: raw.gates, layers };
  if (raw.masks) out.masks = raw.masks;
  return out;
}

/** E[f(S)] − f(E(S)) per unit for S Gaussian with the given mean and variance; NaN where NWGM is undefined. */
function gaussianGaps(kind: string, activation: Activation, meanS: Float64Array, varianceS: Float64Array): Float64Array {
  const n = meanS.length;
  const out = new Float64Array(n);
  if (kind === 'softmax') {
    const [mean] = softmaxMoments(meanS, varianceS);
    const atMean = softmax(meanS);
    for (let i = 0; i < n; i++) out[i] = mean[i]! - atMean[i]!;
  } else if (kind === 'logistic') {
    for (let i = 0; i < n; i++) out[i] = unitMoments(kind, activation, meanS[i]!, varianceS[i]!)[0] - unitMoments(kind, activation, meanS[i]!, 0)[0];
  } else {
    out.fill(NaN);
  }
  return out;
}

export function summarizeLayer(columns: Record<ColumnName, Float64Array>): LayerSummary {
  const det = columns.deterministic;
  const active = (i: number) => det[i]! > ACTIVE_THRESHOLD;
  const all = {} as Record<ColumnName, ColumnSummary>;
  const act = {} as Record<ColumnName, ColumnSummary>;
  for (const name of COLUMNS) {
    all[name] = summarize(columns[name]);
    act[name] = summarize(columns[name], active);
  }
  let activeCount = 0;
  for (let i = 0; i < det.length; i++) if (active(i)) activeCount++;
  return { all, active: act, activeCount };
}
