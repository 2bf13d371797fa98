#!/usr/bin/env node
// The `dropout-ensemble` command. Every failure is one line on stderr and a non-zero exit code:
//   1 an error of the library or the files (corrupt IDX, wrong-shaped model, …), 2 a usage error,
//   130 interrupted (a checkpoint or the model was saved first). Set DE_DEBUG=1 for stack traces.
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { AbortError } from 'dropout-ensemble';
import { CheckpointMismatchError, InterruptedError } from '../report/pipeline.js';
import { UsageError, didYouMean } from './args.js';
import { REPRODUCE_USAGE, reproduceCommand } from './reproduce.js';
import { STATS_USAGE, statsCommand } from './stats.js';
import { TRAIN_USAGE, trainCommand } from './train.js';
import { SWEEP_USAGE, sweepCommand } from './sweep.js';
import { WORKER_USAGE, workerCommand } from './worker.js';
import { queueLibraryLoaded } from '../queue/redis.js';

const USAGE = `usage: dropout-ensemble <command> [options]

commands:
  reproduce   reproduce Section 6 of Baldi & Sadowski on MNIST and write a report (default --quick)
  train       train a network with dropout on IDX files and save it
  stats       per-neuron ensemble statistics of a saved model at chosen inputs (here or on a job queue)
  worker      serve a job queue (BullMQ on Redis): statistics shards and training runs
  sweep       train the runs of a sweep file and report test-error curves (here or on a job queue)

Run \`dropout-ensemble <command> --help\` for its options; \`dropout-ensemble --version\` prints the version.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  reproduce: reproduceCommand,
  train: trainCommand,
  stats: statsCommand,
  worker: workerCommand,
  sweep: sweepCommand,
};

/** Runs the command line `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    const pkg = createRequire(import.meta.url)('dropout-ensemble/package.json') as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    const names = Object.keys(COMMANDS);
    throw new UsageError(`unknown command ${JSON.stringify(command)}${didYouMean(command, names)} (expected ${names.join(', ')})`);
  }
  return run(rest);
}

/** One line for any error: the message; the class for errors that are not the user's. */
export function describeError(e: unknown): { line: string; code: number } {
  if (e instanceof UsageError) return { line: `${e.message} (see --help)`, code: 2 };
  if (e instanceof InterruptedError) return { line: e.message, code: 130 };
  if (e instanceof AbortError) return { line: 'interrupted', code: 130 };
  if (e instanceof CheckpointMismatchError) return { line: e.message, code: 2 };
  if (e instanceof Error) {
    const known = typeof (e as { code?: unknown }).code === 'string';
    const first = e.message.split('\n')[0] ?? '';
    return { line: known ? first : `${e.name}: ${first}`, code: 1 };
  }
  return { line: String(e), code: 1 };
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Redis's reply parser keeps a timer for a second or two after a large reply, which would hold
      // the process open with nothing left to do: a command that used the queue exits when done.
      if (queueLibraryLoaded()) process.stdout.write('', () => process.exit(code));
    },
    (e: unknown) => {
      const { line, code } = describeError(e);
      process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}dropout-ensemble: ${line}\n`);
      if (process.env.DE_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
      process.exitCode = code;
      if (queueLibraryLoaded()) process.stderr.write('', () => process.exit(code));
    },
  );
}

export { REPRODUCE_USAGE, STATS_USAGE, SWEEP_USAGE, TRAIN_USAGE, WORKER_USAGE };
