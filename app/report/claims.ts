// The "the paper says / we measured" table: one row per claim of Section 6, and of Sections 4 and
// 5.3 that the measurements can test (claims-geometric.ts, claims-eq31.ts), each with the criterion
// we used to call it agreement, and the numbers behind it.
import { finiteNumbers, num, pct, perLayer } from './claim-format.js';
import { eMinusGClaim, nwgmVsGClaim } from './claims-geometric.js';
import { keepHalfClaim, sparseConsistencyClaim } from './claims-eq31.js';
import type { ApproximationLayer, Claim, Figure2aLayer, Figure2bLayer, Figure3Layer, GeometricGapSummary, KeepHalfLayer, RunSettings, SparseConsistencyLayer, TestErrors } from './results.js';

export interface ClaimInputs {
  settings: RunSettings;
  approximation: ApproximationLayer[];
  figure2a: Figure2aLayer[];
  figure2b: Figure2bLayer[];
  figure3: Figure3Layer[];
  testError: TestErrors;
  geometricGaps: GeometricGapSummary;
  sparseConsistency: SparseConsistencyLayer[];
  keepHalf: KeepHalfLayer[];
}

export function boundClaim(a: ApproximationLayer[]): Claim {
  const units = a.reduce((s, l) => s + l.units, 0);
  const raw = a.reduce((s, l) => s + l.boundViolations, 0);
  const beyondNoise = a.reduce((s, l) => s + l.boundViolationsBeyondNoise, 0);
  const holds = units ? (units - beyondNoise) / units : NaN;
  return {
    id: 'bound',
    paper: 'The bound of Eq. 22, |E − NWGM| ≤ 2E(1−E)|1−2E|, is accurate (Figure 1, left).',
    measured: `Holds within sampling noise for ${pct(holds, 2)} of ${units} neuron-inputs (${beyondNoise} violations beyond 2 standard errors of E, ${raw} raw violations). ` +
      `Tightness, the median |E − NWGM| / bound: ${perLayer(a.map((l) => l.boundTightness), (x) => num(x, 3))}.`,
    agrees: holds >= 0.99,
    criterion: 'the bound holds for at least 99% of hidden neuron-inputs over all fixed inputs, a violation counting only where |E − NWGM| exceeds the bound by more than 2 standard errors of E',
    numbers: finiteNumbers([['fraction', holds], ['units', units], ['violations', beyondNoise], ['rawViolations', raw], ...a.map((l): [string, number] => [`tightnessL${l.layer}`, l.boundTightness])]),
  };
}

type EstimateField = 'secondOrder' | 'gaussianGap' | 'propagatedGap' | 'deltaMethod';

/** A row for one estimate of E − NWGM: its median relative error per layer, at most `limit` in every one. */
function estimateClaim(a: ApproximationLayer[], id: string, paper: string, field: EstimateField, limit: number, digits: number, prefix: string, suffix = ''): Claim {
  const med = (l: ApproximationLayer) => l[`${field}MedianRelError`];
  const se = (l: ApproximationLayer) => l[`${field}MedianRelErrorSE`];
  const worst = Math.max(...a.map(med).filter(Number.isFinite));
  return {
    id,
    paper,
    measured: `${prefix}${a.map((l) => `L${l.layer} ${pct(med(l), digits)} ± ${pct(se(l), 1)}`).join(', ')}${suffix}.`,
    agrees: worst <= limit,
    criterion: `median relative error ≤ ${Math.round(100 * limit)}% in every hidden layer`,
    numbers: Object.fromEntries(a.flatMap((l) => [[`L${l.layer}`, med(l)], [`L${l.layer}SE`, se(l)]])),
  };
}

export function secondOrderClaim(a: ApproximationLayer[]): Claim {
  return estimateClaim(a, 'second-order', 'The second-order approximation of Eq. 20, E − NWGM ≈ V(1−2E)/(1−2V), is accurate (Figure 1, left).', 'secondOrder', 0.1, 0,
    'Median relative error against the Monte Carlo E − NWGM: ', ` (over ${a.reduce((s, l) => s + l.comparedUnits, 0)} neuron-inputs with a resolved gap)`);
}

export function gaussianGapClaim(a: ApproximationLayer[]): Claim {
  return estimateClaim(a, 'gaussian-s', "(Not in the paper; the library's estimate.) For a logistic unit NWGM = f(E(S)) exactly (Eq. 5–7), so E − NWGM = E[f(S)] − f(E(S)); with S, a sum over many gated inputs, taken as Gaussian with its sampled mean and variance, quadrature gives the gap.",
    'gaussianGap', 0.1, 1, 'Median relative error: ');
}

export function propagatedGapClaim(a: ApproximationLayer[]): Claim {
  return estimateClaim(a, 'sampling-free', "(Not in the paper; the library's sampling-free estimate.) propagateAsync(input, { method: 'covariance' }) carries each layer's mean and covariance up the network (the gates of a layer are shared by every unit above it, so an upper unit's inputs are correlated), takes S Gaussian, and estimates E − NWGM = E[f(S)] − f(E(S)) without drawing a subnetwork.",
    'propagatedGap', 0.15, 1, 'Median relative error: ');
}

export function deltaMethodClaim(a: ApproximationLayer[]): Claim {
  return estimateClaim(a, 'delta-method', '(Not in the paper.) The delta-method estimate V(1−2E)/(2E(1−E)) − (E(1−E)/3)(1/E³ + 1/(1−E)³)κ3, an expansion in the moments of O: it converges as std(O) becomes small against E and 1 − E, and fails where it is not (saturated or widely spread units of a trained network).',
    'deltaMethod', 0.1, 0, 'Median relative error: ');
}

/** "Only for active neurons": the inactive neurons' mean |E − O*| may be at most this fraction of the active ones'. */
export const INACTIVE_E_MINUS_OSTAR_FACTOR = 0.25;

export function eMinusOStarClaim(a: ApproximationLayer[]): Claim {
  const act = a.map((l) => l.meanAbsEMinusOStarActive);
  const ina = a.map((l) => l.meanAbsEMinusOStarInactive);
  // A layer without inactive (or active) neurons has no contrast to show and does not count against.
  const onlyActive = a.every((l) => !(l.meanAbsEMinusOStarInactive > INACTIVE_E_MINUS_OSTAR_FACTOR * l.meanAbsEMinusOStarActive));
  const growth = act[act.length - 1]! / act[0]!;
  return {
    id: 'e-minus-ostar',
    paper: 'E − O* grows very slowly in the higher layers, and only for active neurons (Figure 1, right).',
    measured: `Mean |E − O*| of active neurons: ${perLayer(act, (x) => num(x, 4))}; of inactive neurons: ${perLayer(ina, (x) => num(x, 4))} ` +
      `(inactive/active ${perLayer(a.map((l) => l.meanAbsEMinusOStarInactive / l.meanAbsEMinusOStarActive), (x) => num(x, 2))}); top/first layer ratio ${num(growth, 2)}.`,
    agrees: onlyActive && growth < 4,
    criterion: `in every layer the inactive neurons’ mean |E − O*| is at most ${INACTIVE_E_MINUS_OSTAR_FACTOR}× the active neurons’, and the top hidden layer’s mean |E − O*| is under 4× the first layer’s`,
    numbers: finiteNumbers([['growth', growth], ...a.flatMap((l): Array<[string, number]> => [[`activeL${l.layer}`, l.meanAbsEMinusOStarActive], [`inactiveL${l.layer}`, l.meanAbsEMinusOStarInactive]])]),
  };
}

export function consistencyClaim(b: Figure2bLayer[]): Claim {
  const ratio = b[b.length - 1]!.mean / b[0]!.mean;
  return {
    id: 'consistency',
    paper: 'Consistency does not noticeably decline in the upper layers: mean std(O) of active neurons stays level (Figure 2b).',
    measured: `Mean std(O) of active neurons: ${b.map((l) => `L${l.layer} ${num(l.mean)} [${num(l.p5)}, ${num(l.p95)}]`).join(', ')}; top/first ratio ${num(ratio, 2)}.`,
    agrees: ratio <= 1.5,
    criterion: 'the top hidden layer’s mean std(O) of active neurons is at most 1.5× the first layer’s',
    numbers: { ratio, ...Object.fromEntries(b.map((l) => [`L${l.layer}`, l.mean])) },
  };
}

export function sparsityClaim(h: Figure3Layer[]): Claim {
  const agrees = h.every((l) => l.fractionInactive >= 0.5 && l.skewness > 0);
  return {
    id: 'sparse',
    paper: 'In every hidden layer the activations O* are sparse and not symmetric (Figure 3).',
    measured: `Fraction of O* < 0.1: ${perLayer(h.map((l) => l.fractionInactive), (x) => pct(x, 0))}; skewness ${perLayer(h.map((l) => l.skewness), (x) => num(x, 2))}.`,
    agrees,
    criterion: 'in every hidden layer at least half of the O* are below 0.1 and the skewness is positive',
    numbers: Object.fromEntries(h.flatMap((l) => [[`inactiveL${l.layer}`, l.fractionInactive], [`skewnessL${l.layer}`, l.skewness]])),
  };
}

/** Phase 3 is judged on the last quarter of the probes, and on at least this many. */
export const SETTLE_MIN_PROBES = 3;
/** Phase 3: over those probes the mean std(O) may vary (max − min) by at most this fraction of the peak. */
export const SETTLE_TOLERANCE = 0.2;

/** Section 5.3's three phases in one layer, from the active neurons' mean std(O) at each probe. */
export function phaseNumbers(l: Figure2aLayer) {
  const a = l.active.map((b) => b.mean);
  const first = a[0] ?? NaN;
  const peak = a.length ? Math.max(...a) : NaN;
  const peakIndex = a.indexOf(peak);
  const tail = Math.max(SETTLE_MIN_PROBES, Math.ceil(a.length / 4));
  const settling = a.length >= SETTLE_MIN_PROBES ? a.slice(a.length - tail) : [];
  const settleRange = settling.length ? Math.max(...settling) - Math.min(...settling) : NaN;
  const final = a[a.length - 1] ?? NaN;
  const inactiveFinal = l.inactive[l.inactive.length - 1]?.mean ?? NaN;
  return {
    layer: l.layer,
    first,
    peak,
    peakAt: l.at[peakIndex] ?? NaN,
    final,
    inactiveFinal,
    settleProbes: settling.length,
    settleRange,
    /** (1) consistent at the start: std(O) at the first probe under half its peak. */
    startsLow: first < 0.5 * peak,
    /** (2) the consistency falls: the peak comes after the first probe. */
    rises: peakIndex > 0,
    /** (3) it converges: over the last quarter of the probes std(O) varies by at most 20% of the peak. */
    settles: settling.length >= SETTLE_MIN_PROBES && settleRange <= SETTLE_TOLERANCE * peak,
    inactiveQuieter: inactiveFinal < final,
  };
}

export function phasesClaim(p: Figure2aLayer[]): Claim {
  const rows = p.map(phaseNumbers);
  const agrees = rows.length > 0 && rows.every((r) => r.startsLow && r.rises && r.settles && r.inactiveQuieter);
  return {
    id: 'phases',
    paper: 'Three learning phases (Section 5.3): a typical active neuron starts with low variance, rises during learning, then settles to a stable value; a typical inactive neuron quickly stays silent (Figure 2a).',
    measured: rows.map((r) =>
      `L${r.layer}: active std(O) (1) ${num(r.first)} at the first probe, (2) peak ${num(r.peak)} at epoch ${num(r.peakAt, 2)}, ` +
      `(3) varies by ${num(r.settleRange)} (${pct(r.settleRange / r.peak, 0)} of the peak) over the last ${r.settleProbes} probes, ending at ${num(r.final)}; inactive ends at ${num(r.inactiveFinal)}`).join('; ') + '.',
    agrees,
    criterion: `in every layer, for the active neurons’ mean std(O): (1) at the first probe it is under half its peak, (2) the peak comes after the first probe, (3) over the last quarter of the probes (at least ${SETTLE_MIN_PROBES}) it varies by at most ${pct(SETTLE_TOLERANCE, 0)} of the peak (max − min); and inactive neurons end with a lower mean std(O) than active ones`,
    numbers: finiteNumbers(rows.flatMap((r): Array<[string, number]> => [
      [`firstL${r.layer}`, r.first], [`peakL${r.layer}`, r.peak], [`peakAtL${r.layer}`, r.peakAt], [`settleRangeL${r.layer}`, r.settleRange],
      [`finalL${r.layer}`, r.final], [`inactiveFinalL${r.layer}`, r.inactiveFinal],
    ])),
  };
}

export function testErrorClaim(t: TestErrors, s: RunSettings): Claim {
  return {
    id: 'test-error',
    paper: 'The network replicates Hinton et al. 2012 ([7]): about 1.1–1.3% test error on MNIST.',
    measured: `Weight-scaled: ${pct(t.weightScaled.error, 2)} on ${t.weightScaled.count} test digits; Monte Carlo (${t.monteCarlo.samples} subnetworks): ${pct(t.monteCarlo.error, 2)} on ${t.monteCarlo.count}` +
      (s.shortRun ? ` — a short run of ${s.epochs} epoch${s.epochs === 1 ? '' : 's'}, not the full recipe.` : '.'),
    agrees: t.weightScaled.error <= 0.013,
    criterion: 'weight-scaled test error ≤ 1.3%',
    numbers: { weightScaled: t.weightScaled.error, monteCarlo: t.monteCarlo.error },
  };
}

/**
 * Claims about a trained network: a short run's network may not be trained enough to judge them,
 * and when one of them differs the report says so. Measured with this engine: the test error
 * (≤ 1.3%) needs the full run; consistency and E − O* agree after the quick run (top/first 1.02 and
 * 1.64, inactive/active at most 0.24) and consistency after the full one, where E − O*'s "only for
 * active neurons" part differs (inactive neurons up to 0.29× the active ones' against ≤ 0.25×; on
 * other seeds of the quick run 0.26–0.28 at 20 inputs: that part sits at the criterion's edge on
 * every network measured). Not listed: the phases, which the quick run's small initialisation
 * shows and the full run's engine initialisation does not (its std(O) starts at its peak);
 * e-minus-g and nwgm-vs-g, whose verdict is set by how the units' E spread over (0, 1), not by how
 * long the network trained; keep-half, an identity; sparse-consistency, which agreed after both runs.
 */
export const NEED_FULL_RUN: readonly string[] = ['e-minus-ostar', 'consistency', 'test-error'];

/** The sentence a short run's report and command line give about NEED_FULL_RUN. */
export function shortRunNote(claims: Claim[]): string {
  const names = claims.filter((c) => NEED_FULL_RUN.includes(c.id) && !c.agrees).map((c) => CLAIM_NAMES[c.id] ?? c.id);
  return names.length === 0
    ? ''
    : `This short run's network is not fully trained: ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} judged on a trained network by \`reproduce --full\`.`;
}

const CLAIM_NAMES: Record<string, string> = { 'e-minus-ostar': 'E − O*', consistency: 'consistency', 'test-error': 'the test error' };

export function allClaims(c: ClaimInputs): Claim[] {
  return [
    boundClaim(c.approximation),
    secondOrderClaim(c.approximation),
    gaussianGapClaim(c.approximation),
    propagatedGapClaim(c.approximation),
    deltaMethodClaim(c.approximation),
    eMinusOStarClaim(c.approximation),
    consistencyClaim(c.figure2b),
    sparsityClaim(c.figure3),
    phasesClaim(c.figure2a),
    eMinusGClaim(c.geometricGaps),
    nwgmVsGClaim(c.geometricGaps),
    sparseConsistencyClaim(c.sparseConsistency),
    keepHalfClaim(c.keepHalf),
    testErrorClaim(c.testError, c.settings),
  ];
}
