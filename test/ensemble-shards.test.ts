// Shardable Monte Carlo statistics: ensembleStats with sampleRange draws the run's own subnetworks,
// returnState gives mergeable bytes, and mergeEnsembleStates combines shards into the whole run;
// corrupt or mismatched shards are refused.
import { describe, expect, it } from 'vitest';
import { CorruptFileError, ensembleStateInfo, InvalidArgumentError, mergeEnsembleStates, Network, OutOfRangeError } from '../src/index.js';
import type { EnsembleStats } from '../src/index.js';
import { deepSpec, inputFor, netWith } from './ensemble-helpers.js';

/** The moments a state carries, whose merge must equal the unsplit run's to rounding. */
const MOMENTS = ['mean', 'variance', 'thirdCentralMoment', 'geometricMean', 'complementGeometricMean', 'meanS', 'varianceS', 'deterministic'] as const;

/** |a − b| <= rel · max(|a|, |b|, the column's scale) for every unit of every moment column. */
function expectClose(a: EnsembleStats, b: EnsembleStats, rel: number) {
  expect(a.samples).toBe(b.samples);
  a.layers.forEach((la, k) => {
    const lb = b.layers[k]!;
    for (const c of MOMENTS) {
      let scale = 0;
      for (const x of lb[c]) if (Number.isFinite(x)) scale = Math.max(scale, Math.abs(x));
      for (let i = 0; i < la.units; i++) {
        const x = la[c][i]!;
        const y = lb[c][i]!;
        if (Number.isNaN(y)) {
          expect(x, `${c}[${i}] layer ${k + 1}`).toBeNaN();
          continue;
        }
        expect(Math.abs(x - y), `${c}[${i}] layer ${k + 1}: ${x} vs ${y}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(x), Math.abs(y), scale * 1e-3));
      }
    }
  });
}

const N = 3000;

async function shards(net: Network, x: Float32Array, cuts: number[], seed = 5): Promise<EnsembleStats[]> {
  const out: EnsembleStats[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    out.push(await net.ensembleStats(x, { samples: N, seed, sampleRange: [cuts[k]!, cuts[k + 1]!], returnState: true }));
  }
  return out;
}

describe('mergeEnsembleStates', () => {
  for (const dropout of ['units', 'connections'] as const) {
    it(`the merged shards of a run equal the unsplit run to 1e-12 relative (${dropout})`, async () => {
      const net = netWith(deepSpec(dropout), 3, 2);
      const x = inputFor(4, 8);
      const whole = await net.ensembleStats(x, { samples: N, seed: 5 });
      const parts = await shards(net, x, [0, 700, 701, 1900, N]);
      expect(parts.map((p) => p.samples)).toEqual([700, 1, 1199, 1100]);
      expect(parts.map((p) => p.sampleRange)).toEqual([[0, 700], [700, 701], [701, 1900], [1900, N]]);
      // Given out of order: merged in range order all the same.
      const states = parts.map((p) => p.state!);
      const merged = mergeEnsembleStates([states[2]!, states[0]!, states[3]!, states[1]!]);
      expectClose(merged, whole, 1e-12);
      expect(merged.sampleRange).toEqual([0, N]);
      // Every derived column comes from the merged moments by the same formulas.
      expect(merged.layers[0]!.nwgm.length).toBe(4);
      // The same shards give the same bits, whatever order they are given in.
      const again = mergeEnsembleStates(states);
      expect(Buffer.compare(again.state, merged.state)).toBe(0);
      // A merged state merges again: ([0, 701) ∪ [701, 1900)) ∪ [1900, N).
      const left = mergeEnsembleStates(states.slice(0, 3));
      expectClose(mergeEnsembleStates([states[3]!, left.state]), whole, 1e-12);
    });
  }

  it('ensembleStateInfo names the run and range of a state, and refuses what merging would refuse', async () => {
    const net = netWith(deepSpec('units'), 9, 2);
    const x = inputFor(4, 15);
    const s = await net.ensembleStats(x, { samples: 900, seed: 4, sampleRange: [100, 350], returnState: true });
    const info = ensembleStateInfo(s.state!);
    expect(info).toMatchObject({ seed: 4, samples: 900, sampleRange: [100, 350] });
    expect(info.model).toMatch(/^[0-9a-f]{64}$/);
    expect(info.input).toMatch(/^[0-9a-f]{64}$/);
    expect(info.input).not.toBe(ensembleStateInfo((await net.ensembleStats(inputFor(4, 16), { samples: 10, returnState: true })).state!).input);
    // The same network and input from another process: the same fingerprints.
    expect(ensembleStateInfo((await Network.fromBuffer(net.toBuffer()).ensembleStats(x, { samples: 10, returnState: true })).state!).model).toBe(info.model);
    const bad = Buffer.from(s.state!);
    bad[30]! ^= 4;
    expect(() => ensembleStateInfo(bad)).toThrow(CorruptFileError);
    expect(() => ensembleStateInfo('x' as never)).toThrow(InvalidArgumentError);
  });

  it('a single shard comes back exactly as it went in', async () => {
    const net = netWith(deepSpec('units'), 4, 2);
    const x = inputFor(4, 9);
    const one = await net.ensembleStats(x, { samples: 500, seed: 2, returnState: true });
    const back = mergeEnsembleStates([one.state!]);
    one.layers.forEach((l, k) => {
      for (const c of MOMENTS) expect(Array.from(back.layers[k]![c])).toEqual(Array.from(l[c]));
      expect(Array.from(back.layers[k]!.gaussianGap)).toEqual(Array.from(l.gaussianGap));
    });
    expect(Buffer.compare(back.state, one.state!)).toBe(0);
  });

  it('a range draws the subnetworks of the whole run at those indices', async () => {
    const net = netWith(deepSpec('units'), 5, 2);
    const x = inputFor(4, 10);
    const whole = await net.ensembleStats(x, { samples: 400, seed: 3, returnMasks: true });
    const part = await net.ensembleStats(x, { samples: 400, seed: 3, sampleRange: [150, 260], returnMasks: true, batchSize: 17 });
    part.masks!.forEach((m, l) => {
      const w = m.length / 110;
      expect(Array.from(m)).toEqual(Array.from(whole.masks![l]!.subarray(150 * w, 260 * w)));
    });
  });

  it('shards drawn with different thread counts and batch sizes merge into the same run', async () => {
    const x = inputFor(4, 11);
    const a = netWith(deepSpec('units'), 6, 2);
    const b = netWith({ ...deepSpec('units'), threads: 1 } as never, 6, 2);
    const whole = await a.ensembleStats(x, { samples: N, seed: 7 });
    const p = await a.ensembleStats(x, { samples: N, seed: 7, sampleRange: [0, 1234], returnState: true, batchSize: 64 });
    const q = await b.ensembleStats(x, { samples: N, seed: 7, sampleRange: [1234, N], returnState: true, batchSize: 1000 });
    expectClose(mergeEnsembleStates([p.state!, q.state!]), whole, 1e-12);
  });

  it('refuses corrupt, mismatched, overlapping and incomplete shards with CorruptFileError', async () => {
    const net = netWith(deepSpec('units'), 7, 2);
    const x = inputFor(4, 12);
    const [a, b] = await shards(net, x, [0, 1000, 2000]);
    const sa = a!.state!;
    const sb = b!.state!;
    const flipped = Buffer.from(sb);
    flipped[flipped.length - 20]! ^= 1;
    expect(() => mergeEnsembleStates([sa, flipped])).toThrow(/checksum/);
    expect(() => mergeEnsembleStates([sa, sb.subarray(0, sb.length - 9)])).toThrow(CorruptFileError);
    expect(() => mergeEnsembleStates([Buffer.from('not a state at all, not at all')])).toThrow(/magic/);
    const versioned = Buffer.from(sb);
    versioned.writeUInt32LE(2, 8);
    expect(() => mergeEnsembleStates([versioned])).toThrow(/version 2/);
    // Overlap and gap.
    const [c] = await shards(net, x, [500, 1500]);
    expect(() => mergeEnsembleStates([sa, c!.state!])).toThrow(/overlap/);
    const [d] = await shards(net, x, [2100, N]);
    expect(() => mergeEnsembleStates([sa, sb, d!.state!])).toThrow(/gap/);
    // Another seed, another input, another network, another run size.
    const [e] = await shards(net, x, [1000, 2000], 6);
    expect(() => mergeEnsembleStates([sa, e!.state!])).toThrow(/seed 6/);
    const f = await net.ensembleStats(inputFor(4, 13), { samples: N, seed: 5, sampleRange: [1000, 2000], returnState: true });
    expect(() => mergeEnsembleStates([sa, f.state!])).toThrow(/different input/);
    const g = await net.ensembleStats(x, { samples: N + 1, seed: 5, sampleRange: [1000, 2000], returnState: true });
    expect(() => mergeEnsembleStates([sa, g.state!])).toThrow(/run of 3001/);
    net.setBias(2, Float32Array.of(0.1, 0.2, 0.3));
    const [h] = await shards(net, x, [1000, 2000]);
    expect(() => mergeEnsembleStates([sa, h!.state!])).toThrow(/different network/);
    // Training changes the weights, so the fingerprint too.
    const [before] = await shards(net, x, [0, 1000]);
    await net.train({ inputs: inputFor(4 * 20, 3), targets: Uint8Array.from({ length: 20 }, (_, i) => i % 2), count: 20 }, { epochs: 1, batchSize: 10 });
    const [after] = await shards(net, x, [1000, 2000]);
    expect(() => mergeEnsembleStates([before!.state!, after!.state!])).toThrow(/different network/);
    for (const bad of [[], [sa, 'x'], 'nope', [new Float64Array(4)]]) {
      expect(() => mergeEnsembleStates(bad as never)).toThrow(InvalidArgumentError);
    }
    let code: unknown;
    try {
      mergeEnsembleStates([sa, flipped]);
    } catch (err) {
      code = (err as CorruptFileError).code;
    }
    expect(code).toBe('ERR_CORRUPT');
  });

  it('validates sampleRange and returnState', async () => {
    const net = netWith(deepSpec('units'), 8, 2);
    const x = inputFor(4, 14);
    await expect(net.ensembleStats(x, { samples: 10, sampleRange: [5, 5] })).rejects.toThrow(OutOfRangeError);
    await expect(net.ensembleStats(x, { samples: 10, sampleRange: [0, 11] })).rejects.toThrow(OutOfRangeError);
    await expect(net.ensembleStats(x, { samples: 10, sampleRange: [-1, 3] })).rejects.toThrow(OutOfRangeError);
    await expect(net.ensembleStats(x, { samples: 10, sampleRange: [1] as never })).rejects.toThrow(InvalidArgumentError);
    await expect(net.ensembleStats(x, { samples: 10, sampleRange: [0.5, 3] })).rejects.toThrow(InvalidArgumentError);
    await expect(net.ensembleStats(x, { samples: 10, returnState: 1 as never })).rejects.toThrow(InvalidArgumentError);
    const masks = (await net.ensembleStats(x, { samples: 4, returnMasks: true })).masks!;
    await expect(net.ensembleStats(x, { masks, returnState: true })).rejects.toThrow(InvalidArgumentError);
    await expect(net.ensembleStatsMany(x, 1, { returnState: true })).rejects.toThrow(InvalidArgumentError);
    // Default samples: a range of the default run.
    const r = await net.ensembleStats(x, { sampleRange: [9990, 10000], returnState: true });
    expect(r.samples).toBe(10);
    expect(net.busy).toBe(false);
  });
});
