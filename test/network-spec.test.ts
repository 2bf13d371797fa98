// The network description: validation with exact messages, defaults, and the JSON round trip.
// Pure TypeScript, except that resolving backend 'auto' asks info() whether a GPU is usable.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, OutOfRangeError } from '../src/errors.js';
import { info } from '../src/info.js';
import { copySpec, resolveSpec, specFromJSON, specToJSON, weightPairs } from '../src/network/spec.js';

const W = 'new Network';
const paper = {
  inputs: 784,
  inputKeep: 0.8,
  layers: [...Array.from({ length: 4 }, () => ({ units: 1200, activation: 'logistic', keep: 0.5 })), { units: 10, activation: 'softmax' }],
  seed: 1,
  threads: 2,
};
const small = (over: Record<string, unknown> = {}, layerOver: Array<Record<string, unknown>> = []) => ({
  inputs: 3,
  layers: [
    { units: 4, keep: 0.5, ...layerOver[0] },
    { units: 2, activation: 'softmax', ...layerOver[1] },
  ],
  seed: 7,
  threads: 1,
  ...over,
});
const err = (spec: unknown) => {
  try {
    resolveSpec(W, spec);
  } catch (e) {
    return e as Error;
  }
  throw new Error('resolveSpec accepted an invalid description');
};

describe('resolveSpec', () => {
  it('fills defaults and resolves the paper network', () => {
    const s = resolveSpec(W, paper);
    expect(s.dropout).toBe('units');
    expect(s.backend).toBe(info().auto);
    expect(s.layers.map((l) => l.from)).toEqual([[0], [1], [2], [3], [4]]);
    expect(s.layers[4]!.keep).toBeUndefined();
    expect(weightPairs(s)).toEqual([[1, 0], [2, 1], [3, 2], [4, 3], [5, 4]]);
    const d = resolveSpec(W, { inputs: 2, layers: [{ units: 1, activation: 'linear' }] });
    expect(d.inputKeep).toBe(1);
    expect(Number.isSafeInteger(d.seed)).toBe(true);
    expect(d.threads).toBeGreaterThanOrEqual(1);
  });

  it('accepts skip connections in any order, the general logistic, per-unit keeps and auto backend', () => {
    const s = resolveSpec(W, {
      inputs: 2,
      inputKeep: [1, 0.5],
      dropout: 'connections',
      layers: [
        { units: 3, activation: { kind: 'logistic', c: 2, lambda: -0.5 }, keep: Float32Array.of(0.1, 0.2, 0.3) },
        { units: 1, activation: 'logistic', from: [1, 0] },
      ],
      seed: 0,
      backend: 'auto',
    });
    expect(s.inputKeep).toEqual(Float32Array.of(1, 0.5));
    expect(s.layers[1]!.from).toEqual([0, 1]);
    expect(s.layers[0]!.activation).toEqual({ kind: 'logistic', c: 2, lambda: -0.5 });
    expect(s.backend).toBe('cpu');
  });

  it('never aliases the caller’s arrays', () => {
    const keep = Float32Array.of(0.5, 0.5, 0.5, 0.5);
    const s = resolveSpec(W, small({}, [{ keep }]));
    keep[0] = 0;
    expect(s.layers[0]!.keep).toEqual(new Float32Array(4).fill(0.5));
    const c = copySpec(s);
    (c.layers[0]!.keep as Float32Array)[1] = 0;
    c.layers[1]!.from.push(0);
    expect(s.layers[0]!.keep).toEqual(new Float32Array(4).fill(0.5));
    expect(s.layers[1]!.from).toEqual([1]);
  });

  it.each([
    [null, InvalidArgumentError, 'new Network: spec must be an object, got null'],
    [small({ input: 3 }), InvalidArgumentError, 'new Network: unknown option "input" in spec (allowed: inputs, inputKeep, dropout, layers, seed, threads, backend)'],
    [small({ inputs: 2.5 }), InvalidArgumentError, 'new Network: spec.inputs must be an integer >= 1, got 2.5'],
    [small({ inputs: -1 }), OutOfRangeError, 'new Network: spec.inputs must be an integer in [1, 16777216], got -1'],
    [small({ inputs: 2 ** 30 }), OutOfRangeError, 'new Network: spec.inputs must be an integer in [1, 16777216], got 1073741824'],
    [small({ inputKeep: 1.5 }), OutOfRangeError, 'new Network: spec.inputKeep must be a number >= 0 and <= 1, got 1.5'],
    [small({ inputKeep: NaN }), InvalidArgumentError, 'new Network: spec.inputKeep must be a finite number, got NaN'],
    [small({ inputKeep: Float32Array.of(1, 1) }), InvalidArgumentError, 'new Network: spec.inputKeep must have length 3, got Float32Array(2)'],
    [small({ inputKeep: Float64Array.of(1, 1, 1) }), InvalidArgumentError, 'new Network: spec.inputKeep must be a number in [0, 1] or 3 of them (Float32Array or array), got Float64Array(3)'],
    [small({ inputKeep: [1, 2, 1] }), OutOfRangeError, 'new Network: spec.inputKeep[1] must be a number >= 0 and <= 1, got 2'],
    [small({ dropout: 'unit' }), InvalidArgumentError, 'new Network: spec.dropout must be one of "units", "connections", got "unit"'],
    [small({ layers: [] }), InvalidArgumentError, 'new Network: spec.layers must hold at least one layer, got an empty array'],
    [small({}, [{ size: 4 }]), InvalidArgumentError, 'new Network: unknown option "size" in spec.layers[0] (allowed: units, activation, keep, from)'],
    [small({}, [{ units: 0 }]), OutOfRangeError, 'new Network: spec.layers[0].units must be an integer in [1, 16777216], got 0'],
    [small({}, [{ activation: 'sigmoid' }]), InvalidArgumentError, 'new Network: spec.layers[0].activation must be one of "logistic", "linear", "softmax", "relu", "tanh", got "sigmoid"'],
    [small({}, [{ activation: 'softmax' }]), InvalidArgumentError, 'new Network: spec.layers[0].activation "softmax" is only allowed on the top layer'],
    [small({}, [{ activation: { kind: 'logistic', c: 0, lambda: 1 } }]), OutOfRangeError, 'new Network: spec.layers[0].activation.c must be a number > 0, got 0'],
    [small({}, [{ activation: { kind: 'logistic', c: 1, lambda: 0 } }]), OutOfRangeError, 'new Network: spec.layers[0].activation.lambda must be a finite number other than 0, got 0'],
    [small({}, [{ activation: { kind: 'logistic', c: 1, lambda: Infinity } }]), InvalidArgumentError, 'new Network: spec.layers[0].activation.lambda must be a finite number, got Infinity'],
    [small({}, [{ activation: { kind: 'logistic', c: 1 } }]), InvalidArgumentError, 'new Network: spec.layers[0].activation.lambda must be a finite number, got undefined'],
    [small({}, [{ keep: -0.1 }]), OutOfRangeError, 'new Network: spec.layers[0].keep must be a number >= 0 and <= 1, got -0.1'],
    [small({}, [{}, { keep: 0.5 }]), InvalidArgumentError, 'new Network: spec.layers[1].keep is not allowed on the top layer (no layer reads it), got 0.5'],
    [small({}, [{}, { activation: undefined }]), InvalidArgumentError, 'new Network: spec.layers[1].activation must be given on the top layer (e.g. "softmax" for classes, "linear" for regression)'],
    [small({}, [{}, { from: [1, 2] }]), OutOfRangeError, 'new Network: spec.layers[1].from[1] must be an integer in [0, 1], got 2'],
    [small({}, [{}, { from: [1, 1] }]), InvalidArgumentError, 'new Network: spec.layers[1].from lists layer 1 twice'],
    [small({}, [{}, { from: [] }]), InvalidArgumentError, 'new Network: spec.layers[1].from must list at least one lower layer, got an empty array'],
    [small({}, [{}, { from: [0] }]), InvalidArgumentError, 'new Network: layer 1 is not read by any layer above; list it in some layer\'s "from"'],
    [small({}, [{ keep: 0 }]), OutOfRangeError, 'new Network: spec.layers[0].keep is 0 for every unit of layer 1, which feeds layer 2: those layers would only ever see zeros'],
    [small({ inputKeep: new Float32Array(3) }), OutOfRangeError, 'new Network: spec.inputKeep is 0 for every unit of the input (layer 0), which feeds layer 1: those layers would only ever see zeros'],
    [small({ seed: -1 }), OutOfRangeError, 'new Network: spec.seed must be an integer >= 0, got -1'],
    [small({ threads: 0 }), OutOfRangeError, 'new Network: spec.threads must be an integer in [1, 1024], got 0'],
    [small({ backend: 'gpu' }), InvalidArgumentError, 'new Network: spec.backend must be one of "cpu", "cuda", "auto", got "gpu"'],
    [
      { inputs: 16_000_000, layers: [{ units: 16_000_000, activation: 'linear' }] },
      OutOfRangeError,
      'new Network: the weight matrix W(1,0) would hold 16000000 × 16000000 = 256000000000000 elements, more than the limit of 2147483647',
    ],
    [
      { inputs: 40_000, layers: [{ units: 40_000 }, { units: 40_000, activation: 'linear' }] },
      OutOfRangeError,
      'new Network: the network would hold 3200080000 parameters, more than the limit of 2147483647',
    ],
  ])('rejects %# with the exact message', (spec, Ctor, message) => {
    const e = err(spec);
    expect(e).toBeInstanceOf(Ctor);
    expect(e.message).toBe(message);
  });

  it('a keep of 0 on some units is fine; on all units of a layer read only by skips too', () => {
    expect(() => resolveSpec(W, small({}, [{ keep: Float32Array.of(0, 0, 0, 1) }]))).not.toThrow();
  });
});

describe('specToJSON / specFromJSON', () => {
  it('round-trips per-unit keeps exactly and leaves out the machine-specific fields', () => {
    const keep = Float32Array.of(0.1, 0.2, 0.3, 1 / 3);
    const s = resolveSpec(W, small({ inputKeep: 0.8 }, [{ keep, activation: { kind: 'logistic', c: 3, lambda: 0.25 } }]));
    const json = JSON.parse(JSON.stringify(specToJSON(s)));
    expect(json.threads).toBeUndefined();
    expect(json.backend).toBeUndefined();
    const back = resolveSpec(W, { ...(specFromJSON(json) as object), threads: 1 });
    expect(back).toEqual(s);
    expect((back.layers[0]!.keep as Float32Array)[3]).toBe(keep[3]);
  });
});
