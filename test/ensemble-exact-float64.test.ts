// exactEnsemble is float64 end to end: on deep nonlinear networks it agrees with a plain float64
// enumeration (test/helpers/plain-enumerator.ts) to rounding level. The weights are float32 values
// in both; every keep is the double the description holds (0.8 is 0.8, not the float32 0.8000000119),
// and c, λ, ln c, the sums, activations, probabilities and logs are doubles. One float32 rounding
// anywhere on that path shows up as ~1e-8 relative, four orders above these tolerances.
import { describe, expect, it } from 'vitest';
import type { NetworkSpec } from '../src/index.js';
import type { EnsembleLayerStats } from '../src/ensemble/stats.js';
import { inputFor, netWith } from './ensemble-helpers.js';
import { plainEnumerate, type PlainLayer } from './helpers/plain-enumerator.js';

const general = { kind: 'logistic', c: 1.7, lambda: 0.9 } as const;

/** Largest |a − b| / |b| over the units of every layer for one column (NaN must match NaN). */
function maxRelative(got: EnsembleLayerStats[], want: PlainLayer[], column: keyof PlainLayer & keyof EnsembleLayerStats): number {
  let worst = 0;
  got.forEach((layer, k) => {
    const a = layer[column] as Float64Array;
    const b = want[k]![column];
    for (let i = 0; i < b.length; i++) {
      if (Number.isNaN(b[i]!)) {
        expect(a[i]).toBeNaN();
        continue;
      }
      // A relu that is off is exactly 0 in both.
      worst = Math.max(worst, a[i] === b[i] ? 0 : Math.abs(a[i]! - b[i]!) / Math.abs(b[i]!));
    }
  });
  return worst;
}

// Scalar keeps stay doubles in the description (0.8, 0.3, 0.65); per-unit arrays are float32 there.
const CASES: { name: string; spec: NetworkSpec; scale: number }[] = [
  {
    name: 'generalized logistic (c = 1.7, λ = 0.9) ×3, skip connections, softmax top, unit dropout',
    spec: {
      inputs: 3, inputKeep: 0.8, dropout: 'units',
      layers: [
        { units: 4, activation: general, keep: 0.3 },
        { units: 3, activation: general, keep: 0.65, from: [0, 1] },
        { units: 3, activation: general, keep: [0.5, 0.9, 0.25], from: [1, 2] },
        { units: 3, activation: 'softmax', from: [2, 3] },
      ],
    },
    scale: 2,
  },
  {
    name: 'tanh, relu and generalized logistic hidden layers, generalized logistic top, unit dropout',
    spec: {
      inputs: 4, inputKeep: 0.8, dropout: 'units',
      layers: [
        { units: 4, activation: 'tanh', keep: 0.65 },
        { units: 3, activation: 'relu', keep: 0.3 },
        { units: 3, activation: general, keep: 0.8, from: [1, 2] },
        { units: 2, activation: general },
      ],
    },
    scale: 1.5,
  },
  {
    name: 'generalized logistic and tanh, softmax top, connection dropout',
    spec: {
      inputs: 2, inputKeep: 0.8, dropout: 'connections',
      layers: [
        { units: 3, activation: general, keep: 0.65 },
        { units: 2, activation: 'tanh', keep: [0.3, 1] },
        { units: 2, activation: 'softmax' },
      ],
    },
    scale: 2,
  },
];

describe('exactEnsemble against a plain float64 enumeration', () => {
  for (const { name, spec, scale } of CASES) {
    it(`means to 1e-12 and variances to 1e-10 relative: ${name}`, async () => {
      const worst = { mean: 0, variance: 0, meanS: 0, varianceS: 0, g: 0, deterministic: 0 };
      for (const seed of [1, 2, 3]) {
        const net = netWith(spec, seed, scale);
        const x = inputFor(spec.inputs, seed + 10);
        const got = await net.exactEnsemble(x);
        const want = plainEnumerate(net, x);
        expect(got.gates).toBe(want.gates);
        expect(want.gates).toBeGreaterThanOrEqual(12);
        expect(want.gates).toBeLessThanOrEqual(16);
        const mean = maxRelative(got.layers, want.layers, 'mean');
        const variance = maxRelative(got.layers, want.layers, 'variance');
        const meanS = maxRelative(got.layers, want.layers, 'meanS');
        const varianceS = maxRelative(got.layers, want.layers, 'varianceS');
        const deterministic = maxRelative(got.layers, want.layers, 'deterministic');
        const g = Math.max(maxRelative(got.layers, want.layers, 'geometricMean'), maxRelative(got.layers, want.layers, 'complementGeometricMean'));
        for (const [k, v] of Object.entries({ mean, variance, meanS, varianceS, g, deterministic })) worst[k as keyof typeof worst] = Math.max(worst[k as keyof typeof worst], v);
      }
      console.log(`exact vs plain float64 (${name}): max relative difference ${Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
      expect(worst.mean).toBeLessThan(1e-12);
      expect(worst.variance).toBeLessThan(1e-10);
      expect(worst.meanS).toBeLessThan(1e-12);
      expect(worst.varianceS).toBeLessThan(1e-10);
      expect(worst.g).toBeLessThan(1e-12);
      expect(worst.deterministic).toBeLessThan(1e-12);
    });
  }
});
