// net.ensembleStatsMany(inputs, count, options): the consistency and gap columns of ensembleStats,
// averaged over a set of inputs (the paper averages consistency over a training or test set).
import { InvalidArgumentError } from '../errors.js';
import type { ResolvedSpec } from '../network/spec.js';
import { checkElementCount, checkInteger } from '../validate.js';
import { ownedFloat32 } from '../keep-attached.js';
import { activationName } from '../network/description.js';
import { countBoundViolations } from './checks.js';
import type { EnsembleOptions } from './sample.js';
import type { EnsembleStats } from './stats.js';
import type { ColumnSummary } from './summary.js';
import { summarize } from './summary.js';

/** Columns averaged per unit over the inputs. `gap` is E − NWGM. */
export const AVERAGED_COLUMNS = ['mean', 'deterministic', 'variance', 'std', 'gap', 'secondOrder', 'deltaMethod', 'bound', 'tightBound'] as const;
export type AveragedColumn = (typeof AVERAGED_COLUMNS)[number];

export interface AveragedLayerStats extends Record<AveragedColumn, Float64Array> {
  index: number;
  units: number;
  activation: string;
  /** Per column: mean and 5th/95th percentiles over the units of the per-unit averages. */
  summary: Record<AveragedColumn, ColumnSummary>;
  /** Fraction of the inputs at which each unit was active (O* > 0.1). */
  activeFraction: Float64Array;
}

export interface EnsembleStatsMany {
  count: number;
  samples: number;
  layers: AveragedLayerStats[];
  /** Eq. 22 bound violations over all inputs and logistic units (3 standard errors of slack). */
  boundViolations: { checked: number; violations: number; tightViolations: number };
}

/** The validated arguments of ensembleStatsMany: `count` inputs of `spec.inputs` values each. */
export function checkManyArguments(where: string, spec: ResolvedSpec, inputs: unknown, count: unknown, options: EnsembleOptions | undefined): { inputs: Float32Array; count: number } {
  const n = checkInteger(where, 'count', count, 1);
  checkElementCount(where, 'inputs', n, spec.inputs);
  const x = ownedFloat32(where, 'inputs', inputs, n * spec.inputs);
  if (options && (options.masks !== undefined || options.returnMasks !== undefined || options.returnState !== undefined)) {
    throw new InvalidArgumentError(`${where}: options.masks, options.returnMasks and options.returnState apply to one input; use ensembleStats`);
  }
  return { inputs: x, count: n };
}

/**
 * Averages the statistics of each of `n` inputs ([n × spec.inputs], checked by checkManyArguments),
 * which `statsOf` computes one input at a time.
 */
export async function averageStats(spec: ResolvedSpec, inputs: Float32Array, n: number, statsOf: (input: Float32Array) => Promise<EnsembleStats>): Promise<EnsembleStatsMany> {
  const layers: AveragedLayerStats[] = spec.layers.map((l, k) => {
    const z = () => new Float64Array(l.units);
    const cols = Object.fromEntries(AVERAGED_COLUMNS.map((c) => [c, z()])) as Record<AveragedColumn, Float64Array>;
    const activation = activationName(l.activation);
    return { index: k + 1, units: l.units, activation, ...cols, activeFraction: z(), summary: {} as Record<AveragedColumn, ColumnSummary> };
  });
  const violations = { checked: 0, violations: 0, tightViolations: 0 };
  let samples = 0;
  const d = spec.inputs;
  for (let i = 0; i < n; i++) {
    const s = await statsOf(inputs.subarray(i * d, (i + 1) * d));
    samples = s.samples;
    const v = countBoundViolations(s, { standardErrors: 3 });
    violations.checked += v.checked;
    violations.violations += v.violations;
    violations.tightViolations += v.tightViolations;
    s.layers.forEach((l, k) => {
      const acc = layers[k]!;
      for (let u = 0; u < l.units; u++) {
        acc.mean[u] += l.mean[u]! / n;
        acc.deterministic[u] += l.deterministic[u]! / n;
        acc.variance[u] += l.variance[u]! / n;
        acc.std[u] += l.std[u]! / n;
        acc.gap[u] += (l.mean[u]! - l.nwgm[u]!) / n;
        acc.secondOrder[u] += l.secondOrder[u]! / n;
        acc.deltaMethod[u] += l.deltaMethod[u]! / n;
        acc.bound[u] += l.bound[u]! / n;
        acc.tightBound[u] += l.tightBound[u]! / n;
        if (l.deterministic[u]! > 0.1) acc.activeFraction[u] += 1 / n;
      }
    });
  }
  for (const l of layers) for (const c of AVERAGED_COLUMNS) l.summary[c] = summarize(l[c]);
  return { count: n, samples, layers, boundViolations: violations };
}
