// `dropout-ensemble train`: any described network on IDX images and labels; saves the model.
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { classCount, imagesToInputs, InvalidArgumentError, labelsToTargets, limits, loadIdx, type MaskSharing, Network, type NetworkSpec } from 'dropout-ensemble';
import { UsageError, enumFlag, intFlag, intListFlag, numberFlag, numberListFlag, parse, requireFlag, stringFlag } from './args.js';
import { withInterrupt } from './interrupt.js';
import { ProgressBar } from './progress-bar.js';

/** The model is written at the end: a folder that is missing or read-only is a usage error now, not after training. */
async function checkWritableDirectory(cmd: string, path: string): Promise<void> {
  const dir = dirname(path);
  try {
    if (!(await stat(dir)).isDirectory()) throw new UsageError(`${cmd}: --out ${path}: ${dir} is not a directory`);
    await access(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as { code?: string }).code;
    throw new UsageError(`${cmd}: --out ${path}: ${code === 'ENOENT' ? `the folder ${dir} does not exist` : `cannot write in ${dir} (${code ?? String(e)})`}`);
  }
}

export const TRAIN_USAGE = `dropout-ensemble train --images FILE --labels FILE --out MODEL [options]

Trains a network with dropout on IDX files (gzipped or not) and saves it (with its optimizer state).

  --images FILE        IDX images (examples × features…); uint8 pixels are scaled to [0, 1]
  --labels FILE        IDX labels, one integer class per example
  --test-images FILE   optional test set: its error is printed after every epoch
  --test-labels FILE
  --spec FILE          the network as JSON (the Network description: inputs, inputKeep, dropout,
                       layers, seed); or describe it with the flags below
  --from MODEL         continue training a saved model (its description, weights and optimizer
                       state: the epochs count on from where it stopped)
  --hidden A,B,...     hidden layer widths (default 800,800)
  --activation NAME    hidden activation: logistic, tanh, relu, linear (default logistic)
  --input-keep P       keep probability of the inputs (default 0.8)
  --keep P             keep probability of the hidden units (default 0.5)
  --dropout MODE       units or connections (default units)
  --epochs N           default 10
  --batch-size N       default 100
  --optimizer NAME     adam or sgd (default adam)
  --learning-rate X    default 1e-3 (adam), 0.1 (sgd)
  --momentum X         sgd momentum or adam beta1 (default 0.9)
  --max-norm X         cap on each unit's incoming weight norm (default none)
  --learning-rate-scale A,B,...
                       a factor on the learning rate per layer (hidden layers, then the
                       output layer): e.g. 3,1,1 steps the first hidden layer 3× (default all 1)
  --mask-sharing M     example (default: fresh gates per example), batch (one draw of gates per
                       minibatch: each product skips the dropped units), or G (groups of G examples)
  --seed S --threads T
  --out MODEL          where the model is written

Ctrl-C stops after the current minibatch and saves the model as it is.`;

/** --mask-sharing: 'example', 'batch', or a group size. */
function maskSharingFlag(cmd: string, v: string | undefined): MaskSharing | undefined {
  if (v === undefined || v === 'example' || v === 'batch') return v;
  if (!/^\d+$/.test(v.trim())) throw new UsageError(`${cmd}: --mask-sharing must be example, batch or a group size, got ${JSON.stringify(v)}`);
  const group = intFlag(cmd, 'mask-sharing', v, 1, 2 ** 40);
  return group === undefined ? undefined : { group };
}

async function readSpec(path: string): Promise<NetworkSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(`train: cannot read --spec ${path} (${(e as { code?: string }).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text) as NetworkSpec;
  } catch (e) {
    throw new InvalidArgumentError(`train: --spec ${path} is not valid JSON (${(e as Error).message})`);
  }
}

async function loadSet(imagesPath: string, labelsPath: string, classes: number | undefined) {
  const images = await loadIdx(imagesPath);
  const labels = await loadIdx(labelsPath);
  const { inputs, count, features } = imagesToInputs(images, imagesPath);
  const k = classes ?? classCount(labels);
  if (k > 256) throw new InvalidArgumentError(`train: ${labelsPath} has labels up to ${k - 1}; at most 256 classes are supported`);
  return { inputs, targets: labelsToTargets(labels, count, k, labelsPath), count, features, classes: k };
}

export async function trainCommand(args: string[]): Promise<number> {
  const cmd = 'train';
  const { values } = parse(cmd, args, {
    images: { type: 'string' }, labels: { type: 'string' }, 'test-images': { type: 'string' }, 'test-labels': { type: 'string' },
    spec: { type: 'string' }, from: { type: 'string' }, hidden: { type: 'string' }, activation: { type: 'string' }, 'input-keep': { type: 'string' },
    keep: { type: 'string' }, dropout: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
    optimizer: { type: 'string' }, 'learning-rate': { type: 'string' }, momentum: { type: 'string' }, 'max-norm': { type: 'string' },
    'mask-sharing': { type: 'string' }, 'learning-rate-scale': { type: 'string' },
    seed: { type: 'string' }, threads: { type: 'string' }, out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${TRAIN_USAGE}\n`);
    return 0;
  }
  const imagesPath = requireFlag(cmd, 'images', values.images);
  const labelsPath = requireFlag(cmd, 'labels', values.labels);
  const out = resolve(requireFlag(cmd, 'out', values.out));
  await checkWritableDirectory(cmd, out);
  if ((values['test-images'] === undefined) !== (values['test-labels'] === undefined)) throw new UsageError(`${cmd}: --test-images and --test-labels go together`);
  const described = values.spec !== undefined ? 'spec' : values.from !== undefined ? 'from' : undefined;
  if (values.spec !== undefined && values.from !== undefined) throw new UsageError(`${cmd}: give --spec or --from, not both`);
  if (described) {
    for (const f of ['hidden', 'activation', 'input-keep', 'keep', 'dropout', ...(described === 'from' ? (['seed'] as const) : [])] as const) {
      if (values[f] !== undefined) throw new UsageError(`${cmd}: --${f} cannot be combined with --${described} (describe the network in one place)`);
    }
  }
  const epochs = intFlag(cmd, 'epochs', values.epochs, 1, 1_000_000) ?? 10;
  const batchSize = intFlag(cmd, 'batch-size', values['batch-size'], 1, 1_000_000) ?? 100;
  const optimizer = enumFlag(cmd, 'optimizer', values.optimizer, ['adam', 'sgd'] as const) ?? 'adam';
  const learningRate = numberFlag(cmd, 'learning-rate', values['learning-rate'], 0);
  const momentum = numberFlag(cmd, 'momentum', values.momentum, 0, 1);
  const maxNorm = numberFlag(cmd, 'max-norm', values['max-norm'], 0);
  const maskSharing = maskSharingFlag(cmd, stringFlag(values['mask-sharing']));
  const learningRateScale = numberListFlag(cmd, 'learning-rate-scale', values['learning-rate-scale'], 0);
  const seed = intFlag(cmd, 'seed', values.seed, 0);
  const threads = intFlag(cmd, 'threads', values.threads, 1, limits.maxThreads);
  const hidden = intListFlag(cmd, 'hidden', values.hidden, 1) ?? [800, 800];
  const activation = enumFlag(cmd, 'activation', values.activation, ['logistic', 'tanh', 'relu', 'linear'] as const) ?? 'logistic';
  const inputKeep = numberFlag(cmd, 'input-keep', values['input-keep'], 0, 1) ?? 0.8;
  const keep = numberFlag(cmd, 'keep', values.keep, 0, 1) ?? 0.5;
  const dropout = enumFlag(cmd, 'dropout', values.dropout, ['units', 'connections'] as const) ?? 'units';

  const progress = new ProgressBar();
  const train = await loadSet(imagesPath, labelsPath, undefined);
  const testImages = stringFlag(values['test-images']);
  const test = testImages ? await loadSet(testImages, stringFlag(values['test-labels'])!, train.classes) : undefined;
  if (test && test.features !== train.features) throw new InvalidArgumentError(`${cmd}: test images have ${test.features} values per example, training images ${train.features}`);
  progress.log(`data: ${train.count} examples × ${train.features} features, ${train.classes} classes${test ? `; ${test.count} test examples` : ''}`);

  const from = stringFlag(values.from);
  let net: Network;
  if (from !== undefined) {
    net = await Network.load(resolve(from), threads !== undefined ? { threads } : {});
  } else {
    const spec: NetworkSpec = values.spec !== undefined
      ? await readSpec(stringFlag(values.spec)!)
      : { inputs: train.features, inputKeep, dropout, layers: [...hidden.map((units) => ({ units, activation, keep })), { units: train.classes, activation: 'softmax' }] };
    if (seed !== undefined) spec.seed = seed;
    if (threads !== undefined) spec.threads = threads;
    net = new Network(spec);
  }
  if (net.spec.inputs !== train.features) {
    throw new InvalidArgumentError(`${cmd}: the network reads ${net.spec.inputs} inputs but ${imagesPath} has ${train.features} values per example`);
  }
  const outputs = net.spec.layers[net.spec.layers.length - 1]!.units;
  if (outputs < train.classes) throw new InvalidArgumentError(`${cmd}: the network has ${outputs} outputs but the labels need ${train.classes} classes`);

  progress.phase('training', epochs * train.count, 'examples');
  let interrupted = false;
  let firstEpoch: number | undefined;
  await withInterrupt(progress, async (signal) => {
    try {
      await net.train({ inputs: train.inputs, targets: train.targets, count: train.count }, {
        epochs, batchSize, optimizer,
        ...(learningRate !== undefined ? { learningRate } : {}),
        ...(momentum !== undefined ? { momentum } : {}),
        ...(maxNorm !== undefined ? { maxNorm } : {}),
        ...(maskSharing !== undefined ? { maskSharing } : {}),
        ...(learningRateScale !== undefined ? { learningRateScale } : {}),
        ...(test ? { validation: { inputs: test.inputs, targets: test.targets, count: test.count } } : {}),
        signal,
        onProgress: (p) => {
          // Epochs are counted across runs: a model continued with --from starts past 1.
          firstEpoch ??= p.epoch;
          progress.update((p.epoch - firstEpoch) * train.count + p.examples, `epoch ${p.epoch}/${firstEpoch + epochs - 1}, loss ${p.loss.toFixed(3)}`);
        },
        onEpoch: (s) => progress.log(`epoch ${s.epoch}: loss ${s.loss.toFixed(4)}, training error ${(100 * s.trainError).toFixed(2)}%${s.validationError !== undefined ? `, test error ${(100 * s.validationError).toFixed(2)}%` : ''} (${s.seconds.toFixed(1)} s)`),
      });
      progress.finish();
    } catch (e) {
      if (!signal.aborted) throw e;
      interrupted = true;
      progress.finish('interrupted');
    }
    // Saved while the handler still listens: a second Ctrl-C during the write then quits through
    // process.exit, whose exit listeners remove the temporary file; the signal's default action
    // would kill the process with the temporary file left behind.
    await net.save(out);
  });
  process.stdout.write(`model: ${out}${interrupted ? ' (interrupted: saved at the last completed minibatch)' : ''}\n`);
  return interrupted ? 130 : 0;
}
