// Learning-phase probes of train() (Section 5.3): records at the right steps, O*/std(O)
// equal to a direct ensemble sample, the weight-decay term of Eq. 28, bit-identical training with
// and without probes, abort (records so far delivered, resume exact), and option validation.
import { describe, expect, it } from 'vitest';
import { AbortError, InvalidArgumentError, OutOfRangeError } from '../src/errors.js';
import { Network } from '../src/network/network.js';
import type { ProbeRecord } from '../src/network/train-options.js';
import { parameterBits } from './helpers/network-fixtures.js';
import { seededRandom } from '../app/report/stats-math.js';

const INPUTS = 12;
const COUNT = 60;

/** A small learnable problem: the label is which half of the inputs has the larger sum. */
function dataset(seed: number) {
  const rand = seededRandom(seed);
  const inputs = new Float32Array(COUNT * INPUTS);
  const targets = new Uint8Array(COUNT);
  for (let i = 0; i < COUNT; i++) {
    let a = 0;
    let b = 0;
    for (let j = 0; j < INPUTS; j++) {
      const x = rand();
      inputs[i * INPUTS + j] = x;
      if (j < INPUTS / 2) a += x;
      else b += x;
    }
    targets[i] = a > b ? 1 : 0;
  }
  return { inputs, targets, count: COUNT };
}

const smallNet = () =>
  new Network({
    inputs: INPUTS,
    inputKeep: 0.8,
    layers: [
      { units: 16, activation: 'logistic', keep: 0.5 },
      { units: 8, activation: 'logistic', keep: 0.5 },
      { units: 2, activation: 'softmax' },
    ],
    seed: 21,
    threads: 2,
  });

const data = dataset(4);
const probeInputs = data.inputs.slice(0, 3 * INPUTS); // three probe inputs
// 60 examples, batch 8: 8 updates per epoch (7 × 8 + 4).
const recipe = { epochs: 3, batchSize: 8, learningRate: 0.01 };

describe('train() with probes', () => {
  it('records at step 0, every `every` updates and at the end, with the documented shapes', async () => {
    const net = smallNet();
    const seen: number[] = [];
    const history = await net.train(data, { ...recipe, probes: { inputs: probeInputs, every: 5, samples: 64 }, onProbe: (r) => seen.push(r.step) });
    expect(history).toHaveLength(3);
    const probes = history.probes!;
    // 24 updates: 0, 5, 10, 15, 20 and the end (24).
    expect(probes.map((p) => p.step)).toEqual([0, 5, 10, 15, 20, 24]);
    expect(seen).toEqual([0, 5, 10, 15, 20, 24]);
    // Epoch progress: 8 updates per epoch, so step 10 is the 2nd update of the second epoch (16 examples done).
    expect(probes.map((p) => p.epoch)).toEqual([0, 40 / 60, 1 + 16 / 60, 1 + 56 / 60, 2 + 32 / 60, 3]);
    expect(probes[1]!.examples).toBe(40);
    for (const p of probes) {
      expect(p.layers.map((l) => [l.deterministic.length, l.std.length])).toEqual([[3 * 16, 3 * 16], [3 * 8, 3 * 8], [3 * 2, 3 * 2]]);
      for (const l of p.layers) {
        expect(l.std).toBeInstanceOf(Float64Array);
        expect(l.std.every((s) => s >= 0 && s <= 0.5 + 1e-12)).toBe(true); // a value in [0, 1] has std ≤ 1/2
        expect(l.deterministic.every((o) => o > 0 && o < 1)).toBe(true);
        expect(l.weightDecayTerm).toBeGreaterThan(0);
        expect(l.sparsity).toBeGreaterThanOrEqual(0);
        expect(l.sparsity).toBeLessThanOrEqual(1);
      }
    }
    // Dropout makes the ensemble spread: some unit has a clearly non-zero std at every record.
    expect(probes.every((p) => Math.max(...p.layers[0]!.std) > 0.01)).toBe(true);
    // Without probes there is no `probes` field.
    expect((await smallNet().train(data, recipe)).probes).toBeUndefined();
  });

  it('O* and std(O) at the final record equal a direct ensemble sample with the same seed', async () => {
    const net = smallNet();
    const history = await net.train(data, { ...recipe, probes: { inputs: probeInputs, every: 100, samples: 200, seed: 77 } });
    const last = history.probes![history.probes!.length - 1]!;
    expect(last.step).toBe(24);
    const k = 2; // the third probe input
    const stats = await net.ensembleStats(probeInputs.slice(k * INPUTS, (k + 1) * INPUTS), { samples: 200, seed: 77 });
    stats.layers.forEach((layer, h) => {
      const units = layer.std.length;
      for (let i = 0; i < units; i++) {
        expect(last.layers[h]!.std[k * units + i]).toBeCloseTo(layer.std[i]!, 12);
        expect(last.layers[h]!.deterministic[k * units + i]).toBeCloseTo(layer.deterministic[i]!, 12);
      }
    });
    // Sparsity is the fraction of units with O* ≤ 0.1, over units and probe inputs.
    const det = last.layers[0]!.deterministic;
    expect(last.layers[0]!.sparsity).toBeCloseTo(det.filter((o) => o <= 0.1).length / det.length, 12);
  });

  it('the weight-decay term of a linear unit is Eq. 28: ½ Σ w² I² p(1 − p)', async () => {
    const keep = Float32Array.from({ length: INPUTS }, (_, j) => 0.3 + 0.05 * j);
    const net = new Network({ inputs: INPUTS, inputKeep: keep, layers: [{ units: 1, activation: 'linear' }], seed: 5, threads: 1 });
    const x = probeInputs.subarray(0, INPUTS);
    const values = Float32Array.from({ length: COUNT }, (_, i) => data.targets[i]!);
    const history = await net.train({ inputs: data.inputs, targets: values, count: COUNT }, { epochs: 1, batchSize: 60, learningRate: 0.01, probes: { inputs: x, every: 1, samples: 10 } });
    expect(history.probes!.map((p) => p.step)).toEqual([0, 1]);
    const w = net.getWeights(1, 0);
    let want = 0;
    for (let j = 0; j < INPUTS; j++) want += 0.5 * w[j]! ** 2 * x[j]! ** 2 * keep[j]! * (1 - keep[j]!);
    expect(history.probes![1]!.layers[0]!.weightDecayTerm).toBeCloseTo(want, 6);
  });

  it('leaves training bit-identical: the same weights, losses and optimizer state with and without probes', async () => {
    const plain = smallNet();
    const a = await plain.train(data, recipe);
    const probed = smallNet();
    const b = await probed.train(data, { ...recipe, probes: { inputs: probeInputs, every: 1, samples: 50, seed: 21 } });
    expect(b.probes).toHaveLength(25);
    expect(parameterBits(probed)).toEqual(parameterBits(plain));
    expect(b.map((e) => e.loss)).toEqual(a.map((e) => e.loss));
    expect(Buffer.from(probed.toBuffer()).equals(Buffer.from(plain.toBuffer()))).toBe(true);
  });

  it('abort still works: records taken so far are delivered, and resuming gives the uninterrupted weights and records', async () => {
    // Enough updates (10 × 250) that the abort, raised from onProbe on the JS thread, lands mid-run.
    const big = { inputs: new Float32Array(2000 * INPUTS), targets: new Uint8Array(2000), count: 2000 };
    for (let r = 0; r * COUNT < 2000; r++) {
      const n = Math.min(COUNT, 2000 - r * COUNT);
      big.inputs.set(data.inputs.subarray(0, n * INPUTS), r * COUNT * INPUTS);
      big.targets.set(data.targets.subarray(0, n), r * COUNT);
    }
    const run10 = { epochs: 10, batchSize: 8, learningRate: 0.01 };
    const probes = { inputs: probeInputs, every: 25, samples: 40 };
    const straight = smallNet();
    const full = await straight.train(big, { ...run10, probes });
    expect(full.probes!.map((r) => r.step)).toEqual(Array.from({ length: 101 }, (_, i) => 25 * i));

    const net = smallNet();
    const stop = new AbortController();
    const got: ProbeRecord[] = [];
    let epochsDone = 0;
    const run = net.train(big, { ...run10, signal: stop.signal, probes, onEpoch: () => epochsDone++, onProbe: (r) => { got.push(r); if (r.step >= 50) stop.abort(); } });
    await expect(run).rejects.toThrow(AbortError);
    // Every record taken before the abort was delivered, in order, before train() rejected.
    expect(got.length).toBeGreaterThanOrEqual(3);
    expect(got.length).toBeLessThan(101);
    expect(got.map((r) => r.step)).toEqual(full.probes!.slice(0, got.length).map((r) => r.step));
    const rest = await net.train(big, { ...run10, epochs: 10 - epochsDone, probes });
    expect(parameterBits(net)).toEqual(parameterBits(straight));
    // Stitched together (a step recorded twice is the same state), the records are the uninterrupted ones.
    const stitched = [...got, ...rest.probes!.filter((r) => r.step > got[got.length - 1]!.step)];
    expect(stitched.map((r) => r.step)).toEqual(full.probes!.map((r) => r.step));
    expect(stitched.map((r) => Array.from(r.layers[1]!.std))).toEqual(full.probes!.map((r) => Array.from(r.layers[1]!.std)));
    expect(stitched.map((r) => r.layers[0]!.weightDecayTerm)).toEqual(full.probes!.map((r) => r.layers[0]!.weightDecayTerm));
  });

  it('rejects bad probe options with messages that name them', async () => {
    const net = smallNet();
    const bad = async (probes: unknown, re: RegExp, type: new (...a: never[]) => Error = InvalidArgumentError) => {
      const p = net.train(data, { ...recipe, probes } as never);
      await expect(p).rejects.toBeInstanceOf(type);
      await expect(p).rejects.toThrow(re);
    };
    await bad(5, /options\.probes must be an object/);
    await bad({ inputs: probeInputs, every: 2, samples: 10, extra: 1 }, /unknown option "extra" in options\.probes/);
    await bad({ inputs: new Float64Array(INPUTS), every: 2, samples: 10 }, /options\.probes\.inputs must be a Float32Array/);
    await bad({ inputs: new Float32Array(INPUTS + 1), every: 2, samples: 10 }, /options\.probes\.inputs must hold a positive multiple of 12 values/);
    await bad({ inputs: new Float32Array(INPUTS).fill(NaN), every: 2, samples: 10 }, /options\.probes\.inputs\[0\] must be finite/);
    await bad({ inputs: probeInputs, every: 0, samples: 10 }, /options\.probes\.every must be an integer >= 1/, OutOfRangeError);
    await bad({ inputs: probeInputs, every: 1.5, samples: 10 }, /options\.probes\.every must be an integer >= 1/);
    await bad({ inputs: probeInputs, every: 2, samples: 1 }, /options\.probes\.samples must be an integer in \[2, /, OutOfRangeError);
    await bad({ inputs: probeInputs, every: 2 }, /options\.probes\.samples must be an integer >= 2/);
    await bad({ inputs: probeInputs, every: 2, samples: 10, seed: -1 }, /options\.probes\.seed/, OutOfRangeError);
    const p = net.train(data, { ...recipe, onProbe: () => {} });
    await expect(p).rejects.toThrow(/options\.onProbe needs options\.probes/);
    // Nothing was trained by the refused calls.
    expect(parameterBits(net)).toEqual(parameterBits(smallNet()));
  });

  it('an exception in onProbe stops training and rejects with it', async () => {
    const net = smallNet();
    const p = net.train(data, { ...recipe, probes: { inputs: probeInputs, every: 2, samples: 10 }, onProbe: (r) => { if (r.step === 4) throw new Error('probe consumer failed'); } });
    await expect(p).rejects.toThrow('probe consumer failed');
    expect(net.busy).toBe(false);
  });
});
