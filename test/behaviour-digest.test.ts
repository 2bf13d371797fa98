// Bit-level behaviour pinned by digests: a masked product, networks trained with unit and connection
// dropout (SGD with momentum and max-norm, Adam), their weight-scaled predictions and Monte Carlo
// statistics. The digests were recorded from the engine as it stood before its files were re-layered,
// so a restructuring that changes one bit of arithmetic (a different kernel, a reordered sum, another
// mask) fails here. They hold on an x86-64 CPU with AVX2 or AVX-512 (the two give the same bits); the
// portable reference kernel rounds differently and is skipped.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { info, kernels, Network } from '../src/index.js';
import { weightPairs } from '../src/network/spec.js';
import { randomFloats, randomMask } from './helpers/random.js';

const vectorKernel = ['avx2-fma', 'avx512'].includes(info().cpuKernel) && process.arch === 'x64';

function digest(arrays: ArrayBufferView[]): string {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 32);
}

function parameters(net: Network): Float32Array[] {
  return [...weightPairs(net.spec).map(([h, l]) => net.getWeights(h, l)), ...net.spec.layers.map((_, i) => net.getBias(i + 1))];
}

function dataset(count: number, inputs: number, classes: number, seed: number) {
  const x = randomFloats(count * inputs, seed, 0, 1);
  const targets = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    // A learnable rule: the class is which block of inputs carries the largest sum.
    let best = 0, bestSum = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = 0;
      for (let j = c; j < inputs; j += classes) s += x[i * inputs + j]!;
      if (s > bestSum) { bestSum = s; best = c; }
    }
    targets[i] = best;
  }
  return { inputs: x, targets, count };
}

async function trained(dropout: 'units' | 'connections', optimizer: 'sgd' | 'adam', threads: number) {
  const net = new Network({
    inputs: 40, inputKeep: 0.8, dropout,
    layers: [
      { units: 48, activation: 'logistic', keep: 0.5 },
      { units: 32, activation: 'tanh', keep: 0.5, from: [0, 1] },
      { units: 5, activation: 'softmax' },
    ],
    seed: 2013, threads,
  });
  const data = dataset(400, 40, 5, 7);
  const recipe = optimizer === 'sgd'
    ? { epochs: 3, batchSize: 25, optimizer: 'sgd' as const, learningRate: 0.5, momentum: 0.9, maxNorm: 3 }
    : { epochs: 3, batchSize: 25, learningRate: 3e-3 };
  await net.train(data, recipe);
  return { net, data };
}

// Recorded before the re-layering (sha256 of the raw bytes, first 128 bits).
const RECORDED = {
  product: '2143fb49a51d22ad693ef2a40912df2d',
  unitsSgd: '19b37ff3bc920c9e3e23d84a4c4f7cb4',
  unitsAdam: '7177090713224bcb1d98ef42c90469d9',
  connectionsSgd: '7b1e198d8af29af8c9a59f541b7e9329',
  predictions: 'efafe0d6c9b080a360f2a13a5549767a',
  ensemble: '754a55fde6291d95747c6507cc128455',
};

describe.skipIf(!vectorKernel)('behaviour digests (unchanged by restructuring)', () => {
  it('masked product', () => {
    const m = 131, n = 97, k = 300;
    const c = kernels.maskedMatmul({
      a: randomFloats(m * k, 1), b: randomFloats(n * k, 2), m, n, k,
      mask: randomMask(m * k, 3, 0.5), scale: randomFloats(k, 4, 0.5, 2), bias: randomFloats(n, 5), threads: 2,
    });
    expect(digest([c])).toBe(RECORDED.product);
  });

  it.each([
    ['units', 'sgd', 'unitsSgd'],
    ['units', 'adam', 'unitsAdam'],
    ['connections', 'sgd', 'connectionsSgd'],
  ] as const)('trained weights (%s dropout, %s), on 1 and 2 threads', async (dropout, optimizer, key) => {
    for (const threads of [1, 2]) {
      const { net } = await trained(dropout, optimizer, threads);
      expect(digest(parameters(net))).toBe(RECORDED[key]);
    }
  });

  it('weight-scaled predictions and Monte Carlo statistics of a trained network', async () => {
    const { net, data } = await trained('units', 'sgd', 2);
    const out = await net.predict(data.inputs.subarray(0, 50 * 40), { method: 'weight-scaling' });
    expect(digest([out])).toBe(RECORDED.predictions);
    const stats = await net.ensembleStats(data.inputs.subarray(0, 40), { samples: 2000, seed: 11 });
    const columns = stats.layers.flatMap((l) => [l.mean, l.variance, l.nwgm, l.deterministic, l.meanS, l.varianceS]);
    expect(digest(columns)).toBe(RECORDED.ensemble);
  });
});
