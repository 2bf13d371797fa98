#!/usr/bin/env node
// Training throughput on the paper's network (784-1200-1200-1200-1200-10, logistic hidden units,
// softmax top, keep 0.8 input / 0.5 hidden), batch 100, the default recipe (Adam 1e-3), fp32, on
// 1 and 2 threads; and the same network and recipe in PyTorch in the same run when it imports
// (bench/peers/torch_train.py), with the ratio.
// Usage: node bench/train.mjs [--json] [--seconds S]   (also run by `npm run bench` as a suite)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Network } from '../dist/index.js';
import { fmt, randomFloats } from './util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHONS = [process.env.DE_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);

function paperNetwork(threads) {
  return new Network({
    inputs: 784,
    inputKeep: 0.8,
    layers: [
      ...Array.from({ length: 4 }, () => ({ units: 1200, activation: 'logistic', keep: 0.5 })),
      { units: 10, activation: 'softmax' },
    ],
    seed: 1,
    threads,
  });
}

/** MNIST-shaped random data: the arithmetic does not depend on the values. */
function data(count) {
  const inputs = randomFloats(count * 784, 7).map((x) => (x + 1) / 2);
  const targets = new Uint8Array(count).map((_, i) => (i * 7) % 10);
  return { inputs, targets, count };
}

/** Examples/s of our training: whole epochs over `count` examples until `seconds` have passed. */
async function ours(threads, seconds) {
  const net = paperNetwork(threads);
  await net.train(data(300), { epochs: 1, batchSize: 100 }); // warm-up: pages, pools, caches
  const d = data(1000);
  let examples = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - t0 < seconds * 1000 || examples === 0) {
    await net.train(d, { epochs: 1, batchSize: 100 });
    examples += d.count;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // Cores actually used: well under `threads` means other processes took the CPUs (a shared machine).
  const coresUsed = (cpu.user + cpu.system) / 1e6 / wall;
  return { examplesPerSecond: examples / wall, coresUsed, examplesPerCpuSecond: examples / wall / coresUsed };
}

/** The PyTorch peer's result, or the reason it was skipped. */
function torch(seconds) {
  for (const py of PYTHONS) {
    if (spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) continue;
    const r = spawnSync(py, [join(here, 'peers', 'torch_train.py'), '--seconds', String(seconds)], { encoding: 'utf8' });
    if (r.status !== 0) return { skipped: `torch_train.py failed: ${r.stderr.trim().split('\n').pop()}` };
    return { python: py, ...JSON.parse(r.stdout.trim().split('\n').pop()) };
  }
  return { skipped: 'PyTorch is not importable (Debian: apt-get install python3-torch)' };
}

export async function run({ log, seconds = 4 }) {
  const out = { network: '784-1200-1200-1200-1200-10', batch: 100, recipe: 'adam 1e-3', ours: {}, torch: null, ratio: null, cpuEfficiencyRatio: null };
  for (const threads of [1, 2]) {
    out.ours[threads] = await ours(threads, seconds);
    log(`dropout-ensemble, ${threads} thread(s): ${fmt(out.ours[threads].examplesPerSecond, 0)} examples/s (${fmt(out.ours[threads].coresUsed, 2)} cores used)`);
  }
  out.torch = torch(seconds);
  if (out.torch.skipped) {
    log(`PyTorch: skipped (${out.torch.skipped})`);
  } else {
    const best = out.torch.best;
    out.ratio = out.ours[2].examplesPerSecond / best.examplesPerSecond;
    // Work per CPU-second: less sensitive to other processes sharing the cores than wall-clock rates.
    const perCpu = (r) => r.examplesPerSecond / r.coresUsed;
    out.cpuEfficiencyRatio = Math.max(perCpu(out.ours[1]), perCpu(out.ours[2])) / Math.max(...out.torch.runs.map(perCpu));
    for (const r of out.torch.runs) log(`PyTorch ${out.torch.torch}, torch threads ${r.torchThreads}: ${fmt(r.examplesPerSecond, 0)} examples/s (${fmt(r.coresUsed, 2)} cores used)`);
    log(`ratio (ours on 2 threads / PyTorch at its best setting): ${fmt(out.ratio, 2)}× (target ≥ 1.5×)`);
    log(`examples per CPU-second, best of each: ${fmt(out.cpuEfficiencyRatio, 2)}× PyTorch's`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const at = args.indexOf('--seconds');
  const seconds = at >= 0 ? Number(args[at + 1]) : 4;
  const out = await run({ log: json ? () => {} : (...a) => console.log(...a), seconds });
  if (json) console.log(JSON.stringify(out, null, 2));
}
