// The Network class against the native engine: weights access, argument validation that leaves the
// network untouched, the busy flag, save/load round trips and damaged files.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BusyError, CorruptFileError, InvalidArgumentError, OutOfRangeError, UnsupportedError } from '../src/errors.js';
import { info } from '../src/info.js';
import { Network } from '../src/network/network.js';
import { randomFloats } from './helpers/random.js';
import { parameterBits } from './helpers/network-fixtures.js';

const spec = () => ({
  inputs: 6,
  inputKeep: 0.8,
  layers: [
    { units: 5, activation: 'tanh' as const, keep: 0.5 },
    { units: 4, activation: { kind: 'logistic' as const, c: 2, lambda: 0.5 }, keep: [0.5, 0.6, 0.7, 0.8], from: [0, 1] },
    { units: 3, activation: 'softmax' as const },
  ],
  seed: 42,
  threads: 1,
});
const count = 40;
const data = { inputs: randomFloats(count * 6, 1, 0, 1), targets: Uint8Array.from({ length: count }, (_, i) => i % 3), count };

const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('Network: description and parameters', () => {
  it('initialises reproducibly from the seed and exposes a deep copy of its description', () => {
    const a = new Network(spec());
    const b = new Network(spec());
    expect(parameterBits(a)).toEqual(parameterBits(b));
    expect(parameterBits(new Network({ ...spec(), seed: 43 }))).not.toEqual(parameterBits(a));
    const s = a.spec;
    expect(s.layers[1]!.from).toEqual([0, 1]);
    s.layers[1]!.from.length = 0;
    (s.layers[1]!.keep as Float32Array)[0] = 0;
    expect(a.spec.layers[1]!.from).toEqual([0, 1]);
    expect((a.spec.layers[1]!.keep as Float32Array)[0]).toBe(0.5);
    expect(a.getWeights(2, 0)).toHaveLength(4 * 6);
    expect(a.getBias(3)).toHaveLength(3);
  });

  it('setWeights / setBias copy in, getWeights / getBias copy out', () => {
    const net = new Network(spec());
    const w = randomFloats(4 * 5, 3);
    net.setWeights(2, 1, w);
    const back = net.getWeights(2, 1);
    expect(back).toEqual(w);
    back[0] = 99;
    w[1] = 99;
    expect(net.getWeights(2, 1)[0]).not.toBe(99);
    expect(net.getWeights(2, 1)[1]).not.toBe(99);
    const b = Float32Array.of(1, -2, 3);
    net.setBias(3, b);
    expect(net.getBias(3)).toEqual(b);
  });

  it.each([
    [(n: Network) => n.getWeights(0, 0), OutOfRangeError, 'Network.getWeights: h must be an integer in [1, 3], got 0'],
    [(n: Network) => n.getWeights(3, 0), InvalidArgumentError, 'Network.getWeights: l must be a layer that layer 3 reads (its from is [2]), got 0'],
    [(n: Network) => n.getWeights(2, 2), OutOfRangeError, 'Network.getWeights: l must be an integer in [0, 1], got 2'],
    [(n: Network) => n.getWeights(1.5 as number, 0), InvalidArgumentError, 'Network.getWeights: h must be an integer >= 1, got 1.5'],
    [(n: Network) => n.setWeights(1, 0, new Float32Array(29)), InvalidArgumentError, 'Network.setWeights: weights must have length 30, got Float32Array(29)'],
    [(n: Network) => n.setWeights(1, 0, new Float64Array(30) as unknown as Float32Array), InvalidArgumentError, 'Network.setWeights: weights must be a Float32Array, got Float64Array(30)'],
    [(n: Network) => n.setWeights(1, 0, new Float32Array(30).fill(NaN)), InvalidArgumentError, 'Network.setWeights: weights[0] must be finite, got NaN'],
    [(n: Network) => n.setBias(1, Float32Array.of(0, 0, 0, 0, -Infinity)), InvalidArgumentError, 'Network.setBias: bias[4] must be finite, got -Infinity'],
    [(n: Network) => n.setBias(4, new Float32Array(3)), OutOfRangeError, 'Network.setBias: h must be an integer in [1, 3], got 4'],
    [(n: Network) => n.toBuffer({ state: true } as never), InvalidArgumentError, 'Network.toBuffer: unknown option "state" in options (allowed: trainingState)'],
  ])('rejects bad call %# synchronously with the exact message, leaving the network as it was', (call, Ctor, message) => {
    const net = new Network(spec());
    const before = parameterBits(net);
    const e = thrown(() => call(net));
    expect(e).toBeInstanceOf(Ctor);
    expect(e.message).toBe(message);
    expect(parameterBits(net)).toEqual(before);
  });

  it('rejects bad train / predict arguments without touching the network or its training state', async () => {
    const net = new Network(spec());
    const before = parameterBits(net);
    const bufferBefore = net.toBuffer();
    await expect(net.train(data, { epochs: 1, learningrate: 0.1 } as never)).rejects.toThrow(
      'Network.train: unknown option "learningrate" in options (allowed: epochs, batchSize, optimizer, learningRate, momentum, maxNorm, weightDecay, loss, validation, signal, onEpoch, onProgress, probes, onProbe, maskSharing, precision, learningRateScale)',
    );
    await expect(net.train({ ...data, targets: Uint8Array.of(...data.targets.slice(0, -1), 3) })).rejects.toThrow(OutOfRangeError);
    await expect(net.train(data, { validation: { ...data, inputs: new Float32Array(5) } })).rejects.toThrow(
      'Network.train: options.validation.inputs must have length 240, got Float32Array(5)',
    );
    await expect(net.predict(new Float32Array(7))).rejects.toThrow(
      'Network.predict: inputs must hold a positive multiple of 6 values (one row per example), got Float32Array(7)',
    );
    await expect(net.predict(Float32Array.of(0, 0, 0, 0, 0, NaN))).rejects.toThrow('Network.predict: inputs[5] must be finite, got NaN');
    await expect(net.predict(new Float32Array(6), { method: 'monte-carlo', samples: -1 })).rejects.toThrow(OutOfRangeError);
    expect(parameterBits(net)).toEqual(before);
    expect(net.toBuffer()).toEqual(bufferBefore);
    // Where no GPU is usable 'cuda' is refused (test/backend.test.ts holds both cases).
    if (!info().backends.cuda.usable) expect(() => new Network({ ...spec(), backend: 'cuda' })).toThrow(UnsupportedError);
  });

  it('predicts deterministically by weight scaling and reproducibly by Monte Carlo', async () => {
    const net = new Network(spec());
    const x = data.inputs.subarray(0, 5 * 6);
    const ws = await net.predict(x);
    expect(ws).toHaveLength(5 * 3);
    expect(await net.predict(x, { method: 'weight-scaling' })).toEqual(ws);
    for (let r = 0; r < 5; r++) expect(ws[3 * r]! + ws[3 * r + 1]! + ws[3 * r + 2]!).toBeCloseTo(1, 5);
    const mc = await net.predict(x, { method: 'monte-carlo', samples: 200, seed: 5 });
    expect(await net.predict(x, { method: 'monte-carlo', samples: 200, seed: 5 })).toEqual(mc);
    expect(await net.predict(x, { method: 'monte-carlo', samples: 200, seed: 6 })).not.toEqual(mc);
    // E(O) ≈ O* on a small, barely trained network (Eq. 11–13): within a few hundredths.
    for (let i = 0; i < mc.length; i++) expect(Math.abs(mc[i]! - ws[i]!)).toBeLessThan(0.1);
    const labels = await net.classify(x);
    expect(labels).toBeInstanceOf(Int32Array);
    for (let r = 0; r < 5; r++) expect(labels[r]).toBe([0, 1, 2].reduce((best, j) => (ws[3 * r + j]! > ws[3 * r + best]! ? j : best), 0));
  });
});

describe('Network: busy', () => {
  it('rejects every other call while training, then works again', async () => {
    const net = new Network({ ...spec(), layers: [{ units: 256, keep: 0.5 }, { units: 3, activation: 'softmax' }] });
    const big = { inputs: randomFloats(2000 * 6, 9, 0, 1), targets: Uint8Array.from({ length: 2000 }, (_, i) => i % 3), count: 2000 };
    const training = net.train(big, { epochs: 3, batchSize: 10 });
    expect(net.busy).toBe(true);
    const busy = 'the network is busy training; wait for that call to settle';
    expect(() => net.getWeights(1, 0)).toThrow(new BusyError(`Network.getWeights: ${busy}`));
    expect(() => net.setBias(2, new Float32Array(3))).toThrow(BusyError);
    expect(() => net.toBuffer()).toThrow(`Network.toBuffer: ${busy}`);
    await expect(net.train(big)).rejects.toThrow(`Network.train: ${busy}`);
    await expect(net.predict(big.inputs)).rejects.toThrow(BusyError);
    await expect(net.save(join(tmpdir(), 'never-written.model'))).rejects.toThrow(BusyError);
    expect(net.spec.inputs).toBe(6); // pure TypeScript: always allowed
    const history = await training;
    expect(history).toHaveLength(3);
    expect(net.busy).toBe(false);
    expect(net.getWeights(1, 0)).toHaveLength(256 * 6);
    // Two predictions at once on one network: the second is refused, not raced.
    const first = net.predict(big.inputs);
    await expect(net.predict(big.inputs)).rejects.toThrow('Network.predict: the network is busy predicting; wait for that call to settle');
    await first;
  });
});

describe('Network: garbage collection', () => {
  it('a network nobody references keeps training until its promise settles, and is freed after', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const start = () => new Network({ ...spec(), layers: [{ units: 128, keep: 0.5 }, { units: 3, activation: 'softmax' }] }).train(data, { epochs: 200, batchSize: 4 });
    const training = start(); // the only reference to the network is inside the pending call
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await training).toHaveLength(200);
    for (let i = 0; i < 50; i++) new Network(spec());
    gc();
  });
});

describe('Network: save and load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'de-net-'));

  it('round-trips bit-exact through a file and a Buffer, training state included', async () => {
    const net = new Network(spec());
    await net.train(data, { epochs: 2, batchSize: 8 });
    const path = join(dir, 'net.model');
    await net.save(path);
    const fromFile = await Network.load(path, { threads: 2 });
    const fromBuffer = Network.fromBuffer(net.toBuffer());
    for (const copy of [fromFile, fromBuffer]) {
      expect(parameterBits(copy)).toEqual(parameterBits(net));
      expect({ ...copy.spec, threads: 1 }).toEqual(net.spec);
      expect(await copy.predict(data.inputs)).toEqual(await net.predict(data.inputs));
    }
    expect(fromFile.spec.threads).toBe(2);
    // The training state travels too: one more epoch on each gives the same weights.
    await net.train(data, { epochs: 1, batchSize: 8 });
    await fromFile.train(data, { epochs: 1, batchSize: 8 });
    expect(parameterBits(fromFile)).toEqual(parameterBits(net));
    // Without it, the file is smaller and training starts afresh.
    expect(net.toBuffer({ trainingState: false }).length).toBeLessThan(net.toBuffer().length);
  });

  it('rejects damaged files with CorruptFileError', async () => {
    const net = new Network(spec());
    await net.train(data, { epochs: 1, batchSize: 8 });
    const good = net.toBuffer();
    const path = join(dir, 'bad.model');
    const cases: Array<[string, Buffer]> = [
      ['truncated', good.subarray(0, good.length - 10)],
      ['bit flip', Buffer.from(good).fill(good[good.length - 50]! ^ 4, good.length - 50, good.length - 49)],
      ['wrong magic', Buffer.concat([Buffer.from('PK\x03\x04'), good.subarray(4)])],
      ['huge declared size', Buffer.from(good).fill(0xff, 16, 20)],
      ['empty', Buffer.alloc(0)],
    ];
    for (const [what, bytes] of cases) {
      writeFileSync(path, bytes);
      await expect(Network.load(path), what).rejects.toThrow(CorruptFileError);
      expect(() => Network.fromBuffer(bytes), what).toThrow(CorruptFileError);
    }
    writeFileSync(path, good);
    expect(readFileSync(path)).toEqual(good);
    await expect(Network.load(path)).resolves.toBeInstanceOf(Network);
    await expect(Network.load(join(dir, 'missing.model'))).rejects.toThrow(/ENOENT/);
    await expect(Network.load(path, { threads: 0 })).rejects.toThrow('Network.load: options.threads must be an integer in [1, 1024], got 0');
  });
});

describe('Network: what console.log shows', () => {
  it('a table of the layers with their parameters, also through util.inspect', async () => {
    const net = new Network(spec());
    const text = net.summary();
    expect(text).toMatch(/^Network: 3 layers above 6 inputs, units dropout, seed 42, 1 thread, cpu/);
    // 5·6 + 5, then 4·(6 + 5) + 4, then 3·4 + 3 parameters.
    expect(text).toMatch(/\n\s+1\s+5\s+tanh\s+0\.5\s+0\s+35\n/);
    expect(text).toMatch(/\n\s+2\s+4\s+logistic\s+per unit\s+0,1\s+48\n/);
    expect(text).toMatch(/\n  98 parameters$/);
    const { inspect } = await import('node:util');
    expect(inspect(net)).toBe(text);
    const running = net.train(data, { epochs: 20, batchSize: 1 });
    expect(net.summary()).toMatch(/98 parameters; busy training$/);
    await running;
  });
});
