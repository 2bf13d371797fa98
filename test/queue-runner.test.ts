// The queue-backed runner against a real Redis: worker processes serve `stats --redis` and
// `sweep --redis` submitted by the command line, and the results equal the single-process run's —
// with three workers, with a worker killed by SIGKILL in the middle of a job, with Redis killed and
// restarted empty in the middle of a run, and with a rogue worker whose shard is corrupt.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../src/data/mnist.js';
import { Network } from '../src/network/network.js';
import { ensureBuiltCli, MAIN, ROOT } from './helpers/built-cli.js';
import { idxFile } from './helpers/idx-file.js';
import { freePort, REDIS_BINARY, RedisServer, SKIP_REASON } from './helpers/redis-server.js';

const dir = mkdtempSync(join(tmpdir(), 'queue-test-'));
const model = join(dir, 'model.bin');
const inputs = join(dir, 'inputs.idx');
let redis: RedisServer;
const children = new Set<ChildProcess>();

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DE_DEBUG: '' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command line as a child process whose output is collected as it comes. */
function start(...args: string[]) {
  const p = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, DE_DEBUG: '' } });
  children.add(p);
  const out = { text: '', code: null as number | null, exited: new Promise<number | null>((r) => p.once('exit', (c) => r(c))) };
  p.stdout.on('data', (d: Buffer) => (out.text += d.toString()));
  p.stderr.on('data', (d: Buffer) => (out.text += d.toString()));
  void out.exited.then((c) => {
    out.code = c;
    children.delete(p);
  });
  return { proc: p, out };
}

const startWorker = (queue: string) => start('worker', '--redis', redis.url, '--queue', queue, '--threads', '1', '--lock-ms', '1500');

async function until(what: string, cond: () => boolean, ms = 60_000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function stopAll() {
  for (const p of children) p.kill('SIGKILL');
  await until('children to exit', () => children.size === 0, 10_000);
}

type StatsJson = { samples: number; seed: number; inputs: Array<{ index: number; stats: { samples: number; layers: Array<Record<string, number[] | number | string>> } }> };

/** Every moment column of the queue run within 1e-12 relative (of the column's scale) of the local run's. */
function expectSameStats(queued: StatsJson, local: StatsJson) {
  expect(queued.inputs.map((i) => i.index)).toEqual(local.inputs.map((i) => i.index));
  local.inputs.forEach((inp, k) => {
    expect(queued.inputs[k]!.stats.samples).toBe(inp.stats.samples);
    inp.stats.layers.forEach((l, h) => {
      const q = queued.inputs[k]!.stats.layers[h]!;
      for (const c of ['mean', 'variance', 'meanS', 'varianceS', 'geometricMean', 'deterministic']) {
        const a = l[c] as Array<number | null>;
        const b = q[c] as Array<number | null>;
        const scale = Math.max(...a.map((x) => Math.abs(x ?? 0)));
        a.forEach((x, i) => {
          if (x === null) expect(b[i]).toBeNull();
          else expect(Math.abs(x - b[i]!), `${c}[${i}] of layer ${h + 1}, input ${inp.index}`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(x), scale));
        });
      }
    });
  });
}

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as StatsJson;
let local: StatsJson;
const SAMPLES = 6000;
const INDICES = '0,3,5,8';

describe.skipIf(!REDIS_BINARY)('queue runner (BullMQ on a real Redis)', () => {
  beforeAll(async () => {
    await ensureBuiltCli();
    redis = new RedisServer(await freePort());
    await redis.start();
    const m = await loadMnist();
    const n = 12;
    writeFileSync(inputs, idxFile(0x08, [n, 28, 28], Uint8Array.from(m.test.inputs.subarray(0, n * 784), (x) => Math.round(x * 255))));
    const net = new Network({ inputs: 784, inputKeep: 0.8, layers: [{ units: 256, keep: 0.5 }, { units: 128, keep: 0.5 }, { units: 10, activation: 'softmax' }], seed: 3, threads: 1 });
    await net.train({ inputs: m.train.inputs.subarray(0, 2000 * 784), targets: m.train.targets.subarray(0, 2000), count: 2000 }, { epochs: 1, optimizer: 'adam', learningRate: 1e-3 });
    await net.save(model);
    const r = cli('stats', model, '--input', inputs, '--index', INDICES, '--samples', String(SAMPLES), '--threads', '1', '--json', join(dir, 'local.json'));
    expect(r.code, r.stderr).toBe(0);
    local = json(join(dir, 'local.json'));
  }, 180_000);

  afterAll(async () => {
    await stopAll();
    await redis?.kill();
  });

  it('three workers: sharded statistics equal the single-process run; each worker fetches the model once', async () => {
    const workers = [startWorker('q1'), startWorker('q1'), startWorker('q1')];
    const out = join(dir, 'q1.json');
    const r = cli('stats', model, '--input', inputs, '--index', INDICES, '--samples', String(SAMPLES), '--redis', redis.url, '--queue', 'q1', '--shard-samples', '1000', '--json', out);
    expect(r.code, r.stderr).toBe(0);
    expectSameStats(json(out), local);
    // 4 inputs × 6 shards = 24 jobs spread over the workers; the model travelled once per worker that worked.
    const done = () => workers.map((w) => (w.out.text.match(/\) done in/g) ?? []).length);
    await until('the workers to log their jobs', () => done().reduce((a, b) => a + b, 0) >= 24);
    const jobs = done();
    const fetches = workers.map((w) => (w.out.text.match(/fetched model/g) ?? []).length);
    fetches.forEach((f, k) => expect(f).toBe(jobs[k]! > 0 ? 1 : 0));
    // One shard per input: the very bytes of the local run's JSON.
    const whole = join(dir, 'q1-whole.json');
    expect(cli('stats', model, '--input', inputs, '--index', INDICES, '--samples', String(SAMPLES), '--redis', redis.url, '--queue', 'q1', '--json', whole).code).toBe(0);
    expect(readFileSync(whole, 'utf8')).toBe(readFileSync(join(dir, 'local.json'), 'utf8'));
    await stopAll();
  }, 120_000);

  it('a worker killed with SIGKILL in the middle of a job: the job is taken again, the statistics unchanged', async () => {
    const victim = startWorker('q2');
    const out = join(dir, 'q2.json');
    const submit = start('stats', model, '--input', inputs, '--index', INDICES, '--samples', String(SAMPLES), '--redis', redis.url, '--queue', 'q2', '--shard-samples', '3000', '--json', out);
    await until('the victim to start a job', () => /\) started/.test(victim.out.text));
    victim.proc.kill('SIGKILL');
    const killedJob = /job (\S+) \(stats\) started/.exec(victim.out.text)![1]!;
    const helpers = [startWorker('q2'), startWorker('q2')];
    expect(await submit.out.exited, submit.out.text).toBe(0);
    expectSameStats(json(out), local);
    expect(helpers.some((h) => h.out.text.includes(`job ${killedJob} (stats) done`)), `${killedJob} was not redone`).toBe(true);
    await stopAll();
  }, 120_000);

  it('Redis killed and restarted empty in the middle of a run: the run resumes and counts nothing twice', async () => {
    const workers = [startWorker('q3'), startWorker('q3')];
    const out = join(dir, 'q3.json');
    const submit = start('stats', model, '--input', inputs, '--index', INDICES, '--samples', String(SAMPLES), '--redis', redis.url, '--queue', 'q3', '--shard-samples', '500', '--json', out);
    await until('some jobs to finish', () => workers.reduce((n, w) => n + (w.out.text.match(/\) done in/g) ?? []).length, 0) >= 6);
    await redis.kill();
    await sleep(300);
    await redis.start();
    expect(await submit.out.exited, submit.out.text).toBe(0);
    expectSameStats(json(out), local);
    await stopAll();
  }, 120_000);

  it('a rogue worker returning a corrupt shard: the shard is refused and computed again', async () => {
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const client = new Redis(redis.url);
    // A worker driven by hand: it takes one job, stores garbage as its shard and completes it.
    const rogue = new Worker('q4', null, { connection: conn });
    const out = join(dir, 'q4.json');
    const submit = start('stats', model, '--input', inputs, '--index', INDICES, '--samples', String(SAMPLES), '--redis', redis.url, '--queue', 'q4', '--shard-samples', '3000', '--json', out);
    let job: Awaited<ReturnType<Worker['getNextJob']>>;
    do job = await rogue.getNextJob('rogue');
    while (!job);
    const run = (job.data as { run: string }).run;
    const garbage = Buffer.from('\x89DES\r\n\x1a\n this is not an ensemble state').toString('base64');
    await client.multi().hset(`dropout-ensemble:results:${run}`, job.id!, JSON.stringify({ states: [garbage] })).rpush(`dropout-ensemble:done:${run}`, job.id!).exec();
    await job.moveToCompleted({}, 'rogue', false);
    await rogue.close();
    startWorker('q4');
    expect(await submit.out.exited, submit.out.text).toBe(0);
    expect(submit.out.text).toMatch(/result refused \(.*(checksum|not an ensemble state|shorter)/);
    expectSameStats(json(out), local);
    conn.disconnect();
    client.disconnect();
    await stopAll();
  }, 120_000);

  it('a training sweep on the workers gives the curves of the same sweep run here', async () => {
    const spec = { inputs: 784, inputKeep: 0.8, layers: [{ units: 24, keep: 0.5 }, { units: 10, activation: 'softmax' }], seed: 2 };
    const sweep = join(dir, 'sweep.json');
    writeFileSync(sweep, JSON.stringify({
      runs: [
        { name: 'adam', spec, train: { epochs: 2, optimizer: 'adam', learningRate: 1e-3 }, trainExamples: 1500, testExamples: 300 },
        { name: 'sgd', spec, train: { epochs: 2, optimizer: 'sgd', learningRate: 0.1, momentum: 0.9 }, trainExamples: 1500, testExamples: 300 },
      ],
    }));
    startWorker('q5');
    startWorker('q5');
    const here = cli('sweep', sweep, '--threads', '1', '--json', join(dir, 'sweep-local.json'));
    expect(here.code, here.stderr).toBe(0);
    const there = cli('sweep', sweep, '--redis', redis.url, '--queue', 'q5', '--json', join(dir, 'sweep-queue.json'));
    expect(there.code, there.stderr).toBe(0);
    const curves = (p: string) => (JSON.parse(readFileSync(p, 'utf8')) as { runs: Array<{ name: string; curve: Array<{ epoch: number; testError: number }> }> }).runs.map((r) => [r.name, r.curve.map((c) => [c.epoch, c.testError])]);
    expect(curves(join(dir, 'sweep-queue.json'))).toEqual(curves(join(dir, 'sweep-local.json')));
    expect(there.stdout).toMatch(/adam\s+2\s+\d+\.\d\d%/);
    await stopAll();
  }, 120_000);

  it('usage: a bad URL, queue flags without --redis, a worker without --redis, a sweep setting what it owns', async () => {
    const bad = cli('stats', model, '--input', inputs, '--redis', 'http://x');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a Redis URL/);
    expect(cli('stats', model, '--input', inputs, '--shard-samples', '10').stderr).toMatch(/need --redis/);
    expect(cli('worker').stderr).toMatch(/--redis/);
    const badSweep = join(dir, 'bad-sweep.json');
    writeFileSync(badSweep, JSON.stringify({ runs: [{ name: 'x', spec: {}, train: { onEpoch: 1 } }] }));
    expect(cli('sweep', badSweep).stderr).toMatch(/train\.onEpoch is set by the sweep/);
  });
});

if (!REDIS_BINARY) {
  describe('queue runner', () => {
    it.skip(`skipped: ${SKIP_REASON}`, () => undefined);
  });
}
