// Concurrency: a network that is training or sampling refuses every other call with
// BusyError (and is not changed by them); several networks train at once in one process with the
// same results as one at a time; the addon works in 3 worker_threads at once (context-aware) and
// survives a worker terminated mid-training; and the ArrayBuffer that native threads read during
// train() cannot be pulled away (transferred) under them.
import { describe, expect, it } from 'vitest';
import { BusyError } from '../src/errors.js';
import { Network } from '../src/network/network.js';
import type { NetworkSpec } from '../src/network/spec.js';
import { runFixture } from './helpers/child.js';
import { parameterBits } from './helpers/network-fixtures.js';
import { randomFloats } from './helpers/random.js';

const spec = (seed: number): NetworkSpec => ({
  inputs: 30,
  inputKeep: 0.8,
  layers: [{ units: 64, activation: 'logistic', keep: 0.5 }, { units: 32, activation: 'relu', keep: 0.5 }, { units: 5, activation: 'softmax' }],
  seed,
  threads: 1,
});
const dataset = (count: number, seed: number) => ({
  inputs: randomFloats(count * 30, seed, 0, 1),
  targets: Uint8Array.from({ length: count }, (_, i) => (i * 7 + seed) % 5),
  count,
});

async function expectBusy(p: () => unknown, what: string): Promise<void> {
  let error: unknown;
  try {
    await p();
  } catch (e) {
    error = e;
  }
  expect(error, what).toBeInstanceOf(BusyError);
  expect((error as BusyError).code, what).toBe('ERR_BUSY');
}

/** Every call on `net` that must be refused while an operation holds it. */
async function everyCallIsBusy(net: Network, path: string): Promise<void> {
  const x = new Float32Array(30).fill(0.5);
  await expectBusy(() => net.getWeights(1, 0), 'getWeights');
  await expectBusy(() => net.setWeights(1, 0, new Float32Array(64 * 30)), 'setWeights');
  await expectBusy(() => net.getBias(2), 'getBias');
  await expectBusy(() => net.setBias(2, new Float32Array(32)), 'setBias');
  await expectBusy(() => net.train(dataset(10, 1)), 'train');
  await expectBusy(() => net.predict(x), 'predict');
  await expectBusy(() => net.classify(x), 'classify');
  await expectBusy(() => net.ensembleStats(x, { samples: 10 }), 'ensembleStats');
  await expectBusy(() => net.ensembleStatsMany(x, 1, { samples: 10 }), 'ensembleStatsMany');
  await expectBusy(() => net.propagate(x), 'propagate');
  await expectBusy(() => net.toBuffer(), 'toBuffer');
  await expectBusy(() => net.save(path), 'save');
}

describe('busy networks', () => {
  it('while training, every other call is refused with BusyError and changes nothing', async () => {
    const net = new Network(spec(1));
    const data = dataset(3000, 2);
    const reference = new Network(spec(1));
    const training = net.train(data, { epochs: 2, batchSize: 50 });
    expect(net.busy).toBe(true);
    await everyCallIsBusy(net, '/nonexistent-dir/should-not-be-written.bin');
    await training;
    expect(net.busy).toBe(false);
    // The refused calls did not touch it: it equals a network that only trained.
    await reference.train(data, { epochs: 2, batchSize: 50 });
    expect(parameterBits(net)).toEqual(parameterBits(reference));
  });

  it('while sampling (ensembleStats), every other call is refused with BusyError', async () => {
    const net = new Network(spec(3));
    const before = parameterBits(net);
    const sampling = net.ensembleStats(new Float32Array(30).fill(0.25), { samples: 200_000 });
    await everyCallIsBusy(net, '/nonexistent-dir/should-not-be-written.bin');
    const stats = await sampling;
    expect(stats.samples).toBe(200_000);
    expect(parameterBits(net)).toEqual(before);
  });
});

describe('several networks at once', () => {
  it('train concurrently in one process with the results of training one at a time', async () => {
    const seeds = [5, 6, 7];
    const data = seeds.map((s) => dataset(1500, s));
    const together = seeds.map((s) => new Network(spec(s)));
    await Promise.all(together.map((n, i) => n.train(data[i]!, { epochs: 2, batchSize: 25 })));
    for (const [i, s] of seeds.entries()) {
      const alone = new Network(spec(s));
      await alone.train(data[i]!, { epochs: 2, batchSize: 25 });
      expect(parameterBits(together[i]!), `network ${i}`).toEqual(parameterBits(alone));
    }
  });

  it('one network trains while another samples and a third predicts', async () => {
    const [a, b, c] = [new Network(spec(8)), new Network(spec(9)), new Network(spec(10))];
    const x = randomFloats(30 * 100, 4, 0, 1);
    const alone = await c.predict(x);
    const [, stats, out] = await Promise.all([a.train(dataset(2000, 3), { epochs: 1 }), b.ensembleStats(x.subarray(0, 30), { samples: 20000 }), c.predict(x)]);
    expect(stats.samples).toBe(20000);
    expect(Array.from(out)).toEqual(Array.from(alone));
  });
});

interface WorkerReport {
  workers: number;
  allOk: boolean;
  errors: string[];
  identical: boolean;
  identicalAfterTerminate: boolean;
  terminatedExitCodes: number[];
  terminateSeconds: number[];
}

describe('worker_threads', () => {
  it('the addon loads and computes in 3 workers at once, bit-identical to the main thread, and survives workers terminated mid-call without waiting for the call', async () => {
    const child = await runFixture<WorkerReport>('workers.ts', {}, { timeoutMs: 60_000 });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.code, child.stderr).toBe(0);
    const r = child.result!;
    expect(r, child.stdout).toBeDefined();
    expect(r.errors).toEqual([]);
    expect(r.allOk).toBe(true);
    expect(r.workers).toBe(3);
    expect(r.identical).toBe(true);
    expect(r.identicalAfterTerminate).toBe(true);
    expect(r.terminatedExitCodes).toEqual([1, 1]); // terminate()'s documented code
    // The calls would run for minutes; terminate() waits for one minibatch or pass (milliseconds
    // here), and 5 s leaves room for a loaded machine.
    for (const s of r.terminateSeconds) expect(s).toBeLessThan(5);
  }, 70_000);
});

describe('buffers read in place by native threads', () => {
  it('transferring the training inputs while train() runs neither crashes nor detaches them', async () => {
    const child = await runFixture<{ lengthAfterTransfer: number; trained: boolean }>('transfer-during-train.ts', {}, { timeoutMs: 60_000, nodeFlags: ['--expose-gc'] });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.code, child.stderr).toBe(0);
    expect(child.result).toEqual({ lengthAfterTransfer: 2000 * 784, trained: true });
  }, 70_000);
});
