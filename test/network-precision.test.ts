// options.precision: the operands of the training products in bfloat16. The kernels are held to
// their references in the C++ suite (test_gemm_bf16.cpp); here, the option's contract through the
// public API: validation and refusals that leave the network as it was, determinism across thread
// counts, weights close to fp32's after a short run (and not equal to them), and learning.
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnsupportedError } from '../src/errors.js';
import { info } from '../src/info.js';
import { Network } from '../src/network/network.js';
import { weightPairs } from '../src/network/spec.js';
import type { Subset } from './helpers/network-fixtures.js';
import { firstDigits, mnist, parameterBits, skipMlp, testError } from './helpers/network-fixtures.js';

let train: Subset;
let test: Subset;
beforeAll(async () => {
  ({ train, test } = await mnist(2000, 1000));
});

const head = (n: number): Subset => firstDigits(train, n);
const mlp = (threads: number, dropout: 'units' | 'connections' = 'units', backend: 'cpu' | 'cuda' = 'cpu') =>
  skipMlp({ hidden: [120, 100], seed: 11, threads, dropout, backend });

/** Every weight and bias of a network, flat. */
function parameters(net: Network): Float64Array {
  const out: number[] = [];
  for (const [h, l] of weightPairs(net.spec)) out.push(...net.getWeights(h, l));
  net.spec.layers.forEach((_, i) => out.push(...net.getBias(i + 1)));
  return Float64Array.from(out);
}

describe('options.precision', () => {
  it('refuses values that are not a precision, and connection dropout, leaving the network untouched', async () => {
    const net = mlp(1);
    const before = parameterBits(net);
    const where = 'Network.train';
    await expect(net.train(train, { precision: 'bf8' as never })).rejects.toThrow(
      new InvalidArgumentError(`${where}: options.precision must be one of "fp32", "bf16", got "bf8"`),
    );
    await expect(net.train(train, { precision: 16 as never })).rejects.toThrow(InvalidArgumentError);
    await expect(net.train(train, { precision: null as never })).rejects.toThrow(InvalidArgumentError);
    await expect(net.train(train, { precision: 'BF16' as never })).rejects.toThrow(InvalidArgumentError);
    expect(parameterBits(net)).toEqual(before);
    const connections = mlp(1, 'connections');
    const connectionsBefore = parameterBits(connections);
    await expect(connections.train(train, { precision: 'bf16' })).rejects.toThrow(UnsupportedError);
    expect(parameterBits(connections)).toEqual(connectionsBefore);
    // 'fp32' said aloud is the default, bit for bit.
    const a = mlp(2), b = mlp(2);
    await a.train(head(300), { epochs: 1, batchSize: 50 });
    await b.train(head(300), { epochs: 1, batchSize: 50, precision: 'fp32' });
    expect(parameterBits(b)).toEqual(parameterBits(a));
  });

  it('gives the same weights for 1 and 2 threads, with per-example and with shared gates', async () => {
    const data = head(500);
    for (const maskSharing of ['example', 'batch'] as const) {
      const one = mlp(1), two = mlp(2);
      await one.train(data, { epochs: 2, batchSize: 50, precision: 'bf16', maskSharing });
      await two.train(data, { epochs: 2, batchSize: 50, precision: 'bf16', maskSharing });
      expect(parameterBits(two)).toEqual(parameterBits(one));
    }
  });

  it('stays close to the fp32 weights after a short run, without equalling them', async () => {
    // 20 Adam updates from the same initialisation, gates and shuffles. Each update moves a weight
    // by about the learning rate (1e-3) whatever the gradient's size, so the relative differences
    // of the gradients that bf16 operands cause (~2^-7 of Σ|a·b| per product) show up as updates of
    // a slightly different size or, for gradients near zero, of the other sign: measured, the two
    // weight vectors are 5.6% of the distance the weights travelled apart, no weight more than 0.011.
    // The bounds: 10% of that distance, and no weight more than two updates (2 · 20 · 1e-3) apart.
    const data = head(1000);
    const init = mlp(2);
    const start = parameters(init);
    const fp32 = mlp(2), bf16 = mlp(2);
    await fp32.train(data, { epochs: 1, batchSize: 50 });
    await bf16.train(data, { epochs: 1, batchSize: 50, precision: 'bf16' });
    const a = parameters(fp32), b = parameters(bf16);
    let travelled = 0, apart = 0, most = 0;
    for (let i = 0; i < a.length; i++) {
      travelled += (a[i]! - start[i]!) ** 2;
      apart += (a[i]! - b[i]!) ** 2;
      most = Math.max(most, Math.abs(a[i]! - b[i]!));
    }
    expect(apart).toBeGreaterThan(0); // the option changed the arithmetic
    expect(Math.sqrt(apart)).toBeLessThan(0.1 * Math.sqrt(travelled));
    expect(most).toBeLessThan(2 * 20 * 1e-3);
  });

  it('learns: the loss falls and the test error is that of fp32 training within a few points', async () => {
    const recipe = { epochs: 4, batchSize: 50, learningRate: 3e-3 };
    const fp32 = mlp(2), bf16 = mlp(2);
    const h32 = await fp32.train(train, recipe);
    const h16 = await bf16.train(train, { ...recipe, precision: 'bf16' });
    expect(h16[3]!.loss).toBeLessThan(h16[0]!.loss * 0.7);
    const e16 = await testError(bf16, test), e32 = await testError(fp32, test);
    expect(e16).toBeLessThan(0.2);
    expect(Math.abs(e16 - e32)).toBeLessThan(0.03);
  });

  it('info() says how bf16 products run here', () => {
    const i = info();
    expect(typeof i.bf16.native).toBe('boolean');
    if (i.bf16.native) expect(i.bf16.kernel).toBe('avx512-bf16');
    else expect(i.bf16.kernel).toBe(`${i.cpuKernel}-bf16-emulated`);
    // cpuid as Linux reports it: native exactly where the AVX-512 table runs on a CPU with AVX512_BF16.
    if (existsSync('/proc/cpuinfo') && i.cpuKernel === 'avx512') {
      expect(i.bf16.native).toBe(/\bavx512_bf16\b/.test(readFileSync('/proc/cpuinfo', 'utf8')));
    }
  });
});

describe.runIf(info().backends.cuda.usable)('on a GPU network', () => {
  it('refuses bf16 products with UnsupportedError, leaving the network untouched', async () => {
    const net = mlp(2, 'units', 'cuda');
    const before = parameterBits(net);
    await expect(net.train(train, { precision: 'bf16' })).rejects.toThrow(UnsupportedError);
    expect(parameterBits(net)).toEqual(before);
  });
});
