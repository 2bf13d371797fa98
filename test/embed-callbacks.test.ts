// A library embedded in a service: an async callback that rejects ends train() with that error (no
// unhandled rejection), train() settles after the callbacks' promises, and a process that exits
// while native work runs — process.exit() in a callback, an unhandled rejection — exits at once with
// its code instead of waiting for the work.
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BusyError } from '../src/errors.js';
import { Network } from '../src/network/network.js';
import { parameterBits } from './helpers/network-fixtures.js';
import { randomFloats } from './helpers/random.js';

const spec = () => ({ inputs: 4, layers: [{ units: 16, keep: 0.5 }, { units: 2, activation: 'softmax' as const }], seed: 1, threads: 2 });
const count = 2000;
const data = { inputs: randomFloats(count * 4, 3, 0, 1), targets: Uint8Array.from({ length: count }, (_, i) => i % 2), count };

describe('callbacks', () => {
  it('a rejecting async onEpoch stops training and rejects train() with its error', async () => {
    const net = new Network(spec());
    const boom = new Error('boom');
    let calls = 0;
    await expect(
      net.train(data, {
        epochs: 200,
        batchSize: 10,
        onEpoch: async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 1));
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(calls).toBeLessThan(200);
    expect(net.busy).toBe(false);
  });

  it('train() settles only after the promises its callbacks returned', async () => {
    const net = new Network(spec());
    let finished = 0;
    await net.train(data, {
      epochs: 3,
      batchSize: 100,
      onEpoch: async () => {
        await new Promise((r) => setTimeout(r, 30));
        finished++;
      },
    });
    expect(finished).toBe(3);
  });
});

describe('checkpoints from onEpoch', () => {
  const checkpoints = mkdtempSync(join(tmpdir(), 'de-checkpoint-'));
  it('onEpoch may save the network: training waits, and a checkpoint resumes to the same weights', async () => {
    const straight = new Network(spec());
    await straight.train(data, { epochs: 4, batchSize: 10 });
    const net = new Network(spec());
    const saved: string[] = [];
    await net.train(data, {
      epochs: 4,
      batchSize: 10,
      onEpoch: async (s) => {
        const path = join(checkpoints, `epoch-${s.epoch}.bin`);
        await net.save(path); // the bytes are taken at once; training waits for the write too
        saved.push(path);
      },
    });
    expect(saved).toHaveLength(4);
    expect(parameterBits(net)).toEqual(parameterBits(straight));
    // The checkpoint of epoch 2, trained on for the remaining two epochs, is the straight run.
    const resumed = await Network.load(saved[1]!);
    await resumed.train(data, { epochs: 2, batchSize: 10 });
    expect(parameterBits(resumed)).toEqual(parameterBits(straight));
  });

  it('while onEpoch runs the network holds still and answers only the read-only methods', async () => {
    const net = new Network(spec());
    const seen: string[] = [];
    const progressReads: unknown[] = [];
    const long = { inputs: randomFloats(20 * count * 4, 4, 0, 1), targets: Uint8Array.from({ length: 20 * count }, (_, i) => i % 2), count: 20 * count };
    await net.train(long, {
      epochs: 2,
      batchSize: 10,
      onProgress: () => {
        // The engine goes on during onProgress (an epoch here takes several of its 50 ms): reading
        // is refused there.
        try {
          net.getWeights(1, 0);
          progressReads.push('read');
        } catch (e) {
          progressReads.push(e);
        }
      },
      onEpoch: async () => {
        const before = parameterBits(net);
        await new Promise((r) => setTimeout(r, 60));
        seen.push(JSON.stringify(parameterBits(net)) === JSON.stringify(before) ? 'still' : 'moved');
        expect(net.busy).toBe(true);
        expect(net.toBuffer().length).toBeGreaterThan(0);
        expect(() => net.setBias(1, new Float32Array(16))).toThrow(BusyError);
        await expect(net.predict(data.inputs.subarray(0, 4))).rejects.toThrow(BusyError);
      },
    });
    expect(seen).toEqual(['still', 'still']);
    expect(progressReads.some((e) => e instanceof BusyError), String(progressReads)).toBe(true);
    expect(() => net.getWeights(1, 0)).not.toThrow();
  });
});

// The library's source, run by vite-node in a child process.
const dist = pathToFileURL(join(import.meta.dirname, '..', 'src', 'index.ts')).href;
const dir = mkdtempSync(join(tmpdir(), 'de-exit-'));
function child(body: string, timeout = 30_000) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, `import { Network } from ${JSON.stringify(dist)};
const net = new Network({ inputs: 64, layers: [{ units: 256, keep: 0.5 }, { units: 2, activation: 'softmax' }], seed: 1, threads: 2 });
const n = 20000;
const inputs = new Float32Array(n * 64).map((_, i) => (i % 7) / 7);
const targets = Uint8Array.from({ length: n }, (_, i) => i % 2);
const data = { inputs, targets, count: n };
${body}`);
  const viteNode = join(import.meta.dirname, '..', 'node_modules', 'vite-node', 'vite-node.mjs');
  const started = Date.now();
  const r = spawnSync(process.execPath, [viteNode, file], { encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  return { status: r.status, signal: r.signal, seconds: (Date.now() - started) / 1000, stderr: r.stderr };
}

describe('exiting while native work runs', () => {
  // 2000 epochs of 20,000 examples take minutes: an exit that waited for them would time out.
  it('process.exit() from onEpoch exits at once with its code', () => {
    const r = child(`await net.train(data, { epochs: 2000, batchSize: 10, onEpoch: (s) => { if (s.epoch === 1) process.exit(7); } });`);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status).toBe(7);
    expect(r.seconds).toBeLessThan(15);
  });

  it('an unhandled rejection from an async callback exits with code 1', () => {
    const r = child(`net.train(data, { epochs: 2000, batchSize: 10 });
setTimeout(() => Promise.reject(new Error('unhandled')), 200);`);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status).toBe(1);
    expect(r.seconds).toBeLessThan(15);
    expect(r.stderr).toMatch(/unhandled/);
  });
});
