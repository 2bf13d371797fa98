// The shape of results.json: every number behind the figures and the claims table, the run's
// settings and timings. Layers are numbered as in the paper (1 = first hidden layer).

/** The settings a reproduction ran with (all of them, so a run can be repeated exactly). */
export interface RunSettings {
  preset: 'quick' | 'full' | 'custom';
  /** True for anything shorter than the full recipe: the report says so on its first line. */
  shortRun: boolean;
  /** Hidden layer widths (the paper: 1200 × 4). */
  hidden: number[];
  inputKeep: number;
  hiddenKeep: number;
  trainCount: number;
  epochs: number;
  batchSize: number;
  optimizer: string;
  /** The learning rate of each epoch. */
  learningRate: number[];
  /** The momentum (SGD) or β1 (Adam) of each epoch. */
  momentum: number[];
  maxNorm: number;
  /**
   * Epochs of Adam (learning rate learningRate[e], β1 momentum[e]) before `optimizer` takes over:
   * they take the network off the logistic plateau where SGD from the engine's initialisation sits
   * for its first 5–10 epochs. Absent or 0: none.
   */
  warmupEpochs?: number;
  /**
   * Which examples shared one draw of the unit gates in training (options.maskSharing): 'example' =
   * fresh gates per example (the paper's dropout), 'batch' = one draw per minibatch. Absent in
   * results written before the option existed (they trained with 'example').
   */
  maskSharing?: 'example' | 'batch';
  /**
   * A factor on the learning rate of the first hidden layer's weights and biases
   * (options.learningRateScale [f, 1, …, 1]); absent in results written before it existed: 1.
   */
  firstLayerLearningRateScale?: number;
  /**
   * The initial weights: 'engine' = the engine's keep-aware Glorot initialisation (native/core/network.h);
   * 'small-uniform' = every W(h, l) drawn from U(±1/√fan_in), fan_in = units of layer l (presets.ts: smallUniformInit).
   */
  init: 'engine' | 'small-uniform';
  /** Monte Carlo subnetworks per fixed input (the paper: 10,000). */
  samples: number;
  /** Fixed test inputs with full Monte Carlo statistics (Figures 1 and 2b, the claims). */
  inputs: number;
  /** Random test inputs whose O* make Figure 3's histograms (the paper: 100). */
  histogramInputs: number;
  /** Probe inputs and schedule of Figure 2a. */
  probeInputs: number;
  probeEvery: number;
  probeSamples: number;
  /** Test digits and subnetworks per digit for the Monte Carlo test error. */
  monteCarloTestCount: number;
  monteCarloTestSamples: number;
  seed: number;
  threads: number;
  backend: string;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  trainError: number;
  testError?: number;
  seconds: number;
  learningRate: number;
  momentum: number;
}

/** Figure 1 (left and right): one hidden layer at the typical fixed input, one value per unit. */
export interface Figure1Layer {
  layer: number;
  /** E(O), Monte Carlo. */
  mean: number[];
  /** O*, the weight-scaled network. */
  deterministic: number[];
  /** E − NWGM from the Monte Carlo sample. */
  gap: number[];
  /** Eq. 20: V(1−2E)/(1−2V). */
  secondOrder: number[];
  /** The delta-method estimate. */
  deltaMethod: number[];
  /** The Gaussian-S estimate: E[f(S)] − f(E(S)) for S Gaussian with the sample's mean and variance of S. */
  gaussianGap: number[];
  /** The sampling-free estimate (propagateAsync 'covariance'). */
  propagatedGap: number[];
  /** Eq. 22: 2E(1−E)|1−2E|. */
  bound: number[];
  std: number[];
}

/** Summary of a set of values: mean and 5th/95th percentiles. */
export interface Band {
  mean: number;
  p5: number;
  p95: number;
  count: number;
}

/** Figure 2a: std(O) at a probe input over training, for active and inactive units of one layer. */
export interface Figure2aLayer {
  layer: number;
  /** Training progress of each probe, in epochs (fractional). */
  at: number[];
  active: Band[];
  inactive: Band[];
  /** A typical active / inactive unit (median final std(O) of its group): its std(O) at each probe. */
  typicalActive: { unit: number; std: number[] } | null;
  typicalInactive: { unit: number; std: number[] } | null;
  /**
   * At each probe, the adaptive weight-decay term the expected dropout gradient carries into this layer
   * (Eq. 28/30: ½ Σ_i σ′_i Σ_j w_ij² I_j² p_j(1 − p_j)) and the fraction of its units with O* ≤ 0.1,
   * at the probe input (the engine's probes, train option `probes`).
   */
  weightDecayTerm?: number[];
  sparsity?: number[];
}

/** Figure 2b: std(O) of active units (O* > 0.1), over the fixed inputs, one entry per layer. */
export interface Figure2bLayer extends Band {
  layer: number;
}

/** Figure 3: histogram of O* of one layer, totalled over the histogram inputs. */
export interface Figure3Layer {
  layer: number;
  /** Bin edges, length bins + 1, over [0, 1]. */
  edges: number[];
  counts: number[];
  /** Fraction of O* below 0.1 (inactive). */
  fractionInactive: number;
  median: number;
  mean: number;
  /** Sample skewness of O*: positive = a long tail toward 1. */
  skewness: number;
}

/** One row of the "the paper says / we measured" table. */
export interface Claim {
  id: string;
  paper: string;
  measured: string;
  /** Whether our measurement agrees with the paper's statement (by the criterion in `criterion`). */
  agrees: boolean;
  criterion: string;
  numbers: Record<string, number>;
}

export interface TestErrors {
  /** Weight-scaled (O*) prediction on `count` test digits. */
  weightScaled: { error: number; count: number };
  /** Average of `samples` subnetworks per digit on the first `count` test digits. */
  monteCarlo: { error: number; count: number; samples: number };
}

export interface Timings {
  loadSeconds: number;
  trainSeconds: number;
  monteCarloSeconds: number;
  histogramSeconds: number;
  testSeconds: number;
  reportSeconds: number;
  totalSeconds: number;
}

export interface Results {
  version: 1;
  createdAt: string;
  settings: RunSettings;
  environment: { node: string; platform: string; cpus: number; cpuKernel: string; resumed: boolean };
  training: EpochRecord[];
  testError: TestErrors;
  /** Index (into the 10,000 test digits) of each fixed input; the first is Figure 1's typical input. */
  fixedInputs: number[];
  figure1: { input: number; layers: Figure1Layer[] };
  figure2a: { probeInput: number; layers: Figure2aLayer[] };
  figure2b: { inputs: number; layers: Figure2bLayer[] };
  figure3: { inputs: number; layers: Figure3Layer[] };
  /** Per layer, over all fixed inputs: the accuracy of the approximations (the numbers behind the claims). */
  approximation: ApproximationLayer[];
  /** E − G, 1 − E − G′ and |E − NWGM| against |E − G| by E bin, over every hidden neuron-input (Eqs. 14–21). */
  geometricGaps: GeometricGapSummary;
  /** Eq. 31 on the trained network: the sparse code against its mirror image, layers 2..L. */
  sparseConsistency: SparseConsistencyLayer[];
  /** Eq. 31's Var(S) as the keep of the layer below varies, layers 1..L. */
  keepHalf: KeepHalfLayer[];
  claims: Claim[];
  timings: Timings;
}

/** Accuracy of the paper's approximations in one hidden layer, over all units of all fixed inputs. */
export interface ApproximationLayer {
  layer: number;
  units: number;
  /** Fraction of units with |E − NWGM| ≤ Eq. 22's bound, and the count of violations. */
  boundHolds: number;
  boundViolations: number;
  /** Violations beyond sampling noise: |E − NWGM| − bound > 2 standard errors of E. */
  boundViolationsBeyondNoise: number;
  /** The bound's tightness: median over units (bound > 0) of |E − NWGM| / bound. */
  boundTightness: number;
  /** Median over units of |estimate − gap| / |gap| (units with a resolvable gap), and its bootstrap standard error. */
  secondOrderMedianRelError: number;
  secondOrderMedianRelErrorSE: number;
  deltaMethodMedianRelError: number;
  deltaMethodMedianRelErrorSE: number;
  gaussianGapMedianRelError: number;
  gaussianGapMedianRelErrorSE: number;
  /** The same for the sampling-free estimate (propagateAsync 'covariance'). */
  propagatedGapMedianRelError: number;
  propagatedGapMedianRelErrorSE: number;
  /** Units whose Monte Carlo gap was large enough to compare against (see analysis.ts). */
  comparedUnits: number;
  /** Mean |E − O*| over active (O* > 0.1) and inactive units. */
  meanAbsEMinusOStarActive: number;
  meanAbsEMinusOStarInactive: number;
  activeFraction: number;
}

/** One bin of E: the geometric-mean gaps of its neuron-inputs against their leading terms. */
export interface GeometricGapBin {
  /** The bin [lo, hi) (the last bin includes 1). */
  lo: number;
  hi: number;
  /** Neuron-inputs in the bin (with Var(O) at least the summary's minVariance). */
  count: number;
  medianE: number;
  /** Medians of (E − G)/V and (1 − E − G′)/V: Eq. 20 says both are 1. */
  medianEMinusGOverV: number;
  medianComplementOverV: number;
  /** The leading terms 1/(2E) and 1/(2(1 − E)) at the bin's median E. */
  leadingEMinusGOverV: number;
  leadingComplementOverV: number;
  /** Median of |E − NWGM| / |E − G| (units with E ≠ G), and its small-spread limit |1 − 2E|/(1 − E) at the median E. */
  medianNwgmToGeometric: number;
  leadingNwgmToGeometric: number;
}

/** How often the NWGM is closer to E than G is: counts over neuron-inputs. */
export interface NwgmBetterCount {
  count: number;
  /** Neuron-inputs with |E − NWGM| < |E − G|. */
  nwgmBetter: number;
}

export interface GeometricGapSummary {
  /** Neuron-inputs with a smaller Var(O) are left out (their gaps are rounding). */
  minVariance: number;
  /** The bins that hold at least one neuron-input, in order of E. */
  bins: GeometricGapBin[];
  all: NwgmBetterCount;
  /** Split at E = 2/3, where the leading terms predict the NWGM stops being the better one. */
  lowE: NwgmBetterCount;
  highE: NwgmBetterCount;
}

/** Eq. 31 in layer h ≥ 2: the actual sparse O* of layer h − 1 against the mirrored code 1 − O*. */
export interface SparseConsistencyLayer {
  layer: number;
  /** Median over the units of layer h (all fixed inputs) of Var(S) sparse / Var(S) mirrored. */
  medianVarianceRatio: number;
  /** Active (O* > 0.1) neuron-inputs of layer h. */
  activeUnits: number;
  /** Mean over them of std(O) for S ~ N(E(S), Var(S)) with Eq. 31's Var(S) from each code. */
  meanPredictedStdSparse: number;
  meanPredictedStdMirrored: number;
  /** Share of Eq. 31's Var(S) (summed over units and inputs) coming from the inactive units of layer h − 1, and their share of its units. */
  inactiveVarianceShare: number;
  inactiveCountShare: number;
}

/** Eq. 31 in layer h with the keep p of layer h − 1 set to each value of `keeps`. */
export interface KeepHalfLayer {
  layer: number;
  keeps: number[];
  /** Mean over the units of layer h and the fixed inputs of Var(S), one per keep. */
  meanVariance: number[];
  /** meanVariance over its maximum. */
  relative: number[];
  /** The keep with the largest mean Var(S). */
  argmax: number;
}
