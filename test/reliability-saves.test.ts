// Crash safety of saves. (1) A child saving a 9.5 MB model to the same path in a loop is
// killed with SIGKILL at random moments (during the write, the fsync, the rename): the file must
// always load and be either the last version reported saved or the one being written, never torn;
// the temporary files of killed writers must not accumulate (each successful save removes those of
// dead processes, so at most the one of the last kill remains). (2) A training run that checkpoints
// every few minibatches, killed at random moments and restarted from its checkpoint, must end with
// weights bit-identical to an uninterrupted run.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutOfRangeError } from '../src/errors.js';
import { Network } from '../src/network/network.js';
import { longTests, runFixture } from './helpers/child.js';
import { rng } from './helpers/random.js';

/** Kills the child with SIGKILL `delayMs` after its `lines`-th line of output. */
function killAfter(lines: number, delayMs: number): (child: ChildProcess) => void {
  return (child) => {
    let seen = 0;
    child.stdout!.on('data', (d: Buffer) => {
      const before = seen;
      seen += d.toString().split('\n').filter((l) => l.length > 0).length;
      if (before < lines && seen >= lines) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
  };
}

describe('saves killed mid-write', () => {
  const kills = longTests ? 40 : 5;
  it(`${kills} SIGKILLs at random moments never leave a torn file, and temporaries do not pile up`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'de-kill-save-'));
    const path = join(dir, 'model.bin');
    const r = rng(77);
    let next = 1;
    let lastSaved = 0;
    let midWrite = 0; // kills that landed while a temporary file was open
    // At least `kills` kills, and more (up to 10×) until one has landed inside the write window:
    // where fsync is fast the window is a small part of each save, so a kill lands in it only now and then.
    let k = 0;
    for (; k < kills || (midWrite === 0 && k < 10 * kills); k++) {
      const child = await runFixture<never>('save-loop.ts', { path, start: next }, {
        onSpawn: killAfter(1 + Math.floor(r() * 3), Math.floor(r() * 120)),
        timeoutMs: 60_000,
      });
      expect(child.signal, `kill ${k}: ${child.stderr}`).toBe('SIGKILL');
      const saved = child.stdout.split('\n').filter((l) => l.startsWith('saved ')).map((l) => Number(l.slice(6)));
      expect(saved.length, `kill ${k}: the child saved at least once`).toBeGreaterThan(0);
      lastSaved = saved[saved.length - 1]!;
      // The file is complete and valid: the last version reported, or the one in flight (renamed
      // before the child could report it).
      const net = await Network.load(path, { threads: 1 });
      const marker = net.getBias(2)[0]!;
      expect([lastSaved, lastSaved + 1], `kill ${k}`).toContain(marker);
      expect(net.getBias(2).every((x) => x === marker)).toBe(true);
      const temporaries = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
      expect(temporaries.length, `kill ${k}: ${temporaries.join(', ')}`).toBeLessThanOrEqual(1);
      if (temporaries.length > 0) midWrite++;
      next = lastSaved + 2;
    }
    console.log(`reliability-saves: ${k} kills, ${midWrite} of them mid-write (a temporary file was left)`);
    expect(midWrite).toBeGreaterThan(0); // the kills do hit the write window
    // A final save in this process removes the dead writers' temporaries.
    const net = await Network.load(path, { threads: 1 });
    await net.save(path);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, longTests ? 900_000 : 120_000);
});

describe('diverged networks', () => {
  it('refuse to be saved (OutOfRangeError) instead of writing a file that load() would reject; the old file stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'de-diverged-'));
    const path = join(dir, 'model.bin');
    const net = new Network({ inputs: 2, layers: [{ units: 3, activation: 'tanh', keep: 0.5 }, { units: 1, activation: 'linear' }], seed: 1, threads: 1 });
    await net.save(path);
    const before = readFileSync(path);
    const x = Float32Array.of(1e30, -1e30);
    await net.train({ inputs: x, targets: Float32Array.of(3e38), count: 1 }, { epochs: 2, batchSize: 1, optimizer: 'sgd', learningRate: 1e30 });
    const params = [net.getWeights(1, 0), net.getWeights(2, 1), net.getBias(1), net.getBias(2)];
    expect(params.some((a) => a.some((v) => !Number.isFinite(v)))).toBe(true); // it did diverge
    await expect(net.save(path)).rejects.toBeInstanceOf(OutOfRangeError);
    expect(() => net.toBuffer()).toThrow(/did training diverge/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.bin']);
  });
});

interface TrainReport {
  bits: number[][];
  epoch: number;
  position: number;
}

describe('checkpointed training killed and resumed', () => {
  it('ends with the weights of an uninterrupted run', async () => {
    const epochs = 3;
    const dir = mkdtempSync(join(tmpdir(), 'de-kill-train-'));
    const straight = await runFixture<TrainReport>('checkpoint-train.ts', { path: join(dir, 'straight.bin'), epochs, every: 1e9 }, { timeoutMs: 60_000 });
    expect(straight.code, straight.stderr).toBe(0);
    const reference = straight.result!;
    expect(reference.epoch).toBe(epochs);

    const path = join(dir, 'resumed.bin');
    const r = rng(5);
    let kills = 0;
    let result: TrainReport | undefined;
    for (let attempt = 0; attempt < 20 && !result; attempt++) {
      const killNow = kills < (longTests ? 8 : 3);
      const child = await runFixture<TrainReport>('checkpoint-train.ts', { path, epochs, every: 7 }, {
        // After the first or second checkpoint line: at least one epoch is left to be killed in.
        ...(killNow ? { onSpawn: killAfter(1 + Math.floor(r() * 2), Math.floor(r() * 15)) } : {}),
        timeoutMs: 60_000,
      });
      if (child.signal === 'SIGKILL') {
        kills++;
        continue;
      }
      expect(child.code, child.stderr).toBe(0);
      result = child.result;
    }
    expect(kills).toBeGreaterThan(0);
    expect(result).toBeDefined();
    expect(result!.epoch).toBe(epochs);
    expect(result!.bits).toEqual(reference.bits);
  }, longTests ? 900_000 : 150_000);
});
