// The one typed door to the addon: loads whichever build exists and types its raw surface.
// Nothing else imports the .node file. Sections are grouped by binding file.
import type { Limits } from './limits.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { NativeLoadError } from './errors.js';

// ---- kernels (native/addon/kernels_binding.cpp) ----
export interface RawMaskedMatmulArgs {
  a: Float32Array; b: Float32Array; m: number; n: number; k: number;
  mask?: Uint8Array; scale?: Float32Array; bias?: Float32Array; out?: Float32Array; threads?: number;
  backend?: 'cpu' | 'cuda';         // 'cuda': through libde_cuda.so (native/cuda/host/cuda_kernels.h)
}
export interface RawMomentColumns {
  count: number;
  mean: Float64Array; m2: Float64Array; m3: Float64Array;
  sumLog: Float64Array; sumLog1m: Float64Array;
  min: Float64Array; max: Float64Array;
  histogram: Float64Array; bins: number; lo: number; hi: number;
}
export interface RawMomentAccumulator {
  add(values: Float32Array, rows: number, logits?: Float32Array): void;
  merge(other: RawMomentAccumulator): void;
  columns(): RawMomentColumns;
  serialize(): Uint8Array;
}
export interface RawKernels {
  maskedMatmul(args: RawMaskedMatmulArgs): Float32Array;
  bernoulliMask(args: { seed: number; stream: number; rows: number; cols: number; keep: number | Float32Array; threads?: number; backend?: 'cpu' | 'cuda' }): Uint8Array;
  philox4x32(counter: Uint32Array, key: Uint32Array): Uint32Array;
  /** Index of the first NaN/±Infinity, or −1. */
  firstNonFinite(values: Float32Array): number;
  /** Index of the first byte that is neither 0 nor 1, or −1. */
  firstNotBinary(values: Uint8Array): number;
  MomentAccumulator: {
    new (neurons: number, bins?: number, lo?: number, hi?: number): RawMomentAccumulator;
    new (serialized: Uint8Array): RawMomentAccumulator;
  };
}

// ---- info and limits (native/addon/info_binding.cpp) ----
export interface RawInfo {
  cpuKernel: string; momentsKernel: string; hardwareThreads: number;
  bf16Kernel: string; bf16Native: boolean;
  /** library: path when built; device: GPU when usable; reason: why not usable (empty strings otherwise). */
  cuda: { built: boolean; usable: boolean; library: string; device: string; reason: string };
}

// ---- network (native/addon/network_binding.cpp; engine: native/core/network.h) ----
// Layers are numbered as in the paper: 0 is the input, h = 1..L the entries of `layers`. TS validates
// and fills every field (defaults, schedules expanded per epoch); the binding re-checks sizes.
export type RawActivation = 'logistic' | 'linear' | 'softmax' | 'relu' | 'tanh';
export interface RawLayerSpec {
  units: number;
  activation: RawActivation;
  c: number; lambda: number;        // logistic only (ignored otherwise): O = 1/(1 + c·e^(−λS))
  keep: Float32Array | null;        // per unit, length units; null = all 1; must be null for the top layer
  keepExact?: Float64Array | null;  // the same keeps as doubles (each rounds to its float); null = keep widened. Exact enumeration only
  from: Int32Array;                 // strictly ascending lower layers; empty = [h − 1]
}
export interface RawNetworkSpec {
  inputs: number;
  inputKeep: Float32Array | null;   // per input unit; null = all 1
  inputKeepExact?: Float64Array | null; // as keepExact
  dropout: 'units' | 'connections';
  layers: RawLayerSpec[];
  seed: number;                     // integer in [0, 2^53): weight initialisation
  threads: number;                  // 0 = all cores
  /** 'cuda': train and ensembleSample run on the GPU (native/cuda/host/cuda_network.h). Default 'cpu'. */
  backend?: 'cpu' | 'cuda';
}
/** Exactly one of labels (class indices, one per example) and values ([count × outputs]). */
export interface RawTrainData {
  inputs: Float32Array;             // [count × inputs]; referenced (not copied) while training
  count: number;
  labels?: Uint8Array | Int32Array;
  values?: Float32Array;
}
export interface RawEpochRecord {
  epoch: number;                    // absolute epoch (0-based; continues across train calls)
  examples: number;                 // examples trained in this call's part of the epoch
  loss: number;                     // mean training loss of the dropout network as trained
  trainError: number;               // error rate on the minibatches as trained; NaN if not a classifier
  validationLoss: number;           // weight-scaled network on validation; NaN without validation
  validationError: number;          // NaN without validation or if not a classifier
  seconds: number;
}
export interface RawBatchProgress {
  epoch: number; position: number; count: number; step: number; loss: number;
}
export interface RawTrainOptions {
  epochs: number;                   // epochs to run (a partially done first epoch counts as one)
  batchSize: number;
  optimizer: 'sgd' | 'adam';
  loss: 'cross-entropy' | 'squared-error';
  learningRate: Float32Array;       // one per epoch of THIS call (length epochs); start epoch from getTrainingState()
  momentum: Float32Array | null;    // SGD, one per epoch of this call; null = 0
  beta1: number; beta2: number; epsilon: number;   // Adam
  weightDecay: number;              // L2 on weights (not biases), added to the gradient
  maxNorm: number;                  // cap on each unit's incoming weight norm; 0 = off
  learningRateScale: Float32Array | null;  // per layer 1..L: a factor on learningRate; null = 1
  seed: number;                     // masks and shuffles (integer in [0, 2^53))
  shuffle: boolean;
  maskGroup: number;                // examples sharing one draw of unit gates (1 = per example)
  precision?: 'fp32' | 'bf16';      // operands of the training products; absent = 'fp32'
  validation: RawTrainData | null;
  onEpoch: ((record: RawEpochRecord) => void) | null;     // called on the JS thread
  /** Training waits at each epoch's end until resumeTraining(); the read-only methods answer meanwhile. */
  pauseAtEpoch?: boolean;
  onProgress: ((progress: RawBatchProgress) => void) | null; // called on the JS thread, after updates
  /** Learning-phase probes (native/addon/probe_hooks.h); records go to onProbe as they are taken. */
  probes?: RawProbeOptions | null;
  onProbe?: ((record: RawProbeRecord) => void) | null;  // called on the JS thread; required with probes
}
/** Everything besides weights that a resumed run needs; m/v are empty before the first update. */
export interface RawTrainingState {
  optimizer: 'sgd' | 'adam';
  step: number; epoch: number; position: number;
  m: Float32Array; v: Float32Array; // flat, the layout of the parameters (paramCount), or length 0
}
export interface RawPredictOptions {
  method: 'weight-scaling' | 'monte-carlo';
  samples: number;                  // monte-carlo
  seed: number;                     // monte-carlo
}
export interface RawNetwork {
  /** True while train or predict runs; every other call then throws/rejects with ERR_BUSY. */
  readonly busy: boolean;
  paramCount(): number;
  getWeights(h: number, l: number): Float32Array;        // copy, [units_h × units_l]
  setWeights(h: number, l: number, w: Float32Array): void;
  getBias(h: number): Float32Array;                      // copy, [units_h]
  setBias(h: number, b: Float32Array): void;
  /** Resolves with the completed epochs; rejects ERR_ABORTED after abort() (network = last update). */
  train(data: RawTrainData, options: RawTrainOptions): Promise<RawEpochRecord[]>;
  /** Raises the abort flag of the running train/predict (no-op when idle). */
  abort(): void;
  /** Lets a training call paused at an epoch's end (pauseAtEpoch) go on (no-op otherwise). */
  resumeTraining(): void;
  predict(inputs: Float32Array, count: number, options: RawPredictOptions): Promise<Float32Array>;
  /** Synchronous small forward pass (tests, debugging): per layer h = 1..L, S and O [count × units_h]. */
  forward(inputs: Float32Array, count: number, weightScaled: boolean): { S: Float32Array[]; O: Float32Array[] };
  getTrainingState(): RawTrainingState;
  /** null resets (fresh optimizer, epoch 0, position 0). */
  setTrainingState(state: RawTrainingState | null): void;
}
export interface RawNetworkConstructor {
  new (spec: RawNetworkSpec): RawNetwork;
}

// ---- section "ensemble" (native/addon/ensemble_binding.cpp) ----
/** Per paper layer h (index h − 1), one value per unit, float64. */
export interface RawEnsembleLayer {
  mean: Float64Array; variance: Float64Array; third: Float64Array;   // E(O), Var(O), κ3
  meanLogO: Float64Array; meanLog1mO: Float64Array;                   // log G, log G′ (NaN: not in (0,1))
  meanS: Float64Array; varianceS: Float64Array;                       // E(S), Var(S)
  deterministic: Float64Array;                                        // O*, weight-scaled network
}
export interface RawEnsembleMoments {
  samples: number;                  // sampled subnetworks, or 2^gates for the exact ensemble
  gates: number;                    // exact: gates enumerated; 0 for Monte Carlo
  layers: RawEnsembleLayer[];
  /** returnMasks: unit mode one [samples × units_l] per l in [0, L); connection mode one [samples × units_h·units_l] per edge. */
  masks?: Uint8Array[];
}
export interface RawEnsembleSampleOptions {
  samples?: number; seed: number; batch?: number; returnMasks?: boolean;
  first?: number;                   // index of the first subnetwork drawn (default 0)
  masks?: Uint8Array[];             // replay: shapes as RawEnsembleMoments.masks; samples = their rows
}
/** train() option `probes` (native/addon/probe_hooks.h): records at the start, every `every` updates, at the end. */
export interface RawProbeOptions { inputs: Float32Array; count: number; every: number; samples: number; seed: number }
export interface RawProbeRecord {
  step: number;                     // updates since the network was created
  epoch: number; position: number;  // absolute epoch (0-based) and examples done in it
  deterministic: Float64Array[];    // [layer h − 1] O*, [count × units_h]
  std: Float64Array[];              // [layer h − 1] Monte Carlo std(O), [count × units_h]
  weightDecay: Float64Array;        // per layer: ½ Σ f′ w² I² p(1−p) (Eq. 28/30), mean over probe inputs
  meanActivity: Float64Array;       // per layer: mean O*
  sparsity: Float64Array;           // per layer: fraction of units with O* <= 0.1
}
export interface RawEnsemble {
  /** Holds the network like train(); abort() on the network rejects it with ERR_ABORTED. */
  ensembleSample(network: RawNetwork, input: Float32Array, options: RawEnsembleSampleOptions): Promise<RawEnsembleMoments>;
  ensembleExact(network: RawNetwork, input: Float32Array): Promise<RawEnsembleMoments>;
  ensembleGateCount(network: RawNetwork): number;
  /** W(h, l) · covariance · W(h, l)ᵀ in float64 (covariance: m × m for m units of layer l) on the network's threads, under its lease. */
  propagateCovariance(network: RawNetwork, h: number, l: number, covariance: Float64Array): Promise<Float64Array>;
}

/** The addon's `limits` has the keys and meaning of the library's (src/limits.ts). */
export type RawLimits = Limits;

export interface RawAddon {
  kernels: RawKernels;
  info(): RawInfo;
  /** The engine's limits and defaults (native/common/limits.h); src/limits.ts holds the same values. */
  limits: RawLimits;
  /** Aborts every running operation of this environment, for good (native/addon/shutdown.h). */
  stopAll(): void;
  Network: RawNetworkConstructor;
  ensembleSample: RawEnsemble['ensembleSample'];
  ensembleExact: RawEnsemble['ensembleExact'];
  ensembleGateCount: RawEnsemble['ensembleGateCount'];
  propagateCovariance: RawEnsemble['propagateCovariance'];
  [feature: string]: unknown;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

/**
 * Where the addon may be: an explicit path, the cmake-js build, the node-gyp build (a build from
 * source wins over the shipped binary), then the prebuilt binary for this platform.
 */
export function addonCandidates(): string[] {
  const list: string[] = [];
  if (process.env.DE_ADDON_PATH) list.push(process.env.DE_ADDON_PATH);
  const cmake = join(root, 'build-cmake', 'Release', 'dropout_ensemble.node');
  const gyp = join(root, 'build', 'Release', 'dropout_ensemble.node');
  if (process.env.DE_BUILD === 'gyp') list.push(gyp, cmake);
  else list.push(cmake, gyp);
  list.push(join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'dropout_ensemble.node'));
  return list;
}

function load(): { addon: RawAddon; path: string } {
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const p of addonCandidates()) {
    if (!existsSync(p)) {
      tried.push(`${p} (absent)`);
      continue;
    }
    try {
      return { addon: require(p) as RawAddon, path: p };
    } catch (e) {
      tried.push(`${p} (${(e as Error).message})`);
    }
  }
  throw new NativeLoadError(`dropout-ensemble: the native addon could not be loaded (no prebuilt binary fits ${process.platform}-${process.arch} and none was built at install). Run \`npm rebuild dropout-ensemble\` with a C++17 compiler and cmake (or python3) on the PATH; with pnpm, allow its build first (\`pnpm approve-builds\`); in this repository, \`npm run build\`. Tried: ${tried.join('; ')}`);
}

let loaded: { addon: RawAddon; path: string } | undefined;

/** The raw addon, loaded on first use. */
export function native(): RawAddon {
  if (!loaded) {
    loaded = load();
    const addon = loaded.addon;
    // process.exit() (also from a callback), an uncaught exception or an unhandled rejection end the
    // process without the environment's cleanup, and Node then joins its thread pool: the native
    // work still running would hold the exit until it finished. 'exit' is the last moment JS runs.
    process.once('exit', () => addon.stopAll());
  }
  return loaded.addon;
}

/** The path of the addon file in use. */
export function nativePath(): string {
  native();
  return loaded!.path;
}
