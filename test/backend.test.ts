// The backend choice of Network and kernels: 'cpu' | 'cuda' | 'auto'. Without a usable GPU (CI, this
// machine) 'cuda' must fail at once with UnsupportedError and the loader's reason, before anything
// is allocated, and 'auto' must run on the CPU. With a usable GPU, the CUDA path must agree with the
// CPU: same masks (Philox), so the same training and statistics within float tolerance.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnsupportedError } from '../src/errors.js';
import { info } from '../src/info.js';
import { bernoulliMask, maskedMatmul } from '../src/kernels.js';
import { native } from '../src/native.js';
import { Network } from '../src/network/network.js';
import { weightPairs } from '../src/network/spec.js';
import { randomFloats } from './helpers/random.js';

const cuda = info().backends.cuda;
const spec = (over: Record<string, unknown> = {}) => ({
  inputs: 6,
  inputKeep: 0.8,
  layers: [{ units: 7, keep: 0.5 }, { units: 5, activation: 'tanh' as const, keep: 0.6 }, { units: 3, activation: 'softmax' as const, from: [1, 2] }],
  seed: 11,
  threads: 1,
  ...over,
});
const count = 64;
const data = {
  inputs: randomFloats(count * 6, 5, 0, 1),
  targets: Uint8Array.from({ length: count }, (_, i) => (i * 7) % 3),
  count,
};
const matmul = { a: randomFloats(4 * 5, 1), b: randomFloats(3 * 5, 2), m: 4, n: 3, k: 5 };
const mask = { seed: 9, stream: 2, rows: 3, cols: 10, keep: 0.5 };

describe.runIf(!cuda.usable)('without a usable GPU', () => {
  const why = `cannot be used here: ${cuda.reason}; use "cpu" or "auto"`;

  it("rejects backend 'cuda' in the constructor with the loader's reason", () => {
    expect(() => new Network({ ...spec(), backend: 'cuda' })).toThrow(new UnsupportedError(`new Network: spec.backend "cuda" ${why}`));
    const bytes = new Network(spec()).toBuffer();
    expect(() => Network.fromBuffer(bytes, { backend: 'cuda' })).toThrow(UnsupportedError);
  });

  it("rejects 'cuda' in the native constructor too, before the network is allocated", () => {
    const Ctor = native().Network;
    const raw = { inputs: 2, inputKeep: null, dropout: 'units', layers: [{ units: 1, activation: 'logistic', c: 1, lambda: 1, keep: null, from: Int32Array.of(0) }], seed: 1, threads: 1 };
    expect(() => new Ctor({ ...raw, backend: 'cuda' } as never)).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED', message: cuda.reason }));
    expect(() => new Ctor({ ...raw, backend: 'tpu' } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    expect(new Ctor({ ...raw, backend: 'cpu' } as never).paramCount()).toBe(3);
  });

  it("runs 'auto' (the default) on the CPU, and trains there", async () => {
    const auto = new Network(spec({ backend: 'auto' }));
    expect(auto.spec.backend).toBe('cpu');
    expect(new Network(spec()).spec.backend).toBe('cpu');
    const cpu = new Network(spec({ backend: 'cpu' }));
    await auto.train(data, { epochs: 1, batchSize: 16 });
    await cpu.train(data, { epochs: 1, batchSize: 16 });
    for (const [h, l] of weightPairs(auto.spec)) expect(auto.getWeights(h, l)).toEqual(cpu.getWeights(h, l));
  });

  it("rejects 'cuda' in the kernels, and runs 'auto' on the CPU", () => {
    expect(() => maskedMatmul({ ...matmul, backend: 'cuda' })).toThrow(new UnsupportedError(`maskedMatmul: backend "cuda" ${why}`));
    expect(() => bernoulliMask({ ...mask, backend: 'cuda' })).toThrow(new UnsupportedError(`bernoulliMask: backend "cuda" ${why}`));
    expect(maskedMatmul({ ...matmul, backend: 'auto' })).toEqual(maskedMatmul(matmul));
    expect(bernoulliMask({ ...mask, backend: 'auto' })).toEqual(bernoulliMask(mask));
  });
});

describe('the backend option', () => {
  it('is validated by name', () => {
    expect(() => new Network({ ...spec(), backend: 'gpu' as never })).toThrow(
      new InvalidArgumentError('new Network: spec.backend must be one of "cpu", "cuda", "auto", got "gpu"'),
    );
    expect(() => maskedMatmul({ ...matmul, backend: 'gpu' as never })).toThrow(
      new InvalidArgumentError('maskedMatmul: backend must be one of "cpu", "cuda", "auto", got "gpu"'),
    );
  });

  it("picks the CPU for connection dropout under 'auto', and refuses it under 'cuda'", () => {
    expect(new Network(spec({ dropout: 'connections' })).spec.backend).toBe('cpu');
    const message = cuda.usable
      ? 'new Network: spec.backend "cuda": connection dropout (Eq. 3) is not available on the CUDA backend; use "cpu" or "auto"'
      : `new Network: spec.backend "cuda" cannot be used here: ${cuda.reason}; use "cpu" or "auto"`;
    expect(() => new Network(spec({ dropout: 'connections', backend: 'cuda' }))).toThrow(new UnsupportedError(message));
  });
});

// Runs only where a GPU is usable (never in CI here): the TS → CUDA path against the CPU.
describe.runIf(cuda.usable)('with a usable GPU', () => {
  const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let num = 0, den = 0;
    for (let i = 0; i < a.length; i++) {
      num += (a[i]! - b[i]!) ** 2;
      den += b[i]! ** 2;
    }
    return Math.sqrt(num / Math.max(den, 1e-30));
  };
  const validation = { inputs: data.inputs.slice(0, 16 * 6), targets: data.targets.slice(0, 16), count: 16 };

  it('trains like the CPU (same masks and shuffles), with the state kept in step', async () => {
    const gpu = new Network(spec({ backend: 'cuda' }));
    const cpu = new Network(spec({ backend: 'cpu' }));
    expect(gpu.spec.backend).toBe('cuda');
    const options = { epochs: 2, batchSize: 16, validation };
    const hg = await gpu.train(data, options);
    const hc = await cpu.train(data, options);
    for (let e = 0; e < 2; e++) {
      expect(hg[e]!.loss).toBeCloseTo(hc[e]!.loss, 4);
      expect(hg[e]!.trainError).toBeCloseTo(hc[e]!.trainError, 6);
      expect(hg[e]!.validationLoss!).toBeCloseTo(hc[e]!.validationLoss!, 4);
    }
    for (const [h, l] of weightPairs(cpu.spec)) expect(relErr(gpu.getWeights(h, l), cpu.getWeights(h, l))).toBeLessThan(1e-4);
    // Resuming: one more epoch from the saved state, on either backend, gives the same network.
    const resumed = Network.fromBuffer(gpu.toBuffer(), { backend: 'cpu' });
    await gpu.train(data, { epochs: 1, batchSize: 16 });
    await resumed.train(data, { epochs: 1, batchSize: 16 });
    for (const [h, l] of weightPairs(cpu.spec)) expect(relErr(gpu.getWeights(h, l), resumed.getWeights(h, l))).toBeLessThan(1e-4);
  });

  it.each(['adam', 'sgd'] as const)('applies learningRateScale as the CPU does (%s)', async (optimizer) => {
    const gpu = new Network(spec({ backend: 'cuda' }));
    const cpu = new Network(spec({ backend: 'cpu' }));
    const layers = cpu.spec.layers.length;
    const options = { epochs: 2, batchSize: 16, optimizer, learningRateScale: Array.from({ length: layers }, (_, h) => (h === 0 ? 3 : 0.5)) };
    await gpu.train(data, options);
    await cpu.train(data, options);
    for (const [h, l] of weightPairs(cpu.spec)) expect(relErr(gpu.getWeights(h, l), cpu.getWeights(h, l))).toBeLessThan(1e-4);
    for (let h = 1; h <= layers; h++) expect(relErr(gpu.getBias(h), cpu.getBias(h))).toBeLessThan(1e-4);
    // and the factors made a difference, 10× the backends' tolerance: without them the same run
    // ends 0.45% (Adam) and 0.72% (SGD) away in the first layer (measured on the CPU)
    const plain = new Network(spec({ backend: 'cpu' }));
    await plain.train(data, { ...options, learningRateScale: undefined });
    expect(relErr(plain.getWeights(1, 0), cpu.getWeights(1, 0))).toBeGreaterThan(1e-3);
  });

  it('stops at an abort with the last completed update kept', async () => {
    const gpu = new Network(spec({ backend: 'cuda' }));
    const ac = new AbortController();
    ac.abort();
    await expect(gpu.train(data, { epochs: 1, signal: ac.signal })).rejects.toThrow('aborted');
  });

  it('gives the CPU ensemble statistics (same subnetworks)', async () => {
    const gpu = new Network(spec({ backend: 'cuda' }));
    const cpu = new Network(spec({ backend: 'cpu' }));
    const x = data.inputs.subarray(0, 6);
    const sg = await gpu.ensembleStats(x, { samples: 5000, seed: 4 });
    const sc = await cpu.ensembleStats(x, { samples: 5000, seed: 4 });
    sg.layers.forEach((lg, k) => {
      const lc = sc.layers[k]!;
      expect(lg.deterministic).toEqual(lc.deterministic);
      expect(relErr(lg.mean, lc.mean)).toBeLessThan(1e-5);
      expect(relErr(lg.variance, lc.variance)).toBeLessThan(1e-4);
      expect(relErr(lg.meanS, lc.meanS)).toBeLessThan(1e-5);
      expect(relErr(lg.varianceS, lc.varianceS)).toBeLessThan(1e-4);
    });
  });

  it('runs the kernels on the GPU: the same masks bit for bit, products within rounding', () => {
    expect(bernoulliMask({ ...mask, backend: 'cuda' })).toEqual(bernoulliMask(mask));
    expect(relErr(maskedMatmul({ ...matmul, backend: 'cuda' }), maskedMatmul(matmul))).toBeLessThan(1e-5);
  });
});
