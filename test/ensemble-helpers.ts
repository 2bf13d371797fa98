// Small networks with chosen weights for the ensemble tests.
import { Network } from '../src/index.js';
import type { NetworkSpec } from '../src/index.js';
import { rng } from './theory-helpers.js';

/** A network with every weight uniform in [−scale, scale] and biases in [−biasScale, biasScale], from `seed`. */
export function netWith(spec: NetworkSpec, seed: number, scale: number, biasScale = 1): Network {
  const net = new Network({ threads: 2, seed, ...spec });
  const r = rng(seed * 7919 + 1);
  const units = (l: number) => (l === 0 ? spec.inputs : spec.layers[l - 1]!.units);
  spec.layers.forEach((layer, k) => {
    const h = k + 1;
    for (const l of layer.from ?? [h - 1]) net.setWeights(h, l, Float32Array.from({ length: layer.units * units(l) }, () => (2 * r() - 1) * scale));
    net.setBias(h, Float32Array.from({ length: layer.units }, () => (2 * r() - 1) * biasScale));
  });
  return net;
}

export function inputFor(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r());
}

/** A deep network with a skip connection and per-unit keeps: 4 → 4 → 3 (reads 0, 1) → 3 (reads 1, 2) → top. */
export function deepSpec(dropout: 'units' | 'connections', top: 'softmax' | 'logistic' | 'linear' = 'softmax'): NetworkSpec {
  const units = dropout === 'units';
  return {
    inputs: 4,
    inputKeep: units ? [0.8, 0.5, 0.9, 0.6] : [1, 0.5, 1, 1],
    dropout,
    layers: [
      { units: 4, activation: 'logistic', keep: units ? [0.5, 0.3, 0.6, 0.5] : [1, 0.5, 1, 1] },
      { units: 3, activation: { kind: 'logistic', c: 2, lambda: 1.5 }, keep: units ? [0.4, 0.7, 0.5] : [1, 1, 0.7], from: [0, 1] },
      { units: 3, activation: 'tanh', keep: units ? [0.5, 0.5, 0.8] : 1, from: [1, 2] },
      { units: 2, activation: top },
    ],
  };
}
