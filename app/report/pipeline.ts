// The reproduction of Section 6, phase by phase: load MNIST, train with probes (Figure 2a),
// Monte Carlo statistics at fixed test inputs (Figures 1, 2b, the claims), O* at 100 random test
// inputs (Figure 3), the test error of the weight-scaled and Monte Carlo predictions, the report.
// Checkpoints are written on interrupt and after each phase, so `--resume` continues where it stopped.
import { availableParallelism, cpus, platform, arch } from 'node:os';
import { AbortError, info, loadMnist, type Mnist, Network } from 'dropout-ensemble';
import { approximationLayer, figure1Layer, figure2aLayer, figure2bLayer, figure3Layer, type LayerColumns } from './analysis.js';
import { completeColumns, loadCheckpoint, removeCheckpoint, saveCheckpoint, serializeColumns, type CheckpointState } from './checkpoint.js';
import { allClaims } from './claims.js';
import { hiddenActivations, hiddenLayerStats } from './engine.js';
import { keepHalfRows, sparseConsistencyRows } from './eq31-network.js';
import { geometricGapSummary } from './geometric-gaps.js';
import { trainWithProbes, type LabelledData, type StoredProbe } from './probed-training.js';
import { smallUniformInit } from './presets.js';
import type { ProgressSink } from './progress.js';
import type { EpochRecord, Results, RunSettings, TestErrors, Timings } from './results.js';
import { seededRandom } from './stats-math.js';
import { writeReport, type WrittenReport } from './write.js';

/** Thrown when the user interrupted the run; a checkpoint has been saved in `dir`. */
export class InterruptedError extends Error {
  constructor(readonly dir: string) {
    super(`interrupted; checkpoint saved in ${dir} — run the same command with --resume to continue`);
    this.name = 'InterruptedError';
  }
}

/** Thrown when `--resume` finds a checkpoint made with other settings. */
export class CheckpointMismatchError extends Error {
  override name = 'CheckpointMismatchError';
}

export interface PipelineOptions {
  outDir: string;
  resume: boolean;
  progress: ProgressSink;
  /** Fires on Ctrl-C: the current phase stops, a checkpoint is written, InterruptedError is thrown. */
  signal: AbortSignal;
  /** The data (tests pass small subsets); default loadMnist(). */
  data?: Mnist;
}

/** `count` distinct indices in [0, n), drawn from `seed` (partial Fisher–Yates). */
export function pickIndices(n: number, count: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const idx = Array.from({ length: n }, (_, i) => i);
  const k = Math.min(count, n);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, k);
}

const row = (set: LabelledData, i: number) => set.inputs.slice(i * 784, (i + 1) * 784);
const rows = (set: LabelledData, count: number): LabelledData => ({ inputs: set.inputs.subarray(0, count * 784), targets: set.targets.subarray(0, count), count });

function errorRate(labels: Int32Array, targets: Uint8Array): number {
  let wrong = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== targets[i]) wrong++;
  return wrong / labels.length;
}

/** Settings that must match for a checkpoint to be resumed (machine choices may differ). */
function sameScience(a: RunSettings, b: RunSettings): boolean {
  const strip = (s: RunSettings) => JSON.stringify({ ...s, threads: 0, backend: '' });
  return strip(a) === strip(b);
}

/** The paper's network for these settings, with the initial weights `s.init` names (presets.ts). */
function buildNetwork(s: RunSettings): Network {
  const net = new Network({
    inputs: 784,
    inputKeep: s.inputKeep,
    layers: [...s.hidden.map((units) => ({ units, activation: 'logistic' as const, keep: s.hiddenKeep })), { units: 10, activation: 'softmax' as const }],
    seed: s.seed,
    ...(s.threads > 0 ? { threads: s.threads } : {}),
    backend: s.backend as 'cpu' | 'auto' | 'cuda',
  });
  if (s.init === 'small-uniform') smallUniformInit(net, s.seed);
  return net;
}

export async function reproduce(settings: RunSettings, opt: PipelineOptions): Promise<{ results: Results; report: WrittenReport }> {
  const started = performance.now();
  const { progress, signal, outDir } = opt;
  const timings: Timings = { loadSeconds: 0, trainSeconds: 0, monteCarloSeconds: 0, histogramSeconds: 0, testSeconds: 0, reportSeconds: 0, totalSeconds: 0 };
  const since = (t: number) => (performance.now() - t) / 1000;

  // Resume: the checkpoint's settings rule; the caller's must agree except for machine choices.
  let state: Omit<CheckpointState, 'model' | 'version'> = { settings, trainingDone: false, history: [], probes: [], monteCarlo: [], timings };
  let net: Network;
  let resumed = false;
  const found = opt.resume ? await loadCheckpoint(outDir) : null;
  if (opt.resume && !found) throw new CheckpointMismatchError(`--resume: no checkpoint in ${outDir}/checkpoint; run without --resume to start`);
  if (found) {
    if (!sameScience(found.state.settings, settings)) {
      throw new CheckpointMismatchError(`--resume: the checkpoint in ${outDir}/checkpoint was made with other settings (${found.state.settings.preset}, ${found.state.settings.epochs} epochs, ${found.state.settings.samples} samples, seed ${found.state.settings.seed}); repeat those flags or start afresh without --resume`);
    }
    state = { ...found.state, settings };
    Object.assign(timings, found.state.timings);
    net = await Network.load(found.modelPath, { ...(settings.threads > 0 ? { threads: settings.threads } : {}), backend: settings.backend as 'cpu' | 'auto' });
    resumed = true;
    progress.log(`resuming from ${found.modelPath} (${state.history.length} epochs done)`);
  } else {
    net = buildNetwork(settings);
  }
  // The checkpoint's total includes this session so far; a resumed session adds its own.
  const checkpoint = () => saveCheckpoint(outDir, net, { ...state, timings: { ...timings, totalSeconds: timings.totalSeconds + since(started) } });
  const interrupted = async (e: unknown): Promise<never> => {
    if (e instanceof AbortError && signal.aborted) {
      progress.finish('interrupted');
      await checkpoint();
      throw new InterruptedError(`${outDir}/checkpoint`);
    }
    throw e;
  };

  // 1. Data.
  let t = performance.now();
  progress.phase('loading MNIST', 1, 'files');
  const mnist = opt.data ?? (await loadMnist());
  const train = rows(mnist.train, Math.min(settings.trainCount, mnist.train.count));
  const test = mnist.test;
  progress.finish(`${train.count} training, ${test.count} test digits`);
  timings.loadSeconds += since(t);
  const fixedInputs = pickIndices(test.count, settings.inputs, settings.seed * 2 + 1);
  const histogramInputs = pickIndices(test.count, settings.histogramInputs, settings.seed * 2 + 2);
  const probeInput = fixedInputs[0]!;

  // 2. Training with probes.
  if (!state.trainingDone) {
    t = performance.now();
    const totalExamples = settings.epochs * train.count;
    progress.phase('training', totalExamples, 'digits');
    try {
      await trainWithProbes(net, train, {
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        optimizer: settings.optimizer as 'adam' | 'sgd',
        learningRate: settings.learningRate,
        momentum: settings.momentum,
        maxNorm: settings.maxNorm,
        warmupEpochs: settings.warmupEpochs ?? 0,
        maskSharing: settings.maskSharing ?? 'example',
        ...(settings.firstLayerLearningRateScale !== undefined && settings.firstLayerLearningRateScale !== 1
          ? { learningRateScale: [settings.firstLayerLearningRateScale, ...settings.hidden.map(() => 1)] }
          : {}),
        validation: test,
        probe: settings.probeInputs > 0 ? { input: row(test, probeInput), every: settings.probeEvery, samples: settings.probeSamples, seed: settings.seed + 1000 } : null,
        signal,
        history: state.history,
        probes: state.probes as StoredProbe[],
        onProgress: (done, epoch, loss) => progress.update(done, `epoch ${epoch}/${settings.epochs}, loss ${loss.toFixed(3)}`),
        onEpoch: (r: EpochRecord) => progress.log(`epoch ${r.epoch}: loss ${r.loss.toFixed(4)}, test error ${r.testError === undefined ? 'n/a' : (100 * r.testError).toFixed(2) + '%'} (${r.seconds.toFixed(1)} s)`),
      });
    } catch (e) {
      timings.trainSeconds += since(t);
      return interrupted(e);
    }
    timings.trainSeconds += since(t);
    state.trainingDone = true;
    progress.finish(`${settings.epochs} epochs`);
    await checkpoint();
  }

  // 3. Monte Carlo statistics at the fixed inputs.
  t = performance.now();
  // An input stored without a column the analysis now reads (an older checkpoint) is measured again;
  // its seed depends only on its position, so the result is the one an uninterrupted run gets.
  const restored = state.monteCarlo.map(completeColumns);
  const perInput: LayerColumns[][] = [];
  progress.phase('Monte Carlo', settings.inputs * settings.samples, 'subnetworks');
  for (let k = 0; k < fixedInputs.length; k++) {
    const stored = restored[k];
    if (stored) {
      perInput.push(stored);
    } else {
      try {
        perInput.push(await hiddenLayerStats(net, row(test, fixedInputs[k]!), settings.samples, settings.seed + 7 + k, signal));
      } catch (e) {
        timings.monteCarloSeconds += since(t);
        state.monteCarlo = perInput.map(serializeColumns);
        return interrupted(e);
      }
    }
    progress.update((k + 1) * settings.samples, `input ${k + 1}/${fixedInputs.length}`);
  }
  state.monteCarlo = perInput.map(serializeColumns);
  timings.monteCarloSeconds += since(t);
  progress.finish(`${fixedInputs.length} inputs × ${settings.samples} subnetworks`);

  // 4. O* at the histogram inputs (Figure 3) and 5. the test error: fast, redone on resume.
  t = performance.now();
  const layers = settings.hidden.length;
  const activations: number[][] = Array.from({ length: layers }, () => []);
  progress.phase('O* for histograms', histogramInputs.length, 'inputs');
  try {
    for (let k = 0; k < histogramInputs.length; k++) {
      const acts = await hiddenActivations(net, row(test, histogramInputs[k]!), signal);
      acts.forEach((a, h) => activations[h]!.push(...a));
      progress.update(k + 1);
    }
  } catch (e) {
    return interrupted(e);
  }
  progress.finish();
  timings.histogramSeconds += since(t);

  t = performance.now();
  const mcCount = Math.min(settings.monteCarloTestCount, test.count);
  progress.phase('test error', 2, 'passes');
  let testError: TestErrors;
  try {
    const ws = errorRate(await net.classify(test.inputs, { method: 'weight-scaling' }), test.targets);
    progress.update(1, 'Monte Carlo prediction');
    const mcSet = rows(test, mcCount);
    const mc = errorRate(await net.classify(mcSet.inputs, { method: 'monte-carlo', samples: settings.monteCarloTestSamples, seed: settings.seed + 99, signal }), mcSet.targets);
    testError = { weightScaled: { error: ws, count: test.count }, monteCarlo: { error: mc, count: mcCount, samples: settings.monteCarloTestSamples } };
  } catch (e) {
    return interrupted(e);
  }
  progress.finish(`weight-scaled ${(100 * testError.weightScaled.error).toFixed(2)}%, Monte Carlo ${(100 * testError.monteCarlo.error).toFixed(2)}%`);
  timings.testSeconds += since(t);

  // 6. Analysis and report.
  const hiddenIdx = settings.hidden.map((_, h) => h);
  const figure2aLayers = hiddenIdx.map((h) => ({
    ...figure2aLayer(h + 1, state.probes.map((p) => ({ at: p.at, deterministic: p.layers[h]!.deterministic, std: p.layers[h]!.std }))),
    weightDecayTerm: state.probes.map((p) => p.weightDecayTerm[h]!),
    sparsity: state.probes.map((p) => p.sparsity[h]!),
  }));
  const approximation = hiddenIdx.map((h) => approximationLayer(h + 1, perInput.map((p) => p[h]!), settings.seed));
  const figure2bLayers = hiddenIdx.map((h) => figure2bLayer(h + 1, perInput.map((p) => p[h]!)));
  const figure3Layers = hiddenIdx.map((h) => figure3Layer(h + 1, activations[h]!));
  const geometricGaps = geometricGapSummary(perInput.flat());
  const sparseConsistency = sparseConsistencyRows(net, perInput);
  const keepHalf = keepHalfRows(net, perInput, fixedInputs.map((i) => row(test, i)));
  timings.totalSeconds += since(started);
  const results: Results = {
    version: 1,
    createdAt: new Date().toISOString(),
    settings: { ...settings, threads: net.spec.threads, backend: net.spec.backend },
    environment: { node: process.version, platform: `${platform()} ${arch()}, ${cpus()[0]?.model ?? 'unknown CPU'}`, cpus: availableParallelism(), cpuKernel: info().cpuKernel, resumed },
    training: state.history,
    testError,
    fixedInputs,
    figure1: { input: probeInput, layers: hiddenIdx.map((h) => figure1Layer(h + 1, perInput[0]![h]!)) },
    figure2a: { probeInput, layers: figure2aLayers },
    figure2b: { inputs: perInput.length, layers: figure2bLayers },
    figure3: { inputs: histogramInputs.length, layers: figure3Layers },
    approximation,
    geometricGaps,
    sparseConsistency,
    keepHalf,
    claims: allClaims({ settings, approximation, figure2a: figure2aLayers, figure2b: figure2bLayers, figure3: figure3Layers, testError, geometricGaps, sparseConsistency, keepHalf }),
    timings,
  };
  progress.phase('report', 1, 'files');
  const report = await writeReport(outDir, results);
  progress.finish(report.html);
  await removeCheckpoint(outDir);
  return { results, report };
}
