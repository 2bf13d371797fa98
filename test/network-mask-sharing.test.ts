// options.maskSharing: gates shared by groups of examples. The compact products are checked against
// the dense masked products in the C++ suite (test_shared_gates.cpp); here: the option's contract
// through the public API — validation, determinism, a group of one is per-example dropout, and a
// network trained with one draw per minibatch learns.
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, OutOfRangeError, UnsupportedError } from '../src/errors.js';
import { info } from '../src/info.js';
import { Network } from '../src/network/network.js';
import type { Subset } from './helpers/network-fixtures.js';
import { firstDigits, mnist, parameterBits, skipMlp, testError } from './helpers/network-fixtures.js';

let train: Subset;
let test: Subset;
beforeAll(async () => {
  ({ train, test } = await mnist(2000, 1000));
});

const head = (n: number): Subset => firstDigits(train, n);
const mlp = (threads: number, dropout: 'units' | 'connections' = 'units', backend: 'cpu' | 'cuda' = 'cpu') =>
  skipMlp({ hidden: [96, 64], seed: 7, threads, dropout, backend });

describe('options.maskSharing', () => {
  it('refuses values that are not a sharing, and connection dropout, leaving the network untouched', async () => {
    const net = mlp(1);
    const before = parameterBits(net);
    const where = 'Network.train';
    await expect(net.train(train, { maskSharing: 'minibatch' as never })).rejects.toThrow(
      new InvalidArgumentError(`${where}: options.maskSharing must be 'example', 'batch' or { group: g }, got "minibatch"`),
    );
    await expect(net.train(train, { maskSharing: { group: 0 } })).rejects.toThrow(OutOfRangeError);
    await expect(net.train(train, { maskSharing: { group: 2.5 } })).rejects.toThrow(InvalidArgumentError);
    await expect(net.train(train, { maskSharing: { group: 4, size: 2 } as never })).rejects.toThrow(InvalidArgumentError);
    await expect(mlp(1, 'connections').train(train, { maskSharing: 'batch' })).rejects.toThrow(UnsupportedError);
    // A group of one is per-example gates, whatever the dropout.
    await expect(mlp(1, 'connections').train(head(20), { maskSharing: { group: 1 } })).resolves.toHaveLength(1);
    expect(parameterBits(net)).toEqual(before);
  });

  it('{ group: 1 } is per-example dropout, bit for bit; sharing changes the subnetworks trained', async () => {
    const data = head(600);
    const recipe = { epochs: 1, batchSize: 50 };
    const a = mlp(2), b = mlp(2), c = mlp(2);
    await a.train(data, recipe);
    await b.train(data, { ...recipe, maskSharing: { group: 1 } });
    await c.train(data, { ...recipe, maskSharing: 'batch' });
    expect(parameterBits(b)).toEqual(parameterBits(a));
    expect(parameterBits(c)).not.toEqual(parameterBits(a));
  });

  it('gives the same weights for any thread count, for whole batches and for groups cut by batches', async () => {
    const data = head(500);
    for (const maskSharing of ['batch', { group: 30 }] as const) {
      const one = mlp(1), two = mlp(2);
      await one.train(data, { epochs: 2, batchSize: 40, maskSharing });
      await two.train(data, { epochs: 2, batchSize: 40, maskSharing });
      expect(parameterBits(two)).toEqual(parameterBits(one));
    }
  });

  it('learns with one draw of gates per minibatch', async () => {
    const net = mlp(2);
    const history = await net.train(train, { epochs: 6, batchSize: 50, learningRate: 3e-3, maskSharing: 'batch' });
    expect(history[5]!.loss).toBeLessThan(history[0]!.loss * 0.6);
    expect(await testError(net, test)).toBeLessThan(0.2);
  });
});

describe.runIf(info().backends.cuda.usable)('on a GPU network', () => {
  it('refuses shared gates with UnsupportedError (per-example gates only there)', async () => {
    const net = mlp(2, 'units', 'cuda');
    await expect(net.train(train, { maskSharing: 'batch' })).rejects.toThrow(UnsupportedError);
  });
});
