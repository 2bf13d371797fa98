// Trains the network of Baldi & Sadowski's Section 6 (and Hinton et al. 2012) on real MNIST with
// dropout — keep 0.8 on the input, 0.5 on the four hidden layers — and prints, after every epoch,
// the training loss, the weight-scaled test error (O*, Eq. 4/13) and the time taken.
//
// Run from the repository (after `npm run build` builds the addon and dist/; the package's own name
// resolves to it there, as it does in a project that depends on it):
//   npx vite-node examples/train-mnist.ts [epochs] [threads]
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist, Network } from 'dropout-ensemble';

const epochs = Number(process.argv[2] ?? 3);
const threads = process.argv[3] === undefined ? undefined : Number(process.argv[3]);

const { train, test } = await loadMnist();
console.log(`MNIST: ${train.count} training digits, ${test.count} test digits`);

const net = new Network({
  inputs: 784,
  inputKeep: 0.8,
  dropout: 'units',
  layers: [
    { units: 1200, activation: 'logistic', keep: 0.5 },
    { units: 1200, activation: 'logistic', keep: 0.5 },
    { units: 1200, activation: 'logistic', keep: 0.5 },
    { units: 1200, activation: 'logistic', keep: 0.5 },
    { units: 10, activation: 'softmax' },
  ],
  seed: 1,
  ...(threads === undefined ? {} : { threads }),
});

// Ctrl-C stops within one minibatch; the network keeps its last completed update.
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());

let lastShown = 0;
console.log('epoch   train loss   train error   test error   seconds');
await net
  .train(train, {
    epochs,
    batchSize: 100, // the default recipe: Adam, learning rate 1e-3 (see Network.train)
    validation: test, // evaluated with the weight-scaled network after every epoch
    signal: stop.signal,
    onProgress: ({ epoch, examples, count }) => {
      const now = performance.now();
      if (!process.stdout.isTTY || now - lastShown < 500) return;
      lastShown = now;
      process.stdout.write(`\r  epoch ${epoch}: ${((100 * examples) / count).toFixed(0)}%`);
    },
    onEpoch: (e) => {
      if (process.stdout.isTTY) process.stdout.write('\r\x1b[K'); // clear the progress line
      console.log(
        `${String(e.epoch).padStart(5)}   ${e.loss.toFixed(4).padStart(10)}   ${(100 * e.trainError).toFixed(2).padStart(10)}%   ${(100 * e.validationError!).toFixed(2).padStart(9)}%   ${e.seconds.toFixed(1).padStart(7)}`,
      );
    },
  })
  .catch((e: Error) => {
    if (e.name !== 'AbortError') throw e;
    console.log(`\n${e.message}`);
  });

// The same test error by hand: classify with the weight-scaled network and by Monte Carlo.
const labels = await net.classify(test.inputs);
const wrong = labels.reduce((n, y, i) => n + (y !== test.targets[i] ? 1 : 0), 0);
console.log(`weight-scaled test error: ${((100 * wrong) / test.count).toFixed(2)}%`);
const few = test.inputs.subarray(0, 1000 * 784);
const mc = await net.classify(few, { method: 'monte-carlo', samples: 50 });
const mcWrong = mc.reduce((n, y, i) => n + (y !== test.targets[i] ? 1 : 0), 0);
console.log(`Monte Carlo (50 subnetworks) error on the first 1,000 test digits: ${((100 * mcWrong) / 1000).toFixed(2)}%`);

const path = join(tmpdir(), 'mnist-dropout.model');
await net.save(path); // atomic: a crash never leaves a torn file; Network.load(path) reads it back
console.log(`saved ${path}`);
