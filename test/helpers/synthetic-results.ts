// A synthetic Results object with the shape and rough statistics of a real run (sparse logistic
// units, small spreads), for testing the report generator without training a network.
import { approximationLayer, figure1Layer, figure2aLayer, figure2bLayer, figure3Layer, type LayerColumns, type ProbeSnapshot } from '../../app/report/analysis.js';
import { allClaims } from '../../app/report/claims.js';
import { keepHalfLayer, sparseConsistencyLayer, type LayerWeights } from '../../app/report/eq31.js';
import { geometricGapSummary } from '../../app/report/geometric-gaps.js';
import type { Results, RunSettings } from '../../app/report/results.js';
import { seededRandom } from '../../app/report/stats-math.js';

/**
 * Columns of one layer: E from a skewed distribution, V ∝ E(1−E), gap from the delta method ± 5%,
 * the Gaussian-S estimate within 2% of the gap, G and G′ from their leading terms V/(2E), V/(2(1−E)).
 */
export function syntheticLayer(units: number, rand: () => number): LayerColumns {
  const col = () => new Float64Array(units);
  const c = {
    mean: col(), variance: col(), std: col(), geometricMean: col(), complementGeometricMean: col(), nwgm: col(), deterministic: col(),
    secondOrder: col(), deltaMethod: col(), gaussianGap: col(), propagatedGap: col(), bound: col(), standardError: col(), meanS: col(),
  };
  for (let i = 0; i < units; i++) {
    const E = Math.min(0.999, Math.max(0.001, rand() ** 3));
    const V = 0.05 * E * (1 - E) * rand();
    const delta = (V * (1 - 2 * E)) / (2 * E * (1 - E));
    const gap = delta * (1 + 0.1 * (rand() - 0.5));
    c.mean[i] = E;
    c.variance[i] = V;
    c.std[i] = Math.sqrt(V);
    c.geometricMean[i] = E - V / (2 * E);
    c.complementGeometricMean[i] = 1 - E - V / (2 * (1 - E));
    c.meanS[i] = Math.log(E / (1 - E));
    c.nwgm[i] = E - gap;
    c.deterministic[i] = E - gap * 1.2;
    c.secondOrder[i] = (V * (1 - 2 * E)) / (1 - 2 * V);
    c.deltaMethod[i] = delta;
    c.gaussianGap[i] = gap * (1 + 0.04 * (rand() - 0.5));
    c.propagatedGap[i] = gap * (1 + 0.1 * (rand() - 0.5));
    c.bound[i] = 2 * E * (1 - E) * Math.abs(1 - 2 * E);
    c.standardError[i] = Math.sqrt(V / 10000);
  }
  return c;
}

export function syntheticResults(units = 50, layers = 4, seed = 3): Results {
  const rand = seededRandom(seed);
  const hidden = Array.from({ length: layers }, () => units);
  const perInput = Array.from({ length: 3 }, () => hidden.map(() => syntheticLayer(units, rand)));
  const probes: ProbeSnapshot[][] = hidden.map(() => []);
  for (let k = 0; k <= 10; k++) {
    hidden.forEach((_, h) => {
      const final = perInput[0]![h]!;
      probes[h]!.push({ at: k / 5, deterministic: final.deterministic, std: Array.from(final.std, (s) => s * Math.sin((Math.PI * Math.min(k, 6)) / 8)) });
    });
  }
  const settings: RunSettings = {
    preset: 'custom', shortRun: true, hidden, inputKeep: 0.8, hiddenKeep: 0.5, trainCount: 500, epochs: 2, batchSize: 50,
    optimizer: 'adam', learningRate: [1e-3, 1e-3], momentum: [0.9, 0.9], maxNorm: 0, init: 'engine', samples: 10000, inputs: 3,
    histogramInputs: 3, probeInputs: 1, probeEvery: 5, probeSamples: 100, monteCarloTestCount: 100, monteCarloTestSamples: 10,
    seed, threads: 1, backend: 'cpu',
  };
  const approximation = hidden.map((_, h) => approximationLayer(h + 1, perInput.map((p) => p[h]!)));
  const f2a = hidden.map((_, h) => figure2aLayer(h + 1, probes[h]!));
  const f2b = hidden.map((_, h) => figure2bLayer(h + 1, perInput.map((p) => p[h]!)));
  const f3 = hidden.map((_, h) => figure3Layer(h + 1, perInput.flatMap((p) => Array.from(p[h]!.deterministic))));
  // Random weights between equal-width layers, for Eq. 31's rows.
  const weights = (): LayerWeights => ({ weights: Array.from({ length: units * units }, () => 2 * rand() - 1), rows: units, cols: units });
  const pixels = perInput.map(() => Array.from({ length: units }, () => (rand() < 0.8 ? 0 : rand())));
  const sparseConsistency = hidden.slice(1).map((_, k) => sparseConsistencyLayer(k + 2, weights(), 0.5, perInput.map((p) => ({ below: p[k]!.deterministic, meanS: p[k + 1]!.meanS, deterministic: p[k + 1]!.deterministic }))));
  const keepHalf = hidden.map((_, h) => keepHalfLayer(h + 1, weights(), h === 0 ? pixels : perInput.map((p) => p[h - 1]!.deterministic)));
  const geometricGaps = geometricGapSummary(perInput.flat());
  const testError = { weightScaled: { error: 0.05, count: 1000 }, monteCarlo: { error: 0.06, count: 100, samples: 10 } };
  return {
    version: 1,
    createdAt: new Date(0).toISOString(),
    settings,
    environment: { node: process.version, platform: 'linux x64', cpus: 2, cpuKernel: 'synthetic', resumed: false },
    training: [1, 2].map((epoch) => ({ epoch, loss: 0.5 / epoch, trainError: 0.1 / epoch, testError: 0.08 / epoch, seconds: 1, learningRate: 1e-3, momentum: 0.9 })),
    testError,
    fixedInputs: [0, 1, 2],
    figure1: { input: 0, layers: hidden.map((_, h) => figure1Layer(h + 1, perInput[0]![h]!)) },
    figure2a: { probeInput: 0, layers: f2a },
    figure2b: { inputs: 3, layers: f2b },
    figure3: { inputs: 3, layers: f3 },
    approximation,
    geometricGaps,
    sparseConsistency,
    keepHalf,
    claims: allClaims({ settings, approximation, figure2a: f2a, figure2b: f2b, figure3: f3, testError, geometricGaps, sparseConsistency, keepHalf }),
    timings: { loadSeconds: 0.3, trainSeconds: 2, monteCarloSeconds: 1, histogramSeconds: 0.1, testSeconds: 0.2, reportSeconds: 0, totalSeconds: 3.6 },
  };
}
