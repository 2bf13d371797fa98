// Training with probes (Figure 2a): one net.train() call with the engine's learning-phase probes
// (train option `probes`, recorded on the training thread at the start, every `every` updates and
// after the last update), so the epochs are trained exactly as without probes and each probe sits at
// an exact update count. The probes reach this module as they are taken (onProbe), so those taken
// before a Ctrl-C are in `o.probes` when the checkpoint is written. On resume the network continues
// from its saved optimizer state; a record of a step already held (the state the run stopped in) is
// the same state and is skipped, so the probes equal those of an uninterrupted run.
import type { EpochStats, Network, Optimizer, ProbeRecord } from 'dropout-ensemble';
import type { ProbeSnapshot } from './analysis.js';
import type { EpochRecord } from './results.js';

export interface LabelledData {
  inputs: Float32Array;
  targets: Uint8Array;
  count: number;
}

export interface ProbeSpec {
  input: Float32Array;
  /** Minibatches between probes. */
  every: number;
  samples: number;
  /** Seed of the probes' subnetworks (the same subnetworks at every probe). */
  seed: number;
}

/** One probe as the pipeline keeps it: the hidden layers at the probe input. */
export interface StoredProbe {
  /** Training progress in epochs. */
  at: number;
  /** Updates since the network was created. */
  step: number;
  layers: ProbeSnapshot[];
  /** Per hidden layer: the adaptive weight-decay term of Eq. 28/30 and the fraction of units with O* ≤ 0.1. */
  weightDecayTerm: number[];
  sparsity: number[];
}

export interface ProbedTrainingOptions {
  /** Total epochs of the run; those already in `history` are not repeated. */
  epochs: number;
  batchSize: number;
  optimizer: Optimizer;
  /** One value per absolute epoch. */
  learningRate: number[];
  momentum: number[];
  maxNorm: number;
  /** The first epochs train with Adam (learningRate[e], β1 momentum[e]), the rest with `optimizer`. */
  warmupEpochs: number;
  maskSharing: 'example' | 'batch';
  /** options.learningRateScale (one factor per layer of the network); absent: 1 for every layer. */
  learningRateScale?: number[];
  validation?: LabelledData;
  probe: ProbeSpec | null;
  /** The user's interrupt: training stops within a minibatch and this function rejects with AbortError. */
  signal: AbortSignal;
  /** Completed epochs so far (appended to as epochs complete). */
  history: EpochRecord[];
  /** Probes so far (appended to as they are taken). */
  probes: StoredProbe[];
  onProgress?: (examplesDone: number, epoch: number, loss: number) => void;
  onEpoch?: (record: EpochRecord) => void;
  onProbe?: (probe: StoredProbe) => void;
}

function toRecord(s: EpochStats): EpochRecord {
  return {
    epoch: s.epoch,
    loss: s.loss,
    trainError: s.trainError,
    ...(s.validationError === undefined ? {} : { testError: s.validationError }),
    seconds: s.seconds,
    learningRate: s.learningRate,
    momentum: s.momentum,
  };
}

/** The hidden layers (all but the top) of an engine probe record; one probe input. */
function toStored(r: ProbeRecord): StoredProbe {
  const hidden = r.layers.slice(0, r.layers.length - 1);
  return {
    at: r.epoch,
    step: r.step,
    layers: hidden.map((l) => ({ at: r.epoch, deterministic: l.deterministic, std: l.std })),
    weightDecayTerm: hidden.map((l) => l.weightDecayTerm),
    sparsity: hidden.map((l) => l.sparsity),
  };
}

/**
 * Trains the remaining epochs: one call per phase (Adam's warm-up epochs, then the run's optimizer).
 * An epoch cut by an interrupt is finished by the resumed call, whose EpochStats cover only that part (its loss and training error; the test error is of the
 * whole epoch's weights).
 */
export async function trainWithProbes(net: Network, data: LabelledData, o: ProbedTrainingOptions): Promise<void> {
  // Adam's warm-up epochs, then the rest with the run's optimizer; a resumed run continues in its phase.
  const warmup = Math.min(o.warmupEpochs, o.epochs);
  if (o.history.length < warmup) await trainPhase(net, data, o, 'adam', warmup);
  if (o.history.length < o.epochs) await trainPhase(net, data, o, o.optimizer, o.epochs);
}

/** Trains with `optimizer` until `until` epochs are complete. */
async function trainPhase(net: Network, data: LabelledData, o: ProbedTrainingOptions, optimizer: Optimizer, until: number): Promise<void> {
  const first = o.history.length;
  await net.train(data, {
    epochs: until - first,
    batchSize: o.batchSize,
    optimizer,
    learningRate: o.learningRate,
    // Adam's β1 is one number; SGD's momentum may follow a schedule (indexed by absolute epoch).
    momentum: optimizer === 'adam' ? o.momentum[first]! : o.momentum,
    ...(o.maxNorm > 0 ? { maxNorm: o.maxNorm } : {}),
    maskSharing: o.maskSharing,
    ...(o.learningRateScale ? { learningRateScale: o.learningRateScale } : {}),
    ...(o.validation ? { validation: o.validation } : {}),
    signal: o.signal,
    ...(o.probe
      ? {
          probes: { inputs: o.probe.input, every: o.probe.every, samples: o.probe.samples, seed: o.probe.seed },
          onProbe: (r: ProbeRecord) => {
            const last = o.probes[o.probes.length - 1];
            if (last && r.step <= last.step) return; // the state the interrupted run (or the previous phase) stopped in: held already
            const p = toStored(r);
            o.probes.push(p);
            o.onProbe?.(p);
          },
        }
      : {}),
    onProgress: (p) => o.onProgress?.((p.epoch - 1) * data.count + p.examples, p.epoch, p.loss),
    onEpoch: (s) => {
      const rec = toRecord(s);
      o.history.push(rec);
      o.onEpoch?.(rec);
    },
  });
}
