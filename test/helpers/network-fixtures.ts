// Shared fixtures of the test/network-*.test.ts files: MNIST subsets and small networks.
import { loadMnist } from '../../src/data/mnist.js';
import { Network } from '../../src/network/network.js';
import { weightPairs } from '../../src/network/spec.js';

export interface Subset {
  inputs: Float32Array;
  targets: Uint8Array;
  count: number;
}

let cache: Promise<{ train: Subset; test: Subset }> | undefined;

/** The first `n` digits of a set (copies, so tests cannot disturb each other). */
function head(s: Subset, n: number): Subset {
  return { inputs: s.inputs.slice(0, n * 784), targets: s.targets.slice(0, n), count: n };
}

/** The first `n` digits of a set, as views (for calls that only read them). */
export function firstDigits(s: Subset, n: number): Subset {
  return { inputs: s.inputs.subarray(0, n * 784), targets: s.targets.subarray(0, n), count: n };
}

/** A small MNIST network with a skip connection: logistic, then relu reading the input and the first layer, then softmax. */
export function skipMlp(o: { hidden: [number, number]; seed: number; threads: number; dropout?: 'units' | 'connections'; backend?: 'cpu' | 'cuda' }): Network {
  return new Network({
    inputs: 784,
    inputKeep: 0.8,
    dropout: o.dropout ?? 'units',
    layers: [
      { units: o.hidden[0], activation: 'logistic', keep: 0.5 },
      { units: o.hidden[1], activation: 'relu', keep: 0.5, from: [0, 1] },
      { units: 10, activation: 'softmax' },
    ],
    seed: o.seed,
    threads: o.threads,
    backend: o.backend ?? 'cpu',
  });
}

/** `trainCount` training digits and `testCount` test digits of real MNIST. */
export async function mnist(trainCount: number, testCount: number): Promise<{ train: Subset; test: Subset }> {
  cache ??= loadMnist();
  const m = await cache;
  return { train: head(m.train, trainCount), test: head(m.test, testCount) };
}

/** Fraction of `set` misclassified by the weight-scaled network. */
export async function testError(net: Network, set: Subset): Promise<number> {
  const labels = await net.classify(set.inputs);
  let wrong = 0;
  for (let i = 0; i < set.count; i++) if (labels[i] !== set.targets[i]) wrong++;
  return wrong / set.count;
}

/** Every weight and bias as raw bits, for bit-exact comparisons. */
export function parameterBits(net: Network): number[][] {
  const spec = net.spec;
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  return [
    ...weightPairs(spec).map(([h, l]) => bits(net.getWeights(h, l))),
    ...spec.layers.map((_, i) => bits(net.getBias(i + 1))),
  ];
}
