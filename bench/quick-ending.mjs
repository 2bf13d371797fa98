#!/usr/bin/env node
// The layer-level claims of a quick-style run under other endings (docs/time-to-accuracy.md,
// section 6): trains the paper's network from the quick preset's small initialisation with Adam
// (1e-3, β1 0.9, one draw of unit gates per minibatch; the first hidden layer's step times
// --first-layer-scale, default 1) for --adam-epochs, then each phase of
// --ending in turn, and judges the report's E − O*, consistency and sparsity claims on it with the
// report's own functions: at the fixed test inputs the pipeline picks for the seed (--inputs of
// them, 10,000 subnetworks each) and, so that the choice of digits shows, over each group of 5.
// The Adam part is the same for every ending of a seed: --cache DIR keeps it between runs. An
// ending's learningRate and momentum arrays hold one value per epoch of their phase; a phase may
// carry any other train() option (learningRateScale, maxNorm, maskSharing, …).
// The quick preset itself: --first-layer-scale 3 --adam-epochs 16 --ending '[{"epochs":4,
//   "optimizer":"adam","learningRate":[5e-4,2.5e-4,1.25e-4,6.25e-5],"momentum":0.9,
//   "maskSharing":"batch","learningRateScale":[3,1,1,1,1]}]'
// Usage: node bench/quick-ending.mjs [--seed S] [--adam-epochs N] [--first-layer-scale F] [--inputs N] [--cache DIR]
//          [--ending '[{"epochs":6,"optimizer":"sgd","learningRate":[9.4,9.4,9.4,4.7,2.35,1.175],
//                       "momentum":0.5,"maxNorm":8,"maskSharing":"example"}]'] [--json]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist, Network } from '../dist/index.js';
import { paperNetwork, testError } from './accuracy.mjs';
import { smallUniformInit } from '../dist/app/report/presets.js';
import { pickIndices } from '../dist/app/report/pipeline.js';
import { hiddenActivations, hiddenLayerStats } from '../dist/app/report/engine.js';
import { approximationLayer, figure2bLayer, figure3Layer } from '../dist/app/report/analysis.js';
import { consistencyClaim, eMinusOStarClaim, sparsityClaim } from '../dist/app/report/claims.js';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const seed = Number(arg('seed', 1));
const adamEpochs = Number(arg('adam-epochs', 10));
const firstLayerScale = Number(arg('first-layer-scale', 1));
const inputs = Number(arg('inputs', 20));
const cache = arg('cache', '');
const ending = JSON.parse(arg('ending', '[]'));
const json = process.argv.includes('--json');
const log = json ? () => {} : (s) => console.log(s);

const HIDDEN = 4;
const { train, test } = await loadMnist();
const testRow = (i) => test.inputs.slice(i * 784, (i + 1) * 784);

/** The quick preset's network after its Adam epochs (from the cache when it holds them). */
async function adamPart() {
  const scaled = firstLayerScale === 1 ? '' : `-first${firstLayerScale}`;
  const file = cache && join(cache, `quick-adam-seed${seed}-epochs${adamEpochs}${scaled}.bin`);
  if (file && existsSync(file)) return Network.fromBuffer(readFileSync(file));
  const net = paperNetwork(seed, 0);
  smallUniformInit(net, seed);
  await net.train(train, {
    epochs: adamEpochs, batchSize: 100, optimizer: 'adam', learningRate: 1e-3, momentum: 0.9, maskSharing: 'batch', validation: test,
    ...(firstLayerScale === 1 ? {} : { learningRateScale: [firstLayerScale, ...Array(HIDDEN).fill(1)] }),
    onEpoch: (s) => log(`adam epoch ${s.epoch}: test error ${(100 * s.validationError).toFixed(2)}%`),
  });
  if (file) {
    mkdirSync(cache, { recursive: true });
    writeFileSync(file, net.toBuffer()); // with Adam's moments, so a later Adam phase continues them
  }
  return net;
}

/** E − O*, consistency and sparsity as the report judges them, on the Monte Carlo columns of some inputs. */
function judge(perInput, activations) {
  const layers = Array.from({ length: HIDDEN }, (_, h) => h);
  const e = eMinusOStarClaim(layers.map((h) => approximationLayer(h + 1, perInput.map((p) => p[h]), seed)));
  const c = consistencyClaim(layers.map((h) => figure2bLayer(h + 1, perInput.map((p) => p[h]))));
  const out = {
    eMinusOStar: { agrees: e.agrees, growth: e.numbers.growth, inactiveOverActive: layers.map((h) => e.numbers[`inactiveL${h + 1}`] / e.numbers[`activeL${h + 1}`]) },
    consistency: { agrees: c.agrees, ratio: c.numbers.ratio, meanStd: layers.map((h) => c.numbers[`L${h + 1}`]) },
  };
  if (activations) {
    const s = sparsityClaim(layers.map((h) => figure3Layer(h + 1, activations[h])));
    out.sparse = { agrees: s.agrees, fractionInactive: layers.map((h) => s.numbers[`inactiveL${h + 1}`]) };
  }
  return out;
}

/** A phase's per-epoch array, placed at the network's absolute epochs (train() indexes schedules by them). */
const atEpoch = (v, done) => (Array.isArray(v) ? [...Array(done).fill(v[0]), ...v] : v);

const net = await adamPart();
let done = adamEpochs;
for (const phase of ending) {
  const at = { learningRate: atEpoch(phase.learningRate, done), momentum: atEpoch(phase.momentum, done) };
  done += phase.epochs;
  await net.train(train, {
    batchSize: 100, validation: test, ...phase, ...at,
    onEpoch: (s) => log(`${phase.optimizer} epoch ${s.epoch}: test error ${(100 * s.validationError).toFixed(2)}% (${s.seconds.toFixed(1)} s)`),
  });
}

// The pipeline's choices for this seed: its first 5 fixed inputs are the quick preset's 5.
const fixed = pickIndices(test.count, inputs, seed * 2 + 1);
const perInput = [];
for (let k = 0; k < fixed.length; k++) perInput.push(await hiddenLayerStats(net, testRow(fixed[k]), 10000, seed + 7 + k));
const activations = Array.from({ length: HIDDEN }, () => []);
for (const i of pickIndices(test.count, 100, seed * 2 + 2)) (await hiddenActivations(net, testRow(i))).forEach((a, h) => activations[h].push(...a));

const result = {
  seed, adamEpochs, firstLayerScale, ending, testError: await testError(net, test),
  all: judge(perInput, activations),
  groupsOf5: Array.from({ length: Math.floor(perInput.length / 5) }, (_, g) => judge(perInput.slice(5 * g, 5 * g + 5))),
};
if (json) {
  console.log(JSON.stringify(result));
} else {
  const f = (x, d = 2) => x.toFixed(d);
  const line = (j) => `E − O* ${j.eMinusOStar.agrees ? 'agrees' : 'differs'} (top/first ${f(j.eMinusOStar.growth)}, inactive/active ${j.eMinusOStar.inactiveOverActive.map((x) => f(x)).join(' ')}); ` +
    `consistency ${j.consistency.agrees ? 'agrees' : 'differs'} (top/first ${f(j.consistency.ratio)})`;
  console.log(`test error ${f(100 * result.testError)}% weight-scaled; sparsity ${result.all.sparse.agrees ? 'agrees' : 'differs'}`);
  console.log(`${inputs} inputs: ${line(result.all)}`);
  result.groupsOf5.forEach((g, i) => console.log(`inputs ${5 * i + 1}-${5 * i + 5}: ${line(g)}`));
}
