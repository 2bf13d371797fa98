#!/usr/bin/env node
// Time to accuracy on the paper's MNIST network (784-1200-1200-1200-1200-10, logistic hidden units,
// softmax top, keep 0.8 / 0.5, batch 100), all 60,000 training digits: trains one recipe, evaluates
// the weight-scaled test error (Eq. 4/13, 10,000 test digits) after every `every` epochs, and reports
// the training seconds (evaluations excluded) at which it first reached each target.
// Usage: node bench/accuracy.mjs [--recipe NAME] [--epochs N] [--every K] [--threads T] [--seed S] [--json]
import { fileURLToPath } from 'node:url';
import { loadMnist, Network } from '../dist/index.js';
import { applyOverrides, decaySchedule, fullSchedules, hintonSchedules, quickSettings, smallUniformInit } from '../dist/app/report/presets.js';

const constant = (lr) => (epochs) => ({ learningRate: decaySchedule(lr, 1, epochs) });
const quickSchedules = (epochs) => ({ learningRate: applyOverrides(quickSettings(), { epochs }).learningRate });
const hinton = (warmupEpochs) => (epochs) => ({ ...hintonSchedules(epochs, warmupEpochs), warmupEpochs });

/**
 * The recipes of docs/time-to-accuracy.md. schedules(epochs) gives the per-epoch learning rate (and
 * SGD momentum), and the epochs of Adam (1e-3, β1 0.9) that open the run.
 */
export const RECIPES = {
  // The --full preset: 1 epoch of Adam, Hinton et al. 2012's SGD with max-norm 15, annealed tail.
  full: { optimizer: 'sgd', maxNorm: 15, schedules: fullSchedules },
  // The quick preset: Adam from the small initialisation, one draw of gates per minibatch, annealed tail.
  quick: { optimizer: 'adam', small: true, maskSharing: 'batch', schedules: quickSchedules },
  'quick-example': { optimizer: 'adam', small: true, schedules: quickSchedules },
  // Hinton et al. 2012's SGD from the engine's initialisation (the --full recipe before the warm-up).
  'hinton-example': { optimizer: 'sgd', maxNorm: 15, schedules: hinton(0) },
  'hinton-batch': { optimizer: 'sgd', maxNorm: 15, maskSharing: 'batch', schedules: hinton(0) },
  // One epoch of Adam, then Hinton's SGD without the annealed tail.
  'adam-hinton-example': { optimizer: 'sgd', maxNorm: 15, schedules: hinton(1) },
  'adam-hinton-batch': { optimizer: 'sgd', maxNorm: 15, maskSharing: 'batch', schedules: hinton(1) },
  // Adam 1e-3 decayed 0.98 per epoch, max-norm 3.5.
  'adam-batch': { optimizer: 'adam', maxNorm: 3.5, maskSharing: 'batch', schedules: (epochs) => ({ learningRate: decaySchedule(1e-3, 0.98, epochs) }) },
  'adam-example': { optimizer: 'adam', maxNorm: 3.5, schedules: constant(1e-3) },
};

export function paperNetwork(seed, threads) {
  return new Network({
    inputs: 784,
    inputKeep: 0.8,
    layers: [...Array.from({ length: 4 }, () => ({ units: 1200, activation: 'logistic', keep: 0.5 })), { units: 10, activation: 'softmax' }],
    seed,
    ...(threads > 0 ? { threads } : {}),
  });
}

export async function testError(net, test) {
  const out = await net.predict(test.inputs);
  let wrong = 0;
  for (let i = 0; i < test.count; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (out[i * 10 + k] > out[i * 10 + best]) best = k;
    if (best !== test.targets[i]) wrong++;
  }
  return wrong / test.count;
}

export async function timeToAccuracy({ recipe, epochs, every = 1, threads = 0, seed = 1, targets = [0.02, 0.013], log = () => {} }) {
  const r = RECIPES[recipe];
  if (!r) throw new Error(`unknown recipe ${recipe}; one of ${Object.keys(RECIPES).join(', ')}`);
  const { train, test } = await loadMnist();
  const net = paperNetwork(seed, threads);
  if (r.small) smallUniformInit(net, seed);
  const s = r.schedules(epochs);
  const warmup = s.warmupEpochs ?? 0;
  const curve = [];
  const reached = {};
  let seconds = 0;
  for (let e = 0; e < epochs; ) {
    const adam = e < warmup;
    const n = Math.min(every, (adam ? warmup : epochs) - e);
    const optimizer = adam ? 'adam' : r.optimizer;
    const t0 = performance.now();
    await net.train(train, {
      epochs: n,
      batchSize: 100,
      optimizer,
      learningRate: s.learningRate,
      ...(optimizer === 'sgd' ? { momentum: s.momentum } : {}),
      ...(r.maxNorm ? { maxNorm: r.maxNorm } : {}),
      ...(r.maskSharing ? { maskSharing: r.maskSharing } : {}),
    });
    seconds += (performance.now() - t0) / 1000;
    e += n;
    const error = await testError(net, test);
    curve.push({ epoch: e, seconds, error });
    for (const t of targets) if (error <= t && reached[t] === undefined) reached[t] = { epoch: e, seconds };
    log(`${recipe}: epoch ${e}  ${seconds.toFixed(1)} s  test error ${(100 * error).toFixed(2)}%`);
  }
  return { recipe, epochs, curve, reached, secondsPerEpoch: seconds / epochs };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : fallback;
  };
  const json = process.argv.includes('--json');
  const result = await timeToAccuracy({
    recipe: arg('recipe', 'full'),
    epochs: Number(arg('epochs', 60)),
    every: Number(arg('every', 1)),
    threads: Number(arg('threads', 0)),
    seed: Number(arg('seed', 1)),
    log: json ? () => {} : (s) => console.log(s),
  });
  if (json) console.log(JSON.stringify(result));
}
