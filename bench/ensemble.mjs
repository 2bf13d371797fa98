#!/usr/bin/env node
// Ensemble statistics benchmark: 10,000 Monte Carlo subnetworks of the paper's network
// (784-1200-1200-1200-1200-10, logistic hidden units, keep 0.8 input / 0.5 hidden) for one input,
// every per-neuron statistic (moments, logs for G and G′, E(S)). Reports the time, the time of the
// bare masked products the run performs (same shapes, same batch, masks made once, timed with
// kernels.maskedMatmul) and the overhead of masks + activations + moments over them (target ≤ 25%),
// and the PyTorch peer (train-mode batched forward, mean and variance of every unit) in the same
// run when torch imports (target: ≥ 2× faster). Run alone (`node bench/ensemble.mjs [--json]`) or
// as a suite of `npm run bench`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Network, kernels } from '../dist/index.js';
import { fmt, randomFloats } from './util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHONS = [process.env.DE_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
const SIZES = [784, 1200, 1200, 1200, 1200, 10];

function paperNetwork(threads) {
  const layers = [1, 2, 3, 4].map(() => ({ units: 1200, activation: 'logistic', keep: 0.5 }));
  return new Network({ inputs: 784, inputKeep: 0.8, layers: [...layers, { units: 10, activation: 'softmax' }], seed: 1, threads });
}

async function seconds(fn) {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/**
 * The masked products alone, as the sampler runs them: per layer, ceil(samples / batch) products
 * [batch × in]·[in × out]ᵀ (masks made once). Returns a function that runs them all once.
 */
function bareProducts(samples, batch, threads) {
  const batches = Math.ceil(samples / batch);
  const shapes = SIZES.slice(1).map((n, i) => {
    const k = SIZES[i];
    return {
      a: randomFloats(batch * k, i + 1).map(Math.abs), b: randomFloats(n * k, i + 11), m: batch, n, k,
      mask: kernels.bernoulliMask({ rows: batch, cols: k, keep: i === 0 ? 0.8 : 0.5, seed: i }),
      out: new Float32Array(batch * n), threads,
    };
  });
  return async () => {
    for (let b = 0; b < batches; b++) for (const s of shapes) kernels.maskedMatmul(s);
  };
}

function torch(samples) {
  for (const py of PYTHONS) {
    if (spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) continue;
    const r = spawnSync(py, [join(here, 'peers', 'torch_ensemble.py'), '--samples', String(samples)], { encoding: 'utf8' });
    if (r.status !== 0) return { skipped: `torch_ensemble.py failed: ${r.stderr.trim().split('\n').pop()}` };
    return { python: py, ...JSON.parse(r.stdout.trim().split('\n').pop()) };
  }
  return { skipped: 'PyTorch is not importable (Debian: apt-get install python3-torch)' };
}

export async function run({ log, samples = 10000, batch = 512, threads = 2 }) {
  const net = paperNetwork(threads);
  const input = randomFloats(784, 7).map(Math.abs);
  const sampler = () => net.ensembleStats(input, { samples, seed: 1, batchSize: batch });
  const products = bareProducts(samples, batch, threads);
  await net.ensembleStats(input, { samples: batch, seed: 1, batchSize: batch }); // warm up
  await products();
  // The two in turn, each run whole, best of four: on a shared machine the load of the moment falls
  // on both alike (timed apart, a short run of the products caught quiet moments the sampler missed).
  let samplerBest = Infinity, productsBest = Infinity;
  for (let r = 0; r < 4; r++) {
    samplerBest = Math.min(samplerBest, await seconds(sampler));
    productsBest = Math.min(productsBest, await seconds(products));
  }
  const out = {
    network: SIZES.join('-'), samples, batch, threads, seconds: samplerBest, productSeconds: productsBest,
    overhead: samplerBest / productsBest - 1, torch: null, speedup: null,
  };
  log(`dropout-ensemble: ${samples} samples, every statistic, ${threads} threads: ${fmt(samplerBest, 3)} s`);
  log(`bare masked products of the same run, timed in turn with it: ${fmt(productsBest, 3)} s → overhead of masks + activations + moments ${fmt(100 * out.overhead, 0)}% (target ≤ 25%)`);
  out.torch = torch(samples);
  if (out.torch.skipped) log(`PyTorch: skipped (${out.torch.skipped})`);
  else {
    for (const r of out.torch.runs) log(`PyTorch ${out.torch.torch}, torch threads ${r.torchThreads}: ${fmt(r.seconds, 3)} s (mean and variance only)`);
    out.speedup = out.torch.best.seconds / samplerBest;
    log(`speed-up over PyTorch at its best setting: ${fmt(out.speedup, 2)}× (target ≥ 2×)`);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const json = process.argv.includes('--json');
  const r = await run({ log: json ? () => {} : (...a) => console.log(...a) });
  if (json) console.log(JSON.stringify(r, null, 2));
}
