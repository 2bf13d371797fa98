// `dropout-ensemble sweep FILE`: trains every run of a sweep file on MNIST and reports test-error
// curves — here, one run after another, or on a job queue's workers with --redis.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { limits } from 'dropout-ensemble';
import { intFlag, parse, stringFlag, UsageError } from './args.js';
import { withInterrupt } from './interrupt.js';
import { ProgressBar } from './progress-bar.js';
import { DEFAULT_QUEUE } from '../queue/protocol.js';
import { queueSweep, readSweep, runSweepItem } from '../queue/sweep.js';
import type { MnistCache, SweepResult } from '../queue/sweep.js';

export const SWEEP_USAGE = `dropout-ensemble sweep FILE [options]

Trains each run of FILE on MNIST and reports its test error after every epoch. FILE is JSON:
  { "runs": [ { "name": "adam", "spec": { "inputs": 784, "layers": [ … ] },
                "train": { "epochs": 20, "optimizer": "adam", "learningRate": 0.001 },
                "trainExamples": 60000, "testExamples": 10000 }, … ] }
(spec is a network description, train the options of train(); the example counts are optional.)

  --redis URL    train on the workers of a BullMQ queue (\`dropout-ensemble worker --redis URL\`)
  --queue NAME   queue name (default ${DEFAULT_QUEUE})
  --threads T    network threads when training here (default: all cores)
  --json FILE    write { runs: [ { name, curve: [ { epoch, loss, trainError, testError, seconds } ], testError, seconds } ] }`;

export async function sweepCommand(args: string[]): Promise<number> {
  const cmd = 'sweep';
  const { values, positionals } = parse(cmd, args, {
    redis: { type: 'string' }, queue: { type: 'string' }, threads: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 1);
  if (values.help) {
    process.stdout.write(`${SWEEP_USAGE}\n`);
    return 0;
  }
  const file = positionals[0];
  if (!file) throw new UsageError(`${cmd}: give the sweep file, e.g. dropout-ensemble sweep runs.json`);
  const redis = stringFlag(values.redis);
  const queue = stringFlag(values.queue);
  const threads = intFlag(cmd, 'threads', values.threads, 1, limits.maxThreads);
  const json = stringFlag(values.json);
  if (!redis && queue !== undefined) throw new UsageError(`${cmd}: --queue needs --redis`);
  const items = await readSweep(resolve(file));
  const results: Array<SweepResult | undefined> = new Array(items.length);
  const progress = new ProgressBar();
  progress.phase('training runs', items.length, 'runs');
  let done = 0;
  const finished = (k: number, r: SweepResult) => {
    results[k] = r;
    progress.update(++done);
    progress.log(`${r.name}: test error ${(100 * r.testError).toFixed(2)}% after ${r.curve.length} epochs (${r.seconds.toFixed(1)} s)`);
  };
  await withInterrupt(progress, async (signal) => {
    if (redis) {
      await queueSweep({ redis, items, onResult: finished, signal, ...(queue ? { queue } : {}) });
    } else {
      const cache: MnistCache = {};
      for (const [k, item] of items.entries()) finished(k, await runSweepItem(item, cache, threads ? { threads } : {}, undefined, signal));
    }
  });
  progress.finish();
  const table = ['run                      epochs  test error  seconds', ...results.map((r) => `${r!.name.padEnd(24)} ${String(r!.curve.length).padStart(6)} ${`${(100 * r!.testError).toFixed(2)}%`.padStart(11)} ${r!.seconds.toFixed(1).padStart(8)}`)];
  process.stdout.write(`${table.join('\n')}\n`);
  if (json !== undefined) {
    const text = JSON.stringify({ runs: results }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
    if (json === '-') process.stdout.write(`${text}\n`);
    else await writeFile(resolve(json), text);
  }
  return 0;
}
