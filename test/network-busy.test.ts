// `net.busy` is the one answer to "will another call be refused?": true from the moment an
// asynchronous call is accepted until it settles, for every such call, and false after it.
import { describe, expect, it } from 'vitest';
import { BusyError } from '../src/errors.js';
import { Network } from '../src/network/network.js';
import { randomFloats } from './helpers/random.js';

const spec = () => ({
  inputs: 8,
  inputKeep: 0.8,
  layers: [
    { units: 12, keep: 0.5 },
    { units: 3, activation: 'softmax' as const },
  ],
  seed: 3,
  threads: 1,
});
const count = 64;
const inputs = randomFloats(count * 8, 7, 0, 1);
const data = { inputs, targets: Uint8Array.from({ length: count }, (_, i) => i % 3), count };
const one = inputs.subarray(0, 8);

// Each call takes the network long enough to observe it across several turns of the event loop.
const operations: Record<string, (net: Network) => Promise<unknown>> = {
  train: (net) => net.train(data, { epochs: 40, batchSize: 4 }),
  predict: (net) => net.predict(inputs, { method: 'monte-carlo', samples: 20000 }),
  classify: (net) => net.classify(inputs, { method: 'monte-carlo', samples: 20000 }),
  ensembleStats: (net) => net.ensembleStats(one, { samples: 400000 }),
  exactEnsemble: (net) => net.exactEnsemble(one),
  ensembleStatsMany: (net) => net.ensembleStatsMany(inputs.subarray(0, 16 * 8), 16, { samples: 20000 }),
};

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('net.busy', () => {
  for (const [name, start] of Object.entries(operations)) {
    it(`is true during ${name} exactly when other calls are refused`, async () => {
      const net = new Network(spec());
      expect(net.busy).toBe(false);
      let settled = false;
      const running = start(net).finally(() => {
        settled = true;
      });
      expect(net.busy).toBe(true); // taken synchronously, before the first await
      let observed = 0;
      while (!settled) {
        // Sampled at each turn: whenever the call is still running, busy is set and others fail.
        if (settled) break;
        expect(net.busy).toBe(true);
        expect(() => net.getWeights(1, 0)).toThrow(BusyError);
        expect(() => net.propagate(one)).toThrow(BusyError);
        await expect(net.predict(one)).rejects.toBeInstanceOf(BusyError);
        observed++;
        await turn();
      }
      await running;
      expect(observed).toBeGreaterThan(0);
      expect(net.busy).toBe(false);
      expect(() => net.getWeights(1, 0)).not.toThrow();
      await expect(net.predict(one)).resolves.toBeInstanceOf(Float32Array);
    });
  }

  it('is false again after a call that fails validation or is refused', async () => {
    const net = new Network(spec());
    await expect(net.ensembleStats(new Float32Array(3))).rejects.toThrow();
    expect(net.busy).toBe(false);
    const running = net.ensembleStats(one, { samples: 100000 });
    await expect(net.exactEnsemble(one)).rejects.toBeInstanceOf(BusyError);
    expect(net.busy).toBe(true);
    await running;
    expect(net.busy).toBe(false);
  });
});
