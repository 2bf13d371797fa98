// Kernels: masked product GFLOP/s on the paper's shapes vs the FMA peak and OpenBLAS (same run);
// mask generation rate; moment accumulation rate.
import { kernels } from '../dist/index.js';
import { native } from '../dist/native.js';
import { fmt, randomFloats, timeIt } from './util.mjs';

export async function run({ log }) {
  const raw = native();
  const out = { peak: {}, matmul: [], masks: {}, moments: {} };
  for (const t of [1, 2]) out.peak[t] = raw.bench.fmaPeak(t, 0.5);
  log(`fp32 FMA peak: 1 thread ${fmt(out.peak[1])} GFLOP/s, 2 threads ${fmt(out.peak[2])} GFLOP/s`);
  const openblas = raw.bench.openblasAvailable();
  if (!openblas) log('OpenBLAS: not installed (apt-get install libopenblas0) — peer ratio skipped');

  log('\nshape (m × k→n)        thr   GFLOP/s  of peak  vs OpenBLAS');
  for (const m of [100, 10000]) {
    for (const [k, n] of [[784, 1200], [1200, 1200]]) {
      const a = randomFloats(m * k, 1), b = randomFloats(n * k, 2), c = new Float32Array(m * n);
      const mask = kernels.bernoulliMask({ seed: 1, rows: m, cols: k, keep: 0.5 });
      for (const threads of [1, 2]) {
        const flop = 2 * m * n * k;
        const ours = await timeIt(() => kernels.maskedMatmul({ a, b, m, n, k, mask, out: c, threads }));
        const gflops = flop / ours.mean / 1e9;
        let blas = null;
        if (openblas) {
          const r = await timeIt(() => raw.bench.openblasSgemm(a, b, c, m, n, k, threads));
          blas = flop / r.mean / 1e9;
        }
        const row = { m, k, n, threads, gflops, ofPeak: gflops / out.peak[threads], openblasGflops: blas, vsOpenblas: blas ? gflops / blas : null };
        out.matmul.push(row);
        log(`${String(m).padStart(5)} × ${k}→${n}`.padEnd(22), String(threads).padStart(4), fmt(gflops).padStart(9),
          `${fmt(100 * row.ofPeak, 0)}%`.padStart(8), blas ? `${fmt(row.vsOpenblas, 2)}×`.padStart(11) : '          —');
      }
    }
  }

  // Masks for one batch-100 layer of 1200 units vs the product of that layer (1200→1200).
  const rows = 100, cols = 1200;
  const mk = await timeIt(() => kernels.bernoulliMask({ seed: 3, rows, cols, keep: 0.5 }));
  out.masks = { perSecond: (rows * cols) / mk.mean };
  const prod = out.matmul.find((r) => r.m === 100 && r.k === 1200 && r.threads === 2);
  const prodSeconds = (2 * 100 * 1200 * 1200) / (prod.gflops * 1e9);
  out.masks.fractionOfProduct = mk.mean / prodSeconds;
  log(`\nmasks: ${fmt(out.masks.perSecond / 1e6)} M mask bytes/s; a 100×1200 mask costs ${fmt(100 * out.masks.fractionOfProduct, 2)}% of its 100×1200→1200 product (target < 5%)`);

  // Moments: 10,000 samples × 4,810 neurons (the paper's network) with logits.
  const neurons = 4810, batch = 500;
  const z = randomFloats(batch * neurons, 4).map((x) => 6 * x);
  const o = z.map((x) => 1 / (1 + Math.exp(-x)));
  const acc = new kernels.MomentAccumulator(neurons);
  const mo = await timeIt(() => acc.add(o, batch, z));
  out.moments.neuronSamplesPerSecond = (batch * neurons) / mo.mean;
  const tenK = (10000 * neurons) / out.moments.neuronSamplesPerSecond;
  // Products of 10,000 samples through 784-1200×4-10: 2·(784·1200 + 3·1200² + 1200·10) flop each.
  const best2 = Math.max(...out.matmul.filter((r) => r.threads === 2 && r.m === 10000).map((r) => r.gflops));
  const productSeconds = (10000 * 2 * (784 * 1200 + 3 * 1200 * 1200 + 1200 * 10)) / (best2 * 1e9);
  out.moments.fractionOfProducts = tenK / productSeconds;
  log(`moments (64-bin histogram): ${fmt(out.moments.neuronSamplesPerSecond / 1e6)} M neuron-samples/s; 10,000 × 4,810 takes ${fmt(100 * out.moments.fractionOfProducts, 1)}% of the products that produce them (target < 10%)`);
  // Without the histogram, as the ensemble sampler accumulates (it needs no per-sample quantiles).
  const bare = new kernels.MomentAccumulator(neurons, { bins: 0 });
  const mb = await timeIt(() => bare.add(o, batch, z));
  out.moments.noHistogram = { neuronSamplesPerSecond: (batch * neurons) / mb.mean };
  out.moments.noHistogram.fractionOfProducts = (10000 * neurons) / out.moments.noHistogram.neuronSamplesPerSecond / productSeconds;
  log(`moments (no histogram): ${fmt(out.moments.noHistogram.neuronSamplesPerSecond / 1e6)} M neuron-samples/s; ${fmt(100 * out.moments.noHistogram.fractionOfProducts, 1)}% of the products' time`);
  return out;
}
