#!/usr/bin/env node
// Time to accuracy with bf16 products (train's `precision: 'bf16'`) beside fp32, on the paper's
// network 784-1200-1200-10 (logistic hidden units, softmax top, keep 0.8 input / 0.5 hidden), all
// 60,000 MNIST training digits, Adam 1e-3, batch 100, per-example gates, the same seed for both.
// The two networks train one epoch at a time, in turns (which goes first alternates), so that a
// neighbour on a shared machine slows both alike; after each epoch, the weight-scaled test error on
// the 10,000 test digits (evaluation not timed). Prints seconds per epoch and test error per epoch.
// Usage: node bench/precision.mjs [--epochs N] [--threads T] [--seed S] [--json]
import { info, loadMnist, Network } from '../dist/index.js';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}
const epochs = arg('epochs', 4);
const threads = arg('threads', 0);
const seed = arg('seed', 1);
const json = process.argv.includes('--json');

const paperNetwork = () =>
  new Network({
    inputs: 784,
    inputKeep: 0.8,
    layers: [
      { units: 1200, activation: 'logistic', keep: 0.5 },
      { units: 1200, activation: 'logistic', keep: 0.5 },
      { units: 10, activation: 'softmax' },
    ],
    seed,
    ...(threads > 0 ? { threads } : {}),
  });

async function testError(net, test) {
  const labels = await net.classify(test.inputs);
  let wrong = 0;
  for (let i = 0; i < test.count; i++) if (labels[i] !== test.targets[i]) wrong++;
  return wrong / test.count;
}

const { train, test } = await loadMnist();
const i = info();
const runs = { fp32: { net: paperNetwork(), epochs: [] }, bf16: { net: paperNetwork(), epochs: [] } };
if (!json) console.log(`cpu kernel ${i.cpuKernel}, bf16 kernel ${i.bf16.kernel} (native: ${i.bf16.native}), threads ${runs.fp32.net.spec.threads}`);
for (let e = 0; e < epochs; e++) {
  const order = e % 2 === 0 ? ['fp32', 'bf16'] : ['bf16', 'fp32'];
  for (const precision of order) {
    const run = runs[precision];
    const [stats] = await run.net.train(train, { epochs: 1, batchSize: 100, learningRate: 1e-3, precision });
    const error = await testError(run.net, test);
    run.epochs.push({ epoch: e + 1, seconds: stats.seconds, loss: stats.loss, testError: error });
    if (!json) console.log(`epoch ${e + 1} ${precision}: ${stats.seconds.toFixed(1)} s, loss ${stats.loss.toFixed(4)}, test error ${(100 * error).toFixed(2)}%`);
  }
}
const summary = Object.fromEntries(
  Object.entries(runs).map(([k, r]) => {
    const s = r.epochs.map((x) => x.seconds);
    return [k, { epochs: r.epochs, secondsMin: Math.min(...s), secondsMax: Math.max(...s) }];
  }),
);
if (json) console.log(JSON.stringify({ cpuKernel: i.cpuKernel, bf16: i.bf16, seed, summary }, null, 2));
else for (const [k, s] of Object.entries(summary)) console.log(`${k}: ${s.secondsMin.toFixed(1)}–${s.secondsMax.toFixed(1)} s per epoch`);
