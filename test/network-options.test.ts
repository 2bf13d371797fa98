// train() and predict() options: defaults, schedules, data validation with exact messages.
// Pure TypeScript: no native addon needed.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, OutOfRangeError } from '../src/errors.js';
import { resolveSpec } from '../src/network/spec.js';
import { expandSchedule, resolveTrainOptions } from '../src/network/train-options.js';
import { labelsOf, resolvePredictOptions } from '../src/network/predict.js';

const W = 'Network.train';
const classifier = resolveSpec('t', { inputs: 2, layers: [{ units: 3, keep: 0.5 }, { units: 3, activation: 'softmax' }], seed: 1, threads: 1 });
const regressor = resolveSpec('t', { inputs: 2, layers: [{ units: 3 }, { units: 2, activation: 'linear' }], seed: 1, threads: 1 });
const data = { inputs: Float32Array.of(0, 1, 1, 0, 0.5, 0.5), targets: Uint8Array.of(0, 2, 1), count: 3 };

const fail = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('schedules', () => {
  const LR = { min: 0, max: Infinity, minExclusive: true, text: 'a finite number > 0' };
  const MOM = { min: 0, max: 1, maxExclusive: true, text: 'a number >= 0 and < 1' };
  it('constant, exponential decay, linear ramp (Hinton et al.), explicit arrays', () => {
    expect(Array.from(expandSchedule(W, 'lr', 0.5, 3, LR))).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(expandSchedule(W, 'lr', { kind: 'exponential', initial: 8, decay: 0.5 }, 4, LR))).toEqual([8, 4, 2, 1]);
    const f = (a: number[]) => a.map(Math.fround);
    expect(Array.from(expandSchedule(W, 'm', { kind: 'linear', from: 0.5, to: 0.9, epochs: 4 }, 6, MOM))).toEqual(f([0.5, 0.6, 0.7, 0.8, 0.9, 0.9]));
    expect(Array.from(expandSchedule(W, 'lr', [3, 2, 1], 5, LR))).toEqual([3, 2, 1, 1, 1]);
  });

  it('is indexed by the absolute epoch, so training in pieces equals training at once', () => {
    const s = { kind: 'linear', from: 0.5, to: 0.99, epochs: 10 };
    const once = Array.from(expandSchedule(W, 'm', s, 6, MOM));
    const pieces = [...expandSchedule(W, 'm', s, 2, MOM, 0), ...expandSchedule(W, 'm', s, 4, MOM, 2)];
    expect(pieces).toEqual(once);
    expect(Array.from(expandSchedule(W, 'lr', [3, 2, 1], 2, LR, 1))).toEqual([2, 1]);
  });

  it.each([
    [{ kind: 'exponential', initial: 1, decay: 1.5 }, OutOfRangeError, 'Network.train: lr.decay must be a number > 0 and <= 1, got 1.5'],
    [{ kind: 'exponential', initial: 1, decay: 0.5, rate: 1 }, InvalidArgumentError, 'Network.train: unknown option "rate" in lr (allowed: kind, initial, decay)'],
    [{ kind: 'linear', from: 1, to: 2, epochs: 0 }, OutOfRangeError, 'Network.train: lr.epochs must be an integer in [1, 1000000], got 0'],
    [{ kind: 'cosine' }, InvalidArgumentError, "Network.train: lr must be a number, an array of numbers, { kind: 'exponential', initial, decay } or { kind: 'linear', from, to, epochs }, got an object"],
    [[], InvalidArgumentError, 'Network.train: lr must hold at least one value, got an empty array'],
    [[1, -1], OutOfRangeError, 'Network.train: lr[1] must be a number > 0, got -1'],
    [{ kind: 'exponential', initial: 1e-30, decay: 1e-10 }, OutOfRangeError, 'Network.train: lr reaches 0 at epoch 3; it must stay a finite number > 0'],
  ])('rejects bad schedule %#', (v, Ctor, message) => {
    const e = fail(() => expandSchedule(W, 'lr', v, 3, LR));
    expect(e).toBeInstanceOf(Ctor);
    expect(e.message).toBe(message);
  });

  it('checks the float32 values the engine will see', () => {
    const e = fail(() => expandSchedule(W, 'm', { kind: 'linear', from: 0.5, to: 0.99999999, epochs: 1 }, 2, MOM));
    expect(e).toBeInstanceOf(OutOfRangeError);
    expect(e.message).toBe('Network.train: m reaches 1 at epoch 2; it must stay a number >= 0 and < 1');
  });
});

describe('resolveTrainOptions', () => {
  it('the default recipe: Adam 1e-3, β1 0.9, batch 100 (or the count), cross-entropy, one epoch', () => {
    const o = resolveTrainOptions(W, data, undefined, classifier);
    expect(o.optimizer).toBe('adam');
    expect(Array.from(o.learningRate)).toEqual([Math.fround(1e-3)]);
    expect(Array.from(o.momentum)).toEqual([Math.fround(0.9)]);
    expect(o.batchSize).toBe(3);
    expect(o.epochs).toBe(1);
    expect(o.loss).toBe('cross-entropy');
    expect(o.maxNorm).toBe(0);
    expect(o.data.labels).toEqual(data.targets); // a checked view of the caller's labels
    const sgd = resolveTrainOptions(W, data, { optimizer: 'sgd', epochs: 2, momentum: { kind: 'linear', from: 0.5, to: 0.99, epochs: 500 } }, classifier);
    expect(Array.from(sgd.learningRate)).toEqual([Math.fround(0.1), Math.fround(0.1)]);
    expect(sgd.momentum[1]).toBe(Math.fround(0.5 + 0.49 / 500));
    expect(resolveTrainOptions(W, { ...data, targets: new Float32Array(6) }, {}, regressor).loss).toBe('squared-error');
  });

  it.each([
    [data, { epoch: 1 }, InvalidArgumentError, 'Network.train: unknown option "epoch" in options (allowed: epochs, batchSize, optimizer, learningRate, momentum, maxNorm, weightDecay, loss, validation, signal, onEpoch, onProgress, probes, onProbe, maskSharing, precision, learningRateScale)'],
    [data, { epochs: 0 }, OutOfRangeError, 'Network.train: options.epochs must be an integer in [1, 1000000], got 0'],
    [data, { batchSize: 4 }, OutOfRangeError, 'Network.train: options.batchSize must be an integer in [1, 3], got 4'],
    [data, { batchSize: 1.5 }, InvalidArgumentError, 'Network.train: options.batchSize must be an integer >= 1, got 1.5'],
    [data, { optimizer: 'rmsprop' }, InvalidArgumentError, 'Network.train: options.optimizer must be one of "adam", "sgd", got "rmsprop"'],
    [data, { learningRate: NaN }, InvalidArgumentError, 'Network.train: options.learningRate must be a finite number, got NaN'],
    [data, { learningRate: 0 }, OutOfRangeError, 'Network.train: options.learningRate must be a number > 0, got 0'],
    [data, { momentum: 1 }, OutOfRangeError, 'Network.train: options.momentum must be a number >= 0 and < 1, got 1'],
    [data, { momentum: [0.5, 0.9] }, InvalidArgumentError, 'Network.train: options.momentum must be a number (Adam\'s β1; schedules need optimizer "sgd"), got Array(2)'],
    [data, { maxNorm: 0 }, OutOfRangeError, 'Network.train: options.maxNorm must be a number > 0, got 0'],
    [data, { weightDecay: -1 }, OutOfRangeError, 'Network.train: options.weightDecay must be a number >= 0, got -1'],
    [data, { loss: 'mse' }, InvalidArgumentError, 'Network.train: options.loss must be one of "cross-entropy", "squared-error", got "mse"'],
    [data, { signal: {} }, InvalidArgumentError, 'Network.train: options.signal must be an AbortSignal, got an object'],
    [data, { onEpoch: 1 }, InvalidArgumentError, 'Network.train: options.onEpoch must be a function, got 1'],
    [[], {}, InvalidArgumentError, 'Network.train: data must be an object { inputs, targets, count }, got Array(0)'],
    [{ ...data, count: 2 }, {}, InvalidArgumentError, 'Network.train: data.inputs must have length 4, got Float32Array(6)'],
    [{ ...data, inputs: Float64Array.of(0, 1, 1, 0, 0.5, 0.5) }, {}, InvalidArgumentError, 'Network.train: data.inputs must be a Float32Array, got Float64Array(6)'],
    [{ ...data, inputs: Float32Array.of(0, 1, 1, 0, Infinity, 0.5) }, {}, InvalidArgumentError, 'Network.train: data.inputs[4] must be finite, got Infinity'],
    [{ ...data, targets: Uint8Array.of(0, 3, 1) }, {}, OutOfRangeError, 'Network.train: data.targets[1] must be a class label in [0, 2], got 3'],
    [{ ...data, targets: Int32Array.of(0, -1, 1) }, {}, OutOfRangeError, 'Network.train: data.targets[1] must be a class label in [0, 2], got -1'],
    [{ ...data, targets: Uint16Array.of(0, 1, 1) }, {}, InvalidArgumentError, 'Network.train: data.targets must be class labels (Uint8Array or Int32Array) or a Float32Array [count × outputs], got Uint16Array(3)'],
    [{ ...data, targets: Float32Array.of(1, 0, 0, 0, 1, 0, 0.5, 0.5, 0.5) }, {}, OutOfRangeError, 'Network.train: row 2 of data.targets must sum to 1 for a softmax top with the cross-entropy loss, got 1.5'],
    [{ ...data, targets: Float32Array.of(1, 0, 0, 0, 1, 0, 2, -1, 0) }, {}, OutOfRangeError, 'Network.train: data.targets[6] must be a probability in [0, 1] for the cross-entropy loss, got 2'],
    [{ ...data, extra: 1 }, {}, InvalidArgumentError, 'Network.train: unknown option "extra" in data (allowed: inputs, targets, count)'],
    [data, { validation: { ...data, count: 0 } }, OutOfRangeError, 'Network.train: options.validation.count must be an integer >= 1, got 0'],
    [data, { learningRateScale: 2 }, InvalidArgumentError, 'Network.train: options.learningRateScale must be an array of 2 numbers (one per layer), got 2'],
    [data, { learningRateScale: Float32Array.of(1, 1) }, InvalidArgumentError, 'Network.train: options.learningRateScale must be an array of 2 numbers (one per layer), got Float32Array(2)'],
    [data, { learningRateScale: [1] }, InvalidArgumentError, 'Network.train: options.learningRateScale must hold one factor per layer (2), got 1'],
    [data, { learningRateScale: [1, 0] }, OutOfRangeError, 'Network.train: options.learningRateScale[1] must be a number > 0, got 0'],
    [data, { learningRateScale: [NaN, 1] }, InvalidArgumentError, 'Network.train: options.learningRateScale[0] must be a finite number, got NaN'],
    [data, { learningRateScale: ['2', 1] }, InvalidArgumentError, 'Network.train: options.learningRateScale[0] must be a finite number, got "2"'],
    [data, { learningRateScale: [1e-50, 1] }, OutOfRangeError, 'Network.train: options.learningRateScale[0] is 1e-50, which is 0 or infinite in float32'],
    [data, { learningRateScale: [1, 1e39] }, OutOfRangeError, 'Network.train: options.learningRateScale[1] is 1e+39, which is 0 or infinite in float32'],
  ])('rejects %# with the exact message', (d, options, Ctor, message) => {
    const e = fail(() => resolveTrainOptions(W, d, options, classifier));
    expect(e).toBeInstanceOf(Ctor);
    expect(e.message).toBe(message);
  });

  it('learningRateScale: one float32 factor per layer, absent by default', () => {
    expect(resolveTrainOptions(W, data, {}, classifier).learningRateScale).toBeUndefined();
    const o = resolveTrainOptions(W, data, { learningRateScale: [3, 0.1] }, classifier);
    expect(Array.from(o.learningRateScale!)).toEqual([3, Math.fround(0.1)]);
    // Each factor is read once: a getter cannot pass the check with one value and train with another.
    let reads = 0;
    const once = [1, 1];
    Object.defineProperty(once, 0, { get: () => (reads++ === 0 ? 2 : -1), enumerable: true });
    expect(Array.from(resolveTrainOptions(W, data, { learningRateScale: once }, classifier).learningRateScale!)).toEqual([2, 1]);
    expect(reads).toBe(1);
  });

  it('ties the loss and the targets to the top layer', () => {
    expect(fail(() => resolveTrainOptions(W, data, {}, regressor)).message).toBe(
      'Network.train: data.targets are class labels, which need a softmax or logistic top layer; give a Float32Array [count × 2] for this network',
    );
    expect(fail(() => resolveTrainOptions(W, { ...data, targets: new Float32Array(6) }, { loss: 'cross-entropy' }, regressor)).message).toBe(
      'Network.train: loss "cross-entropy" needs a softmax or logistic top layer; use "squared-error" for this network',
    );
    const binary = resolveSpec('t', { inputs: 2, layers: [{ units: 1, activation: 'logistic' }], seed: 1, threads: 1 });
    expect(resolveTrainOptions(W, { ...data, targets: Uint8Array.of(0, 1, 1) }, {}, binary).loss).toBe('cross-entropy');
    expect(fail(() => resolveTrainOptions(W, { ...data, targets: Uint8Array.of(0, 2, 1) }, {}, binary)).message).toBe(
      'Network.train: data.targets[1] must be a class label in [0, 1], got 2',
    );
  });
});

describe('predict options and labels', () => {
  it('defaults, Monte Carlo settings and exact messages', () => {
    expect(resolvePredictOptions('p', undefined, 9)).toEqual({ method: 'weight-scaling', samples: 100, seed: 9 });
    expect(resolvePredictOptions('p', { method: 'monte-carlo', samples: 5, seed: 3 }, 9)).toEqual({ method: 'monte-carlo', samples: 5, seed: 3 });
    expect(fail(() => resolvePredictOptions('p', { samples: 5 }, 9)).message).toBe('p: options.samples applies to method "monte-carlo" only');
    expect(fail(() => resolvePredictOptions('p', { method: 'monte-carlo', samples: 0 }, 9)).message).toBe('p: options.samples must be an integer in [1, 1000000000], got 0');
    expect(fail(() => resolvePredictOptions('p', { method: 'mc' }, 9)).message).toBe('p: options.method must be one of "weight-scaling", "monte-carlo", got "mc"');
  });

  it('labels are the row argmax (first on ties), or O >= 0.5 for one output', () => {
    expect(Array.from(labelsOf(Float32Array.of(0.1, 0.7, 0.2, 0.4, 0.4, 0.2), 2, 3))).toEqual([1, 0]);
    expect(Array.from(labelsOf(Float32Array.of(0.5, 0.49), 2, 1))).toEqual([1, 0]);
  });
});
