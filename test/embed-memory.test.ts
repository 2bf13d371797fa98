// What native threads read belongs to the call: memory shrunk, swapped or faked by standard
// JavaScript changes nothing and crashes nothing, and values that only pretend to be typed arrays,
// accumulators or signals get InvalidArgumentError.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../src/errors.js';
import { MomentAccumulator } from '../src/kernels.js';
import { Network } from '../src/network/network.js';
import { parseIdx } from '../src/data/idx.js';
import * as theory from '../src/theory/index.js';
import { runFixture } from './helpers/child.js';
import { randomFloats } from './helpers/random.js';

const spec = () => ({ inputs: 6, layers: [{ units: 5, keep: 0.5 }, { units: 3, activation: 'softmax' as const }], seed: 9, threads: 1 });
const count = 300;
const data = { inputs: randomFloats(count * 6, 4, 0, 1), targets: Uint8Array.from({ length: count }, (_, i) => i % 3), count };

describe('memory under a running call', () => {
  it('a resizable buffer shrunk mid-call, and masks whose getter changes, leave the results as on plain arrays', async () => {
    const child = await runFixture<Record<string, boolean>>('hostile-memory.ts', {}, { timeoutMs: 120_000 });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.code, child.stderr).toBe(0);
    expect(child.result).toEqual({ train: true, predict: true, ensembleStats: true, masksReadOnce: true });
  }, 130_000);

  it('a SharedArrayBuffer input is read as it was when the call started', async () => {
    const net = new Network(spec());
    const x = randomFloats(6, 2, 0, 1);
    const shared = new Float32Array(new SharedArrayBuffer(24));
    shared.set(x);
    const expected = await net.predict(x);
    const running = net.predict(shared);
    shared.fill(NaN); // another thread could do this at any time
    expect(await running).toEqual(expected);
  });
});

describe('values that pretend', () => {
  const fake = Object.create(Float32Array.prototype) as Float32Array;
  it('an object made from a typed array prototype, or a Proxy of one, is not a typed array', async () => {
    const net = new Network(spec());
    await expect(net.predict(fake)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => net.setBias(1, fake)).toThrow(InvalidArgumentError);
    expect(() => net.propagate(fake)).toThrow(InvalidArgumentError);
    expect(() => parseIdx(Object.create(Uint8Array.prototype))).toThrow(InvalidArgumentError);
    const bytes = net.toBuffer();
    const liar = new Proxy(bytes, { get: (t, k) => (k === 'byteLength' || k === 'length' ? 1 << 30 : Reflect.get(t, k)) });
    expect(() => Network.fromBuffer(liar)).toThrow(InvalidArgumentError);
    await expect(net.train({ ...data, targets: new Proxy(data.targets, {}) })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a typed array whose own length property lies is read at its true length', async () => {
    const net = new Network(spec());
    const x = randomFloats(12, 3, 0, 1);
    Object.defineProperty(x, 'length', { value: 6 });
    expect((await net.predict(x)).length).toBe(2 * 3); // two rows, not one
  });

  it('a Proxy of a MomentAccumulator is not an accumulator', () => {
    const acc = new MomentAccumulator(3);
    expect(() => acc.merge(new Proxy(new MomentAccumulator(3), {}))).toThrow(InvalidArgumentError);
  });

  it('theory functions read each element once', () => {
    let reads = 0;
    const values = [0.25, 0.75];
    const flaky = new Proxy(values, { get: (t, k) => (k === '0' ? (reads++ === 0 ? 0.25 : NaN) : Reflect.get(t, k)) });
    const g = theory.geometricMeans(flaky, [0.5, 0.5]);
    expect(g.mean).toBe(0.5);
    expect(Number.isFinite(g.nwgm)).toBe(true);
  });
});

describe('signals', () => {
  it('a signal whose own methods throw or lie neither breaks a call nor keeps the network busy', async () => {
    const net = new Network(spec());
    const c = new AbortController();
    Object.assign(c.signal, {
      addEventListener: () => {
        throw new Error('add');
      },
      removeEventListener: () => {
        throw new Error('remove');
      },
    });
    Object.defineProperty(c.signal, 'aborted', { get: () => true });
    await expect(net.train(data, { epochs: 1, signal: c.signal })).resolves.toHaveLength(1);
    expect(net.busy).toBe(false);
    const running = net.train(data, { epochs: 200, batchSize: 1, signal: c.signal });
    c.abort(); // the platform's listener still sees the real abort
    await expect(running).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(net.busy).toBe(false);
  });

  it('a Proxy of a signal is refused', async () => {
    const net = new Network(spec());
    await expect(net.train(data, { signal: new Proxy(new AbortController().signal, {}) })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(net.busy).toBe(false);
  });

  it('aborting the signal of a call refused as busy does not abort the call that holds the network', async () => {
    const net = new Network(spec());
    const running = net.train(data, { epochs: 30, batchSize: 1 });
    const other = new AbortController();
    await expect(net.predict(data.inputs, { signal: other.signal })).rejects.toMatchObject({ code: 'ERR_BUSY' });
    other.abort();
    await expect(running).resolves.toHaveLength(30);
  });
});

describe('files that are not what they claim', () => {
  it('a FIFO given to Network.load or loadIdx is refused at once instead of waiting for a writer', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadIdx } = await import('../src/data/idx.js');
    const fifo = join(mkdtempSync(join(tmpdir(), 'de-fifo-')), 'model.bin');
    execFileSync('mkfifo', [fifo]);
    await expect(Network.load(fifo)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(loadIdx(fifo)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('a model declaring more tensors than any model holds is refused from its header', async () => {
    const { MAX_TENSORS, HEADER_BYTES } = await import('../src/network/model-file.js');
    const bytes = Buffer.from(new Network(spec()).toBuffer());
    bytes.writeUInt32LE(MAX_TENSORS + 1, 20);
    expect(HEADER_BYTES).toBe(24);
    expect(() => Network.fromBuffer(bytes)).toThrow(/declares \d+ tensors, more than any model holds/);
  });

  it('a large file with a wrong magic number is refused from its first bytes', async () => {
    const { mkdtempSync, openSync, closeSync, ftruncateSync, writeSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadIdx } = await import('../src/data/idx.js');
    const path = join(mkdtempSync(join(tmpdir(), 'de-idx-')), 'big.idx');
    const fd = openSync(path, 'w');
    writeSync(fd, Buffer.from([0x42, 0x42, 0x08, 0x01]));
    ftruncateSync(fd, 2 ** 33); // sparse: 8 GiB that reading whole would cost
    closeSync(fd);
    const before = process.memoryUsage().rss;
    await expect(loadIdx(path)).rejects.toThrow(/wrong magic number/);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 2 ** 20);
  });
});

describe('resources', () => {
  it('threads: 1024 starts no more threads than the machine has cores, and gives the same weights', async () => {
    const { readdirSync } = await import('node:fs');
    const { availableParallelism } = await import('node:os');
    const osThreads = () => readdirSync('/proc/self/task').length;
    const one = new Network({ ...spec(), threads: 1 }); // the addon and its kernels' pool are loaded
    const before = osThreads();
    const wide = new Network({ ...spec(), threads: 1024 });
    expect(osThreads() - before).toBeLessThan(availableParallelism());
    await one.train(data, { epochs: 2, batchSize: 10 });
    await wide.train(data, { epochs: 2, batchSize: 10 });
    expect(wide.getWeights(1, 0)).toEqual(one.getWeights(1, 0));
  });
});
