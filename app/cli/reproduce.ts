// `dropout-ensemble reproduce`: Section 6 of the paper on MNIST, with a report.
import { resolve } from 'node:path';
import { applyOverrides, fullSettings, quickSettings } from '../report/presets.js';
import { reproduce } from '../report/pipeline.js';
import { shortRunNote } from '../report/claims.js';
import { loadVega } from '../report/vega.js';
import { limits } from 'dropout-ensemble';
import { UsageError, enumFlag, intFlag, intListFlag, parse, stringFlag } from './args.js';
import { ProgressBar, formatDuration } from './progress-bar.js';
import { withInterrupt } from './interrupt.js';

export const REPRODUCE_USAGE = `dropout-ensemble reproduce [--quick | --full] [options]

Trains the paper's MNIST network (784-1200-1200-1200-1200-10, logistic, keep 0.8 / 0.5) with
dropout, measures every hidden neuron's ensemble statistics by Monte Carlo, and writes a report
(index.html, figures/*.svg, results.json) comparing Section 6's claims with the measurements.

  --quick            the default: the whole pipeline in about three minutes on 2 cores (${quickSettings().epochs} epochs), labelled a short run
  --full             the recipe that reaches <= 1.3% test error (${fullSettings().epochs} epochs; about 16 minutes on 2 cores)
  --epochs N         training epochs
  --samples N        Monte Carlo subnetworks per fixed input (default ${quickSettings().samples})
  --inputs N         fixed test inputs with full Monte Carlo statistics
  --train-count N    training digits used (default 60000)
  --hidden A,B,...   hidden layer widths (default 1200,1200,1200,1200)
  --seed S           seed of weights, masks, shuffles and input choices (default 1)
  --threads T        worker threads (default: all cores)
  --backend B        cpu, cuda or auto (default auto)
  --out DIR          report folder (default report)
  --resume           continue an interrupted run from DIR/checkpoint

Ctrl-C stops after the current minibatch and saves a checkpoint; --resume then finishes the run
with the same result as an uninterrupted one.`;

export async function reproduceCommand(args: string[]): Promise<number> {
  const cmd = 'reproduce';
  const { values } = parse(cmd, args, {
    quick: { type: 'boolean' },
    full: { type: 'boolean' },
    epochs: { type: 'string' },
    samples: { type: 'string' },
    inputs: { type: 'string' },
    'train-count': { type: 'string' },
    hidden: { type: 'string' },
    seed: { type: 'string' },
    threads: { type: 'string' },
    backend: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${REPRODUCE_USAGE}\n`);
    return 0;
  }
  if (values.quick && values.full) throw new UsageError(`${cmd}: --quick and --full exclude each other`);
  const base = values.full ? fullSettings() : quickSettings();
  const settings = applyOverrides(base, {
    epochs: intFlag(cmd, 'epochs', values.epochs, 1, 100000),
    samples: intFlag(cmd, 'samples', values.samples, 2, 100_000_000),
    inputs: intFlag(cmd, 'inputs', values.inputs, 1, 10000),
    trainCount: intFlag(cmd, 'train-count', values['train-count'], 100, 60000),
    hidden: intListFlag(cmd, 'hidden', values.hidden, 1, 100000),
    seed: intFlag(cmd, 'seed', values.seed, 0, 2 ** 31),
    threads: intFlag(cmd, 'threads', values.threads, 1, limits.maxThreads),
    backend: enumFlag(cmd, 'backend', values.backend, ['cpu', 'cuda', 'auto'] as const),
  });
  const outDir = resolve(stringFlag(values.out) ?? 'report');
  await loadVega(); // the report needs it at the end: say so before hours of training, not after
  const progress = new ProgressBar();
  const kind = settings.shortRun ? `${settings.preset} (short run)` : settings.preset;
  progress.log(`reproduce: ${kind}, ${settings.epochs} epochs on ${settings.trainCount} digits, ${settings.samples} subnetworks × ${settings.inputs} inputs → ${outDir}`);
  const { results, report } = await withInterrupt(progress, (signal) => reproduce(settings, { outDir, resume: Boolean(values.resume), progress, signal }));
  const agree = results.claims.filter((c) => c.agrees).length;
  process.stdout.write(
    `report: ${report.html}\n` +
      `test error: ${(100 * results.testError.weightScaled.error).toFixed(2)}% weight-scaled, ${(100 * results.testError.monteCarlo.error).toFixed(2)}% Monte Carlo\n` +
      `claims: ${agree} of ${results.claims.length} agree with the paper (see the table in the report)\n` +
      (settings.shortRun && shortRunNote(results.claims) ? `${shortRunNote(results.claims).replace(/`/g, '')}\n` : '') +
      `time: ${formatDuration(results.timings.totalSeconds)}\n`,
  );
  return 0;
}
