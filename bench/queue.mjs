#!/usr/bin/env node
// The queue runner's throughput on this machine: Monte Carlo statistics of the paper's network
// (784-1200-1200-1200-1200-10) at a few test digits, computed by `stats` in one process and by
// `stats --redis` on 1, 2 and 3 local worker processes (threads split between them), all in the
// same run; and the queue's overhead per job, from jobs too small to cost anything else.
// Needs redis-server (Debian's). `node bench/queue.mjs [--samples N] [--inputs K] [--shard M]`.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(root, 'dist', 'app', 'cli', 'main.js');
const REDIS = ['/usr/bin/redis-server', 'redis-server'].find((b) => spawnSync(b, ['--version']).status === 0);

async function freePort() {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  return port;
}

function cli(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`dropout-ensemble ${args.join(' ')}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

export async function run({ log = console.log, samples = 10000, inputs = 6, shard = 5000 } = {}) {
  if (!REDIS) {
    log('queue: skipped (redis-server is not installed)');
    return { skipped: true };
  }
  const { loadMnist, Network } = await import(pathToFileURL(join(root, 'dist', 'index.js')).href);
  const dir = mkdtempSync(join(tmpdir(), 'bench-queue-'));
  const model = join(dir, 'paper.bin');
  const images = join(dir, 'digits.idx');
  const net = new Network({ inputs: 784, inputKeep: 0.8, layers: [...Array(4)].map(() => ({ units: 1200, keep: 0.5 })).concat([{ units: 10, activation: 'softmax' }]), seed: 1 });
  await net.save(model);
  const m = await loadMnist();
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x0803, 0);
  [inputs, 28, 28].forEach((d, k) => header.writeUInt32BE(d, 4 + 4 * k));
  writeFileSync(images, Buffer.concat([header, Buffer.from(Uint8Array.from(m.test.inputs.subarray(0, inputs * 784), (x) => Math.round(x * 255)))]));
  const port = await freePort();
  const redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  await new Promise((r) => setTimeout(r, 300));
  const cores = availableParallelism();
  const all = Array.from({ length: inputs }, (_, i) => i).join(',');
  const total = inputs * samples;
  const rows = [];
  const workersOf = (n, queue) => Array.from({ length: n }, () => spawn(process.execPath, [MAIN, 'worker', '--redis', url, '--queue', queue, '--threads', String(Math.max(1, Math.floor(cores / n))), '--quiet'], { cwd: root, stdio: 'ignore' }));
  const stop = async (ws) => {
    for (const w of ws) w.kill('SIGKILL');
    await Promise.all(ws.map((w) => (w.exitCode === null ? once(w, 'exit') : null)));
  };
  try {
    const local = cli(['stats', model, '--input', images, '--index', all, '--samples', String(samples), '--json', join(dir, 'local.json')]);
    rows.push({ setup: `one process, ${cores} threads`, seconds: local, rate: total / local });
    for (const n of [1, 2, 3]) {
      const ws = workersOf(n, `bench${n}`);
      await new Promise((r) => setTimeout(r, 500));
      const s = cli(['stats', model, '--input', images, '--index', all, '--samples', String(samples), '--redis', url, '--queue', `bench${n}`, '--shard-samples', String(shard), '--json', join(dir, `q${n}.json`)]);
      rows.push({ setup: `${n} worker${n > 1 ? 's' : ''} × ${Math.max(1, Math.floor(cores / n))} thread${Math.floor(cores / n) > 1 ? 's' : ''}`, seconds: s, rate: total / s });
      await stop(ws);
    }
    // Overhead: jobs of 4 subnetworks of a 784-16-10 network each cost almost nothing to compute.
    const tiny = join(dir, 'tiny.bin');
    await new Network({ inputs: 784, layers: [{ units: 16, keep: 0.5 }, { units: 10, activation: 'softmax' }], seed: 1 }).save(tiny);
    const jobs = 400;
    const tinyLocal = cli(['stats', tiny, '--input', images, '--index', '0', '--samples', String(4 * jobs), '--json', join(dir, 't.json')]);
    const ws = workersOf(1, 'overhead');
    await new Promise((r) => setTimeout(r, 500));
    const tinyQueue = cli(['stats', tiny, '--input', images, '--index', '0', '--samples', String(4 * jobs), '--redis', url, '--queue', 'overhead', '--shard-samples', '4', '--json', join(dir, 't2.json')]);
    await stop(ws);
    const perJobMs = ((tinyQueue - tinyLocal) / jobs) * 1000;
    log(`queue: Monte Carlo statistics, paper network, ${inputs} inputs × ${samples} subnetworks, ${shard} per job (${cores} cores)`);
    log('  setup                     seconds   subnetworks/s   vs one process');
    for (const r of rows) log(`  ${r.setup.padEnd(24)} ${r.seconds.toFixed(2).padStart(8)} ${Math.round(r.rate).toLocaleString('en-US').padStart(15)} ${(r.rate / rows[0].rate).toFixed(2).padStart(15)}×`);
    log(`  queue overhead: ${perJobMs.toFixed(2)} ms per job (${jobs} jobs of 4 subnetworks of a 784-16-10 network: ${tinyQueue.toFixed(2)} s on the queue, ${tinyLocal.toFixed(2)} s in one process)`);
    return { rows, perJobMs, cores, samples, inputs, shard };
  } finally {
    redis.kill('SIGKILL');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { samples: { type: 'string' }, inputs: { type: 'string' }, shard: { type: 'string' } } });
  await run({ samples: Number(values.samples ?? 10000), inputs: Number(values.inputs ?? 6), shard: Number(values.shard ?? 5000) });
}
