// The public Network class: describe, train, predict, sample, save and load a dropout network.
// It is the one owner of a network's state: its description, its native object, and whether an
// asynchronous call holds it. Every argument is validated (src/validate.ts and the option modules
// beside this file) before any native call, so a failed call leaves the network exactly as it was;
// the arithmetic runs in the addon on native threads.
import { createHash } from 'node:crypto';
import { AbortError, BusyError, awaitNative, callNative, fromNative } from '../errors.js';
import { FINITE_SLICE, checkBoolean, checkFinite, checkPath, checkElementCount, checkEnum, checkFiniteYielding, checkFloat32, checkInteger, checkOptions, invalid, checkTypedArray, typedArrayKind } from '../validate.js';
import type { RawEnsembleSampleOptions, RawNetwork, RawNetworkSpec, RawTrainingState } from '../native.js';
import { native } from '../native.js';
import { limits } from '../limits.js';
import { isAborted, onAbort } from '../signal.js';
import { writeFileAtomic } from './atomic-write.js';
import type { DeferredChecks } from './dataset.js';
import { inputRows } from './dataset.js';
import type { ModelContents } from './model-file.js';
import { decodeModel, encodeModel, readModelFile } from './model-file.js';
import type { PredictOptions } from './predict.js';
import { labelsOf, resolvePredictOptions } from './predict.js';
import type { NetworkSpec, ResolvedSpec } from './spec.js';
import { copySpec, outputsOf, resolveSpec, specToJSON, unitsOf, weightPairs } from './spec.js';
import { activationName } from './description.js';
import type { EpochStats, ProbeRecord, TrainHistory, TrainOptions } from './train-options.js';
import { rawData, rawTrainOptions, resolveTrainOptions } from './train-options.js';
import type { EnsembleOptions, EnsembleStats, EnsembleStatsMany, PropagateMethod, PropagateResult } from '../ensemble/index.js';
import { PROPAGATE_METHODS, propagateCovariance, averageStats, checkManyArguments, deriveStats, encodeState, exactGateCount, exactRequest, hashFloats, inputFingerprint, propagate, propagateRequest, sampleRequest } from '../ensemble/index.js';
import type { StateHeader } from '../ensemble/index.js';

/** Options of `save()` / `toBuffer()`. */
export interface SaveOptions {
  /** Keep the optimizer state (moments, step, epoch, position) so that training resumes exactly where it stopped. Default true. */
  trainingState?: boolean;
}
/** Options of `Network.load()` / `Network.fromBuffer()`: the machine's choices, not the model's. */
export interface LoadOptions {
  /** Default: all cores. */
  threads?: number;
  backend?: 'cpu' | 'auto' | 'cuda';
}

const SAVE_KEYS = ['trainingState'] as const;
const LOAD_KEYS = ['threads', 'backend'] as const;

function keepArray(k: number | Float32Array, n: number): Float32Array | null {
  if (typeof k !== 'number') return k;
  return k === 1 ? null : new Float32Array(n).fill(k);
}

// The engine draws masks from float32 keeps; the exact enumeration weighs subnetworks by the keep
// as given. A keep given as a number is a double that float32 may not hold (0.8), so it goes over
// twice; a Float32Array already is the keep as given.
function exactKeepArray(k: number | Float32Array, n: number): Float64Array | null {
  return typeof k !== 'number' || k === 1 ? null : new Float64Array(n).fill(k);
}

function toRawSpec(s: ResolvedSpec): RawNetworkSpec {
  return {
    inputs: s.inputs,
    inputKeep: keepArray(s.inputKeep, s.inputs),
    inputKeepExact: exactKeepArray(s.inputKeep, s.inputs),
    dropout: s.dropout,
    layers: s.layers.map((l) => ({
      units: l.units,
      activation: typeof l.activation === 'string' ? l.activation : 'logistic',
      c: typeof l.activation === 'string' ? 1 : l.activation.c,
      lambda: typeof l.activation === 'string' ? 1 : l.activation.lambda,
      keep: l.keep === undefined ? null : keepArray(l.keep, l.units),
      keepExact: l.keep === undefined ? null : exactKeepArray(l.keep, l.units),
      from: Int32Array.from(l.from),
    })),
    seed: s.seed,
    threads: s.threads,
    backend: s.backend,
  };
}

export class Network {
  readonly #raw: RawNetwork;
  readonly #spec: ResolvedSpec;
  /**
   * What holds the network from the moment an asynchronous call is accepted until it settles
   * (also while its inputs are scanned before the engine starts). The engine keeps its own flag
   * for the time its threads run; `busy` is true when either is set.
   */
  #holder: string | null = null;
  /** A training call waits at an epoch's end for its onEpoch callback: the read-only methods answer. */
  #pausedAtEpoch = false;
  /** The weights' fingerprint for ensemble states, kept until setWeights, setBias or train() changes them. */
  #modelHash: string | undefined;

  /**
   * Builds a network from its description (see NetworkSpec) with weights initialised from
   * `spec.seed` (native/core/network.h: Glorot-uniform for logistic and tanh, He for relu, with
   * the fan-in counted in expected live inputs Σ p_l·units_l; biases 0, logistic biases ln(c)/λ).
   */
  constructor(spec: NetworkSpec) {
    this.#spec = resolveSpec('new Network', spec);
    const Ctor = native().Network;
    this.#raw = callNative(() => new Ctor(toRawSpec(this.#spec)));
  }

  /** The resolved description (every default filled in); a deep copy, so changing it changes nothing. */
  get spec(): ResolvedSpec {
    return copySpec(this.#spec);
  }

  /**
   * True while train(), predict(), classify(), ensembleStats(), exactEnsemble() or
   * ensembleStatsMany() runs: exactly when every other call but `spec`, `busy` and `save()`'s file
   * write fails with BusyError.
   */
  get busy(): boolean {
    return this.#holder !== null || this.#raw.busy;
  }

  /**
   * A table of the network, one row per paper layer (0 is the input): units, activation, keep,
   * the layers it reads and its parameters (weights and biases), then the dropout mode, seed,
   * threads, backend and whether a call holds it. `util.inspect` and `console.log` print it too.
   */
  summary(): string {
    const s = this.#spec;
    const keepText = (k: number | Float32Array | undefined) => (k === undefined ? '' : typeof k === 'number' ? String(k) : 'per unit');
    const rows: string[][] = [['layer', 'units', 'activation', 'keep', 'from', 'parameters']];
    rows.push(['0', String(s.inputs), 'input', keepText(s.inputKeep), '', '']);
    let total = 0;
    s.layers.forEach((l, k) => {
      const params = l.units + l.from.reduce((n, src) => n + l.units * unitsOf(s, src), 0);
      total += params;
      rows.push([String(k + 1), String(l.units), activationName(l.activation), keepText(l.keep), l.from.join(','), params.toLocaleString('en-US')]);
    });
    const width = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    const lines = rows.map((r) => `  ${r.map((cell, c) => (c === 2 || c === 3 || c === 4 ? cell.padEnd(width[c]!) : cell.padStart(width[c]!))).join('  ')}`.trimEnd());
    return [
      `Network: ${s.layers.length} layers above ${s.inputs} inputs, ${s.dropout} dropout, seed ${s.seed}, ${s.threads} thread${s.threads === 1 ? '' : 's'}, ${s.backend}`,
      ...lines,
      `  ${total.toLocaleString('en-US')} parameters${this.busy ? `; busy ${this.#holder ?? 'in the engine'}` : ''}`,
    ].join('\n');
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.summary();
  }

  #checkIdle(where: string): void {
    if (this.busy) {
      throw new BusyError(`${where}: the network is busy ${this.#holder ?? 'in the engine'}; wait for that call to settle`);
    }
  }

  /** #checkIdle, except while training waits at an epoch's end for onEpoch (the network holds still). */
  #checkReadable(where: string): void {
    if (!this.#pausedAtEpoch) this.#checkIdle(where);
  }

  /**
   * Runs `run` with the network held as `what`, forwarding `signal` to the engine's abort flag.
   * Taken synchronously, before the first await, so that `busy` is true as soon as the call returns.
   */
  async #hold<T>(where: string, what: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    this.#checkIdle(where);
    if (isAborted(signal)) throw new AbortError(`${where}: the signal was aborted before the call started`);
    this.#holder = what;
    let stopListening = () => undefined as void;
    try {
      // Only once the call is accepted: a refused call never aborts the one that holds the network.
      stopListening = onAbort(signal, () => this.#raw.abort());
      return await run();
    } finally {
      this.#holder = null;
      stopListening();
    }
  }

  #checkLayer(where: string, name: string, h: unknown): number {
    return checkInteger(where, name, h, 1, this.#spec.layers.length);
  }

  #checkEdge(where: string, h: unknown, l: unknown): [number, number] {
    const hh = this.#checkLayer(where, 'h', h);
    const ll = checkInteger(where, 'l', l, 0, hh - 1);
    const from = this.#spec.layers[hh - 1]!.from;
    if (!from.includes(ll)) {
      throw invalid(where, 'l', `a layer that layer ${hh} reads (its from is [${from.join(', ')}])`, ll);
    }
    return [hh, ll];
  }

  /** A copy of W(h, l), row-major [units_h × units_l]: the weights layer h applies to layer l's outputs. */
  getWeights(h: number, l: number): Float32Array {
    const [hh, ll] = this.#checkEdge('Network.getWeights', h, l);
    this.#checkReadable('Network.getWeights');
    return callNative(() => this.#raw.getWeights(hh, ll));
  }

  /** Replaces W(h, l) with a copy of `weights` (Float32Array [units_h × units_l], finite). */
  setWeights(h: number, l: number, weights: Float32Array): void {
    const where = 'Network.setWeights';
    const [hh, ll] = this.#checkEdge(where, h, l);
    const w = checkFloat32(where, 'weights', weights, unitsOf(this.#spec, hh) * unitsOf(this.#spec, ll));
    this.#checkIdle(where);
    this.#modelHash = undefined;
    callNative(() => this.#raw.setWeights(hh, ll, w));
  }

  /** A copy of the biases b(h) [units_h]. */
  getBias(h: number): Float32Array {
    const hh = this.#checkLayer('Network.getBias', 'h', h);
    this.#checkReadable('Network.getBias');
    return callNative(() => this.#raw.getBias(hh));
  }

  /** Replaces b(h) with a copy of `bias` (Float32Array [units_h], finite). */
  setBias(h: number, bias: Float32Array): void {
    const where = 'Network.setBias';
    const hh = this.#checkLayer(where, 'h', h);
    const b = checkFloat32(where, 'bias', bias, unitsOf(this.#spec, hh));
    this.#checkIdle(where);
    this.#modelHash = undefined;
    callNative(() => this.#raw.setBias(hh, b));
  }

  /**
   * Trains with dropout (Section 5): minibatches with a fresh, independent gate for every example
   * (per unit, or per connection), drawn from Philox keyed by `spec.seed` and the example's position,
   * a shuffle per epoch from the same seed, then an SGD-with-momentum or Adam update. The whole loop
   * runs on native threads; the event loop stays free and `onEpoch` / `onProgress` run on it.
   *
   * The default recipe is what gets the paper's logistic network (784-1200-1200-1200-1200-10, keep
   * 0.8 / 0.5) past the initial plateau in one epoch: Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8) at
   * learning rate 1e-3, batch 100, cross-entropy, no weight decay or max-norm, with the engine's
   * keep-aware Glorot initialisation. `net.train(mnist.train, { epochs: 1, batchSize: 100 })` then
   * reaches under 10% weight-scaled test error on the 10,000 test digits (measured on 2 cores:
   * 8.39% with seed 1, 8.58% with seed 2; PyTorch with this recipe: 7.8%). Plain SGD (the algorithm
   * Section 5 analyses) is `optimizer: 'sgd'`, default learning rate 0.1 and momentum 0.9; on this
   * logistic network it sits on the initial plateau (PyTorch, learning rates 0.1–10, momentum
   * 0.5–0.9: 88–90% test error after two epochs). Hinton et al.'s schedules are available for it:
   * `learningRate: { kind: 'exponential', initial, decay }`, momentum ramp
   * `{ kind: 'linear', from: 0.5, to: 0.99, epochs: 500 }`, and `maxNorm`.
   *
   * Schedules are indexed by the network's absolute epoch (epochs trained so far, across calls and
   * save/load with the training state), so training in several calls equals training in one.
   * Training continues where the previous call stopped (an aborted epoch is finished first).
   *
   * Gates (masks) are fresh for every example unless `maskSharing` says otherwise: with 'batch' (or
   * `{ group: g }`) the examples of a minibatch (of a group) share one draw of the unit gates, that of
   * the group's first position, and each product only involves the kept units' rows and columns
   * (Graham, Reizenstein & Robinson 2015): on the paper's network about a third of the arithmetic,
   * and an epoch about twice as fast on 2 cores. It trains a different stochastic process from the
   * paper's (fewer independent subnetworks per update); unit dropout on the CPU only
   * (UnsupportedError otherwise).
   *
   * `precision: 'bf16'` rounds the operands of the training products to bfloat16 (sums, weights,
   * updates and losses stay float32; see Precision): on a CPU with AVX512-BF16 (info().bf16.native)
   * the products run on vdpbf16ps, elsewhere they are emulated with the same bits. predict,
   * ensembleStats, exactEnsemble and validation stay float32. Unit dropout on the CPU only.
   *
   * Learning-phase probes (`probes: { inputs, every, samples, seed? }`, Section 5.3): on the
   * training thread, at the start, every `every` updates and after the last update, each unit's O*
   * and Monte Carlo std(O) at the probe inputs, and per layer the adaptive weight-decay term of
   * Eq. 28/30 and the sparsity of the activations (ProbeRecord). They use their own Philox stream,
   * so the trained weights are bit-identical with and without probes. The records are
   * `history.probes`, and each goes to `onProbe` as it is taken (so that those taken before an
   * abort are not lost).
   *
   * On a `backend: 'cuda'` network (native/cuda/host/cuda_network.h) the epochs run on the GPU with the
   * same masks, shuffles and optimizer state (results equal the CPU's within float rounding); the
   * data are copied to the GPU once per call, validation is evaluated on the CPU after each epoch,
   * and the weights and optimizer state come back after each epoch and at a stop, so getWeights,
   * save and predict see the network as trained. Minibatches run in chunks of about 8,192 examples
   * there: `onProgress` is called once per chunk (its loss is the chunk's mean) and an abort is
   * seen between chunks. A call with `probes` trains on the CPU (probes are taken at exact steps).
   *
   * Resolves with one EpochStats per completed epoch (and `probes` when asked for). Rejects with AbortError when `signal` fires
   * (within one minibatch; the network then holds the last completed update, and the next train()
   * resumes there), with BusyError if the network is busy, and with the error of `onEpoch` or
   * `onProgress` if one throws (training stops at the next minibatch).
   */
  async train(data: { inputs: Float32Array; targets: Uint8Array | Int32Array | Float32Array; count: number }, options?: TrainOptions): Promise<TrainHistory> {
    const where = 'Network.train';
    this.#checkIdle(where);
    const start = callNative(() => this.#raw.getTrainingState()).epoch;
    const deferred: DeferredChecks = [];
    const o = resolveTrainOptions(where, data, options, this.#spec, start, deferred);
    if (isAborted(o.signal)) throw new AbortError(`${where}: the signal was aborted before training started`);
    // A callback that throws, or returns a promise that rejects, stops training at the next
    // minibatch and train() rejects with its error; train() settles only once every promise a
    // callback returned has settled, so nothing outlives the call or goes unhandled.
    let callbackError: { error: unknown } | undefined;
    const pending: Promise<void>[] = [];
    const fail = (error: unknown) => {
      if (callbackError) return;
      callbackError = { error };
      this.#raw.abort();
    };
    // `after` runs once the callback is done: at once, or when the promise it returned settles.
    const guard = <A extends unknown[]>(fn: (...a: A) => unknown, after?: () => void) => (...a: A) => {
      if (callbackError) return after?.();
      try {
        const result = fn(...a);
        if (result !== null && (typeof result === 'object' || typeof result === 'function') && typeof (result as PromiseLike<unknown>).then === 'function') {
          pending.push(Promise.resolve(result).then(() => undefined, fail).finally(after));
          return;
        }
      } catch (error) {
        fail(error);
      }
      after?.();
    };
    // With onEpoch the engine waits at each epoch's end until the callback is done, so that it may
    // read (checkpoint) the network; #pausedAtEpoch lets the read-only methods through meanwhile.
    const resumeTraining = () => {
      this.#pausedAtEpoch = false;
      this.#raw.resumeTraining();
    };
    const epochCallback = guard((stats: EpochStats) => {
      history.push(stats);
      return o.onEpoch?.(stats);
    }, o.onEpoch ? resumeTraining : undefined);
    const history: TrainHistory = [];
    const probes: ProbeRecord[] = [];
    if (o.probes) history.probes = probes;
    const rawOptions = rawTrainOptions(o, this.#spec.seed, start, {
      epoch: (stats) => {
        if (o.onEpoch) this.#pausedAtEpoch = true;
        epochCallback(stats);
      },
      progress: o.onProgress ? guard(o.onProgress) : null,
      probe: o.probes
        ? guard((record) => {
            probes.push(record);
            return o.onProbe?.(record);
          })
        : null,
    });
    // Held from here on, also while the inputs are scanned.
    return this.#hold(where, 'training', o.signal, async () => {
      for (const d of deferred) await checkFiniteYielding(where, d.name, d.array);
      if (isAborted(o.signal)) throw new AbortError(`${where}: the signal was aborted before training started`);
      let failure: { error: unknown } | undefined;
      this.#modelHash = undefined;
      try {
        await awaitNative(this.#raw.train(rawData(o.data), rawOptions));
      } catch (e) {
        failure = { error: e };
      }
      await Promise.all(pending);
      if (callbackError) throw callbackError.error;
      if (failure) {
        const err = fromNative(failure.error);
        if (err instanceof AbortError) {
          throw new AbortError(`${where}: aborted after ${history.length} complete epoch(s); the network holds the last completed update`);
        }
        throw err;
      }
      return history;
    });
  }

  /**
   * Outputs of the network for `inputs` (Float32Array [count × inputs]): Float32Array
   * [count × outputs]. `method: 'weight-scaling'` (default) is O* (Eq. 4/13); `'monte-carlo'`
   * averages `samples` subnetworks drawn from `seed`. See predict.ts.
   */
  async predict(input: Float32Array, options?: PredictOptions): Promise<Float32Array> {
    const where = 'Network.predict';
    this.#checkIdle(where);
    const { inputs, count } = inputRows(where, 'inputs', input, this.#spec);
    checkElementCount(where, 'the outputs', count, outputsOf(this.#spec));
    const large = inputs.length > FINITE_SLICE;
    if (!large) checkFinite(where, 'inputs', inputs);
    const o = resolvePredictOptions(where, options, this.#spec.seed);
    if (isAborted(o.signal)) throw new AbortError(`${where}: the signal was aborted before prediction started`);
    return this.#hold(where, 'predicting', o.signal, async () => {
      if (large) await checkFiniteYielding(where, 'inputs', inputs);
      if (isAborted(o.signal)) throw new AbortError(`${where}: the signal was aborted before prediction started`);
      return awaitNative(this.#raw.predict(inputs, count, { method: o.method, samples: o.samples, seed: o.seed }));
    });
  }

  /** Class labels for `inputs`: the argmax of each predicted row (single output: O ≥ 0.5 → 1). */
  async classify(inputs: Float32Array, options?: PredictOptions): Promise<Int32Array> {
    const out = await this.predict(inputs, options);
    return labelsOf(out, out.length / outputsOf(this.#spec), outputsOf(this.#spec));
  }

  #contents(where: string, options: unknown): ModelContents {
    const o = checkOptions<SaveOptions>(where, 'options', options, SAVE_KEYS);
    const withState = o.trainingState === undefined ? true : checkBoolean(where, 'options.trainingState', o.trainingState);
    this.#checkReadable(where);
    const pairs = weightPairs(this.#spec);
    return callNative(() => {
      const contents: ModelContents = {
        spec: this.#spec,
        weights: pairs.map(([h, l]) => this.#raw.getWeights(h, l)),
        biases: this.#spec.layers.map((_, i) => this.#raw.getBias(i + 1)),
      };
      if (withState) {
        const s = this.#raw.getTrainingState();
        contents.training = { optimizer: s.optimizer, step: s.step, epoch: s.epoch, position: s.position, m: s.m, v: s.v };
      }
      return contents;
    });
  }

  /** The model as bytes (the format of model-file.ts), for `Network.fromBuffer`. */
  toBuffer(options?: SaveOptions): Buffer {
    return encodeModel(this.#contents('Network.toBuffer', options));
  }

  /** Writes the model to `path` atomically (temporary file, fsync, rename): never a torn file. */
  async save(path: string, options?: SaveOptions): Promise<void> {
    checkPath('Network.save', 'path', path);
    // The snapshot is taken synchronously, so the network may train again while the file is written.
    await writeFileAtomic(path, this.toBuffer(options));
  }

  /** Reads a model written by `save()`. Rejects with CorruptFileError when the file fails any check. */
  static async load(path: string, options?: LoadOptions): Promise<Network> {
    const where = 'Network.load';
    checkPath(where, 'path', path);
    const o = checkLoadOptions(where, options);
    return Network.#fromContents(await readModelFile(path, o.threads), o);
  }

  /** The inverse of `toBuffer()`. Throws CorruptFileError when the bytes fail any check. */
  static fromBuffer(bytes: Uint8Array, options?: LoadOptions): Network {
    const where = 'Network.fromBuffer';
    if (typedArrayKind(bytes) !== 'Uint8Array') throw invalid(where, 'bytes', 'a Buffer or Uint8Array', bytes);
    const view = checkTypedArray(where, 'bytes', bytes, Uint8Array); // its true length, whatever it claims
    const o = checkLoadOptions(where, options);
    return Network.#fromContents(decodeModel(where, view, o.threads), o);
  }

  static #fromContents(m: ModelContents, o: LoadOptions): Network {
    const net = new Network({ ...m.spec, ...(o.backend === undefined ? {} : { backend: o.backend }) });
    const raw = net.#raw;
    callNative(() => {
      weightPairs(m.spec).forEach(([h, l], i) => raw.setWeights(h, l, m.weights[i]!));
      m.biases.forEach((b, i) => raw.setBias(i + 1, b));
      if (m.training) {
        const t = m.training;
        const state: RawTrainingState = { optimizer: t.optimizer, step: t.step, epoch: t.epoch, position: t.position, m: t.m, v: t.v };
        raw.setTrainingState(state);
      }
    });
    return net;
  }

  // ---- ensemble statistics (the estimators live in src/ensemble) ----

  /**
   * Per-neuron Monte Carlo statistics of the ensemble of subnetworks for one input (src/ensemble/sample.ts).
   * On a 'cuda' network the samples run on the GPU (the same subnetworks as on the CPU), except with
   * `masks` or `returnMasks`, which run on the CPU. predict, exactEnsemble and propagate always run on the CPU.
   */
  async ensembleStats(input: Float32Array, options?: EnsembleOptions): Promise<EnsembleStats> {
    const where = 'Network.ensembleStats';
    const r = sampleRequest(where, this.#spec, input, options);
    return this.#hold(where, 'sampling', r.signal, async () => {
      if (!r.state) return this.#sample(r.input, r.raw);
      // Fingerprinted while held, before the engine starts: no call can change the weights until it settles.
      const header: StateHeader = { model: this.#fingerprint(), input: inputFingerprint(r.input), ...r.state, layers: this.#spec.layers.map((l) => ({ units: l.units, activation: l.activation })) };
      const moments = await awaitNative(native().ensembleSample(this.#raw, r.input, r.raw));
      return { ...deriveStats(this.#spec, moments, false), state: encodeState(header, moments), sampleRange: [...r.state.range] };
    });
  }

  /** The same statistics computed exactly by enumerating every subnetwork (at most `limits.maxExactGates` gates). */
  async exactEnsemble(input: Float32Array, options?: { signal?: AbortSignal }): Promise<EnsembleStats> {
    const where = 'Network.exactEnsemble';
    const r = exactRequest(where, this.#spec, input, options, () => exactGateCount(this.#raw));
    return this.#hold(where, 'enumerating', r.signal, async () => {
      const moments = await awaitNative(native().ensembleExact(this.#raw, r.input));
      return deriveStats(this.#spec, moments, true);
    });
  }

  /**
   * Consistency and gap columns averaged over `count` inputs (Float32Array [count × inputs]). The
   * network is held for the whole set, not input by input, so no other call slips in between.
   */
  async ensembleStatsMany(inputs: Float32Array, count: number, options?: EnsembleOptions): Promise<EnsembleStatsMany> {
    const where = 'Network.ensembleStatsMany';
    const a = checkManyArguments(where, this.#spec, inputs, count, options);
    const d = this.#spec.inputs;
    const first = sampleRequest(where, this.#spec, a.inputs.subarray(0, d), options);
    const signal = first.signal;
    return this.#hold(where, 'sampling', signal, () =>
      averageStats(this.#spec, a.inputs, a.count, (x) => {
        // The engine's abort flag stops a running sample; between two inputs nothing runs to stop.
        if (isAborted(signal)) throw new AbortError(`${where}: the signal was aborted`);
        return this.#sample(x, first.raw);
      }),
    );
  }

  /** SHA-256 hex of what the statistics depend on: the description without seed, threads and backend, then every weight and bias. */
  #fingerprint(): string {
    if (this.#modelHash !== undefined) return this.#modelHash;
    const { seed: _seed, ...described } = specToJSON(this.#spec);
    const hash = createHash('sha256').update(JSON.stringify(described));
    callNative(() => {
      for (const [h, l] of weightPairs(this.#spec)) hashFloats(hash, this.#raw.getWeights(h, l));
      this.#spec.layers.forEach((_, i) => hashFloats(hash, this.#raw.getBias(i + 1)));
    });
    this.#modelHash = hash.digest('hex');
    return this.#modelHash;
  }

  async #sample(input: Float32Array, raw: RawEnsembleSampleOptions): Promise<EnsembleStats> {
    const moments = await awaitNative(native().ensembleSample(this.#raw, input, raw));
    return deriveStats(this.#spec, moments, false);
  }

  /** Sampling-free estimates of E(O) (and Var(O)): 'nwgm' (Eqs. 11–13) or 'gaussian' moment propagation. */
  propagate(input: Float32Array, options?: { method?: PropagateMethod }): PropagateResult {
    const where = 'Network.propagate';
    const r = propagateRequest(where, this.#spec, input, options);
    if (this.busy) throw new BusyError(`${where}: the network is busy; its weights may change`);
    return propagate(this, this.#spec, r.input, r.method);
  }

  /**
   * The same estimates, asynchronously, and the 'covariance' method, which carries each layer's
   * covariance up the network (src/ensemble/propagate-covariance.ts): its products are cubic in
   * the layer width (about 10^10 multiply-adds on the paper's network), so they run in float64 on
   * the network's threads, holding the network like ensembleStats; `signal` aborts between products.
   */
  async propagateAsync(input: Float32Array, options?: { method?: PropagateMethod; signal?: AbortSignal }): Promise<PropagateResult> {
    const where = 'Network.propagateAsync';
    const r = propagateRequest(where, this.#spec, input, options, PROPAGATE_METHODS);
    return this.#hold(where, 'propagating', r.signal, async () => {
      const raw = this.#raw;
      const weights = (h: number, l: number) => callNative(() => raw.getWeights(h, l));
      const bias = (h: number) => callNative(() => raw.getBias(h));
      if (r.method !== 'covariance') return propagate({ spec: this.#spec, getWeights: weights, getBias: bias }, this.#spec, r.input, r.method);
      return propagateCovariance(this.#spec, r.input, {
        weights,
        bias,
        product: (h, l, cov) => {
          if (isAborted(r.signal)) throw new AbortError(`${where}: the signal was aborted`);
          return awaitNative(native().propagateCovariance(raw, h, l, cov));
        },
      });
    });
  }
}

function checkLoadOptions(where: string, options: unknown): LoadOptions {
  const o = checkOptions<LoadOptions>(where, 'options', options, LOAD_KEYS);
  if (o.threads !== undefined) checkInteger(where, 'options.threads', o.threads, 1, limits.maxThreads);
  if (o.backend !== undefined) checkEnum(where, 'options.backend', o.backend, ['cpu', 'cuda', 'auto'] as const);
  return o;
}
