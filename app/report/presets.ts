// The settings of a reproduction: the paper's setup (Section 6) with a quick default, the full
// recipe, and the overrides the command line allows.
import { limits, type Network, weightPairs } from 'dropout-ensemble';
import type { RunSettings } from './results.js';
import { seededRandom } from './stats-math.js';

/** The paper's network: 784-1200-1200-1200-1200-10, keep 0.8 on the input and 0.5 on each hidden layer. */
const PAPER = { hidden: [1200, 1200, 1200, 1200], inputKeep: 0.8, hiddenKeep: 0.5 } as const;

/** Per-epoch learning rate: initial · decay^e (exponential decay, Hinton et al. 2012). */
export function decaySchedule(initial: number, decay: number, epochs: number): number[] {
  return Array.from({ length: epochs }, (_, e) => initial * decay ** e);
}

/** Per-epoch momentum (Adam's β1 here): `from` → `to` linearly over `ramp` epochs, then `to`. */
export function rampSchedule(from: number, to: number, ramp: number, epochs: number): number[] {
  return Array.from({ length: epochs }, (_, e) => (e >= ramp ? to : from + ((to - from) * e) / ramp));
}

/**
 * The small initialisation Section 5.3 assumes ("at the beginning of learning, when the weights are
 * typically small and random, the total input to each unit is close to 0 ... and the consistency is
 * high"): every W(h, l) drawn from U(±1/√fan_in) with fan_in = units of layer l, from a generator
 * seeded by the run's seed (mulberry32, so a run is repeatable); biases stay as the engine set them
 * (0 for logistic units with c = 1). The engine's own init is Glorot-uniform ×4 for logistic units
 * (a ≈ 0.23 between the 1200-unit layers, 8× larger), which puts the hidden units near 0 or 1 from the
 * start: std(O) is then highest at step 0 and Figure 2a shows no rising phase (docs/recipe-sweep.md,
 * "The init-scale finding").
 */
export function smallUniformInit(net: Network, seed: number): void {
  const rand = seededRandom(seed * 2654435761 + 0x51ed);
  const spec = net.spec;
  const units = (l: number) => (l === 0 ? spec.inputs : spec.layers[l - 1]!.units);
  for (const [h, l] of weightPairs(spec)) {
    const a = 1 / Math.sqrt(units(l));
    const w = new Float32Array(units(h) * units(l));
    for (let i = 0; i < w.length; i++) w[i] = (2 * rand() - 1) * a;
    net.setWeights(h, l, w);
  }
}

/**
 * Quick: the whole pipeline on the paper's network in about three minutes on 2 cores — all 60,000
 * training digits for 20 epochs of Adam (1e-3, halved every epoch over the last four: annealedTail)
 * with one draw of unit gates per minibatch (maskSharing 'batch': each product skips the dropped
 * units, about 3× less work per epoch) and the first hidden layer's step 3× the others'
 * (QUICK_FIRST_LAYER_SCALE), 10,000 subnetworks at 5 fixed inputs. It starts from the small
 * initialisation U(±1/√fan_in) (smallUniformInit) so that Figure 2a can show Section 5.3's three
 * phases. Both choices were made by measurement (docs/time-to-accuracy.md): in about the same time,
 * per-example gates (10 epochs) reached 2.83% test error, shared gates 2.04%, and shared gates with
 * the first layer's larger step 1.53%, with consistency and E − O* then agreeing as well.
 */
export function quickSettings(): RunSettings {
  const epochs = 20;
  return {
    preset: 'quick',
    shortRun: true,
    ...PAPER,
    hidden: [...PAPER.hidden],
    trainCount: 60000,
    epochs,
    batchSize: 100,
    optimizer: 'adam',
    learningRate: annealedTail(decaySchedule(1e-3, 1, epochs), QUICK_TAIL),
    momentum: rampSchedule(0.9, 0.9, 1, epochs),
    maxNorm: 0,
    maskSharing: 'batch',
    firstLayerLearningRateScale: QUICK_FIRST_LAYER_SCALE,
    init: 'small-uniform',
    samples: limits.defaultSamples,
    inputs: 5,
    histogramInputs: 100,
    probeInputs: 1,
    probeEvery: 100,
    probeSamples: 500,
    monteCarloTestCount: 1000,
    monteCarloTestSamples: 20,
    seed: 1,
    threads: 0,
    backend: 'auto',
  };
}

/**
 * The quick run's factor on the first hidden layer's Adam step. Adam moves every weight by about
 * its learning rate whatever its gradient, and from the small initialisation the first layer then
 * ends 20 epochs with small weights (median norm of a unit's incoming weights 4.5, against 10 with
 * this factor): its units' std(O) across subnetworks was half the top layer's, so consistency
 * declined upwards and E − O* grew 7.6× from the first layer to the top. Three times the step
 * there levels the layers (std(O) 0.12, 0.11, 0.10, 0.12) and learns faster (1.5–1.6% test error
 * against 2.04% in 20 epochs, three seeds; docs/time-to-accuracy.md, section 6c).
 */
export const QUICK_FIRST_LAYER_SCALE = 3;

/** Epochs at the end of a run whose learning rate falls, and by what factor per epoch. */
export interface Tail {
  epochs: number;
  factor: number;
}
/** The quick run's last four epochs halve Adam's step each epoch. */
export const QUICK_TAIL: Tail = { epochs: 4, factor: 0.5 };
/** The full run's last 15 epochs multiply SGD's step by 0.8 each epoch (to 3.5% of it at the end). */
export const FULL_TAIL: Tail = { epochs: 15, factor: 0.8 };

/**
 * A schedule whose last `tail.epochs` epochs multiply the step by `tail.factor` per epoch: a run cut
 * short at a high step ends wherever its noise leaves it, while annealing the step at the end lets it
 * settle into the minimum it is in.
 */
export function annealedTail(learningRate: number[], tail: Tail): number[] {
  const start = learningRate.length - tail.epochs;
  return learningRate.map((lr, e) => (e < start ? lr : lr * tail.factor ** (e - start + 1)));
}

/**
 * Hinton et al. 2012's SGD schedule, the one that reached ≤ 1.3% in the recipe sweep (measured on an
 * H100 with the CUDA engine; docs/recipe-sweep.md): Δw ← p·Δw − (1 − p)·ε·∇ with
 * ε = 10·0.998^epoch and p ramped linearly from 0.5 to 0.99 over 500 epochs. The engine's update is
 * v ← μ·v − lr·∇, so lr = (1 − p)·ε and μ = p.
 */
export function hintonSchedules(epochs: number, warmupEpochs = 0): { learningRate: number[]; momentum: number[] } {
  const ramp = rampSchedule(0.5, 0.99, 500, epochs);
  const learningRate = decaySchedule(10, 0.998, epochs).map((eps, e) => (e < warmupEpochs ? ADAM_WARMUP.learningRate : (1 - ramp[e]!) * eps));
  const momentum = ramp.map((p, e) => (e < warmupEpochs ? ADAM_WARMUP.beta1 : p));
  return { learningRate, momentum };
}

/** The warm-up epochs of the full recipe: Adam at its usual 1e-3, β1 0.9. */
export const ADAM_WARMUP = { learningRate: 1e-3, beta1: 0.9 } as const;

/**
 * Full: one epoch of Adam (1e-3) from the engine's initialisation, then SGD with Hinton et al.
 * 2012's schedule (hintonSchedules) and a max-norm of 15 on each unit's incoming weights, its step
 * annealed over the last 15 epochs (FULL_TAIL), batch 100, per-example gates, 60 epochs; 10,000
 * subnetworks at 20 fixed inputs, the Monte Carlo test error on all 10,000 test digits with 100
 * subnetworks each. Plain SGD from this initialisation sits on the logistic plateau (~90% error) for
 * its first 5–10 epochs; the Adam epoch takes it off at once (measured on 2 cores with this engine,
 * docs/time-to-accuracy.md). The engine's initialisation, not the small one: with SGD the small one
 * stays on the plateau for about 80 epochs (docs/recipe-sweep.md), so Figure 2a's first phase, at
 * small weights, is not shown by this run.
 */
export function fullSettings(): RunSettings {
  return {
    ...quickSettings(),
    preset: 'full',
    shortRun: false,
    ...fullSchedules(FULL_EPOCHS),
    maxNorm: 15,
    maskSharing: 'example',
    firstLayerLearningRateScale: 1,
    init: 'engine',
    inputs: 20,
    probeEvery: 600,
    monteCarloTestCount: 10000,
    monteCarloTestSamples: 100,
  };
}

/** Epochs of the full run. */
export const FULL_EPOCHS = 60;
/** Adam epochs that open the full run. */
export const FULL_WARMUP = 1;

/** The full recipe's epochs, optimizer and schedules for a run of `epochs` epochs. */
export function fullSchedules(epochs: number): Pick<RunSettings, 'epochs' | 'optimizer' | 'warmupEpochs' | 'learningRate' | 'momentum'> {
  const warmupEpochs = Math.min(FULL_WARMUP, epochs);
  const h = hintonSchedules(epochs, warmupEpochs);
  const tail = { ...FULL_TAIL, epochs: Math.min(FULL_TAIL.epochs, Math.floor((epochs - warmupEpochs) / 2)) };
  const sgd = annealedTail(h.learningRate.slice(warmupEpochs), tail);
  return { epochs, optimizer: 'sgd', warmupEpochs, learningRate: [...h.learningRate.slice(0, warmupEpochs), ...sgd], momentum: h.momentum };
}

/** The command line's overrides; any of them turns the preset into 'custom' unless it only sets machine choices. */
export interface SettingsOverrides {
  epochs?: number;
  samples?: number;
  inputs?: number;
  seed?: number;
  threads?: number;
  backend?: string;
  hidden?: number[];
  trainCount?: number;
  histogramInputs?: number;
  probeEvery?: number;
  probeSamples?: number;
  monteCarloTestCount?: number;
  monteCarloTestSamples?: number;
}

export function applyOverrides(base: RunSettings, o: SettingsOverrides): RunSettings {
  const s: RunSettings = { ...base, hidden: [...base.hidden], learningRate: [...base.learningRate], momentum: [...base.momentum] };
  const changesScience = Object.keys(o).some((k) => !['threads', 'backend', 'seed'].includes(k) && o[k as keyof SettingsOverrides] !== undefined);
  if (o.epochs !== undefined && o.epochs !== base.epochs) {
    // Schedules keep their shape: extend with the same rule, or cut.
    if (base.preset === 'full') {
      Object.assign(s, fullSchedules(o.epochs));
    } else {
      s.learningRate = annealedTail(decaySchedule(base.learningRate[0]!, 1, o.epochs), { ...QUICK_TAIL, epochs: Math.min(QUICK_TAIL.epochs, Math.floor(o.epochs / 2)) });
      s.momentum = Array.from({ length: o.epochs }, (_, e) => base.momentum[Math.min(e, base.momentum.length - 1)]!);
    }
    s.epochs = o.epochs;
  }
  for (const key of ['samples', 'inputs', 'seed', 'threads', 'backend', 'hidden', 'trainCount', 'histogramInputs', 'probeEvery', 'probeSamples', 'monteCarloTestCount', 'monteCarloTestSamples'] as const) {
    if (o[key] !== undefined) (s as unknown as Record<string, unknown>)[key] = o[key];
  }
  if (changesScience) s.preset = 'custom';
  s.shortRun = !(s.preset === 'full' || (s.epochs >= fullSettings().epochs && s.trainCount === 60000));
  return s;
}
