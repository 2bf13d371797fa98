// `dropout-ensemble stats MODEL --input FILE`: per-neuron ensemble statistics for chosen inputs.
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { ACTIVE_THRESHOLD, type EnsembleStats, limits, imagesToInputs, InvalidArgumentError, loadIdx, Network } from 'dropout-ensemble';
import { intFlag, intListFlag, parse, requireFlag, stringFlag, UsageError } from './args.js';
import { withInterrupt } from './interrupt.js';
import { ProgressBar } from './progress-bar.js';
import { DEFAULT_QUEUE } from '../queue/protocol.js';
import { queueStats } from '../queue/stats-run.js';

/** Up to this many inputs, the summary is printed input by input. */
const PER_INPUT_SUMMARIES = 10;

export const STATS_USAGE = `dropout-ensemble stats MODEL --input FILE [options]

Monte Carlo ensemble statistics of every neuron of MODEL (saved by \`train\` or the API) at chosen
inputs: E(O), Var(O), std(O), the geometric means, NWGM, O*, Eq. 20, the delta-method estimate,
the Eq. 22 bound and more. Prints a per-layer summary; --json writes every neuron's values.

  --input FILE       IDX file of inputs (examples × features…, gzipped or not)
  --index I,J,...    which examples (default 0)
  --all              every example of the file
  --samples N        subnetworks per input (default ${limits.defaultSamples})
  --seed S           seed of the subnetworks (default 1)
  --threads T        worker threads (default: all cores)
  --json FILE        write the full statistics as JSON (- for stdout)

On a job queue (BullMQ on Redis; start workers with \`dropout-ensemble worker --redis URL\`):
  --redis URL        send the work to the queue's workers instead of computing here
  --queue NAME       queue name (default ${DEFAULT_QUEUE})
  --shard-samples M  subnetworks per job (default: all N; shards merge exactly)
  --inputs-per-job K inputs per job (default 1)

With more than ${PER_INPUT_SUMMARIES} inputs the printed summary is the mean over the inputs.`;


type Stats = EnsembleStats;

const meanOf = (a: ArrayLike<number>) => {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!)) { s += a[i]!; n++; }
  return n ? s / n : NaN;
};
const f = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2)) : 'n/a');

const HEADER = '  layer  units   mean E   mean std  mean E−NWGM   Eq.20    delta   bound ok  active';

/** Per layer: mean E, mean std, mean E − NWGM, Eq. 20, delta method, bound held (fraction), active (fraction); NaN where undefined. */
function summaryRows(stats: Stats): number[][] {
  return stats.layers.map((l) => {
    const E = l.mean;
    const gap = Float64Array.from(E, (e, i) => e - l.nwgm[i]!);
    let ok = 0;
    let act = 0;
    for (let i = 0; i < E.length; i++) {
      if (Math.abs(gap[i]!) <= l.bound[i]! + 1e-12) ok++;
      if (l.deterministic[i]! > ACTIVE_THRESHOLD) act++;
    }
    const geometric = Number.isFinite(meanOf(l.nwgm));
    const bounded = Number.isFinite(meanOf(l.bound)); // Eq. 22 is for logistic units only
    return [meanOf(E), meanOf(l.std), geometric ? meanOf(gap) : NaN, meanOf(l.secondOrder), meanOf(l.deltaMethod), bounded ? ok / E.length : NaN, act / E.length];
  });
}

function formatRows(title: string, layers: Array<{ index: number; units: number }>, rows: number[][]): string {
  const pct = (x: number, digits: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : 'n/a');
  const lines = [title, HEADER];
  rows.forEach((r, k) => {
    const { index, units } = layers[k]!;
    lines.push(`  ${String(index).padStart(5)} ${String(units).padStart(6)} ${f(r[0]!).padStart(8)} ${f(r[1]!).padStart(10)} ${f(r[2]!).padStart(12)} ${f(r[3]!).padStart(8)} ${f(r[4]!).padStart(8)} ${pct(r[5]!, 1).padStart(9)} ${pct(r[6]!, 0).padStart(6)}`);
  });
  return lines.join('\n');
}

/** The printed summary: input by input for a few inputs, else the mean of the rows over all inputs. */
class Summaries {
  readonly #each: string[] = [];
  #sum: number[][] | undefined;
  #layers: Array<{ index: number; units: number }> = [];
  #count = 0;
  constructor(readonly total: number) {}
  add(index: number, stats: Stats): void {
    const rows = summaryRows(stats);
    this.#layers = stats.layers.map((l) => ({ index: l.index, units: l.units }));
    if (this.total <= PER_INPUT_SUMMARIES) this.#each.push(formatRows(`input ${index} (${stats.samples} subnetworks)`, this.#layers, rows));
    this.#sum ??= rows.map((r) => r.map(() => 0));
    rows.forEach((r, k) => r.forEach((x, j) => (this.#sum![k]![j]! += x)));
    this.#count++;
  }
  text(samples: number): string {
    if (this.total <= PER_INPUT_SUMMARIES) return this.#each.join('\n');
    const mean = this.#sum!.map((r) => r.map((x) => x / this.#count));
    return formatRows(`mean over ${this.#count} inputs (${samples} subnetworks each)`, this.#layers, mean);
  }
}

/** The --json file, written input by input (a run over every input does not fit one string). */
class JsonOut {
  readonly #stream: NodeJS.WritableStream;
  #first = true;
  constructor(readonly target: string, head: Record<string, unknown>) {
    this.#stream = target === '-' ? process.stdout : createWriteStream(resolve(target));
    const text = JSON.stringify(head);
    this.#stream.write(`${text.slice(0, -1)},"inputs":[`);
  }
  async add(index: number, stats: Stats): Promise<void> {
    const text = JSON.stringify({ index, stats }, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null)) : v));
    if (!this.#stream.write(`${this.#first ? '' : ','}${text}`)) await once(this.#stream, 'drain');
    this.#first = false;
  }
  async close(): Promise<void> {
    this.#stream.write(']}' + (this.target === '-' ? '\n' : ''));
    if (this.target !== '-') {
      const done = once(this.#stream, 'finish');
      this.#stream.end();
      await done;
      process.stdout.write(`statistics: ${resolve(this.target)}\n`);
    }
  }
}

export async function statsCommand(args: string[]): Promise<number> {
  const cmd = 'stats';
  const { values, positionals } = parse(cmd, args, {
    input: { type: 'string' }, index: { type: 'string' }, all: { type: 'boolean' }, samples: { type: 'string' }, seed: { type: 'string' },
    threads: { type: 'string' }, json: { type: 'string' }, redis: { type: 'string' }, queue: { type: 'string' },
    'shard-samples': { type: 'string' }, 'inputs-per-job': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 1);
  if (values.help) {
    process.stdout.write(`${STATS_USAGE}\n`);
    return 0;
  }
  const modelPath = positionals[0];
  if (!modelPath) throw new UsageError(`${cmd}: give the model file, e.g. dropout-ensemble stats model.bin --input images.idx`);
  const inputPath = requireFlag(cmd, 'input', values.input);
  if (values.all && values.index !== undefined) throw new UsageError(`${cmd}: give --index or --all, not both`);
  const samples = intFlag(cmd, 'samples', values.samples, 2, 1_000_000_000) ?? limits.defaultSamples;
  const seed = intFlag(cmd, 'seed', values.seed, 0) ?? 1;
  const threads = intFlag(cmd, 'threads', values.threads, 1, limits.maxThreads);
  const json = stringFlag(values.json);
  const redis = stringFlag(values.redis);
  const queueName = stringFlag(values.queue);
  const shardSamples = intFlag(cmd, 'shard-samples', values['shard-samples'], 1, 1_000_000_000);
  const inputsPerJob = intFlag(cmd, 'inputs-per-job', values['inputs-per-job'], 1, 100_000);
  if (!redis && (queueName !== undefined || shardSamples !== undefined || inputsPerJob !== undefined)) {
    throw new UsageError(`${cmd}: --queue, --shard-samples and --inputs-per-job need --redis`);
  }

  const net = await Network.load(resolve(modelPath), threads ? { threads } : {});
  const { inputs, count, features } = imagesToInputs(await loadIdx(inputPath), inputPath);
  if (features !== net.spec.inputs) {
    throw new InvalidArgumentError(`${cmd}: the model reads ${net.spec.inputs} inputs per example but ${inputPath} has ${features}`);
  }
  const indices = values.all ? Array.from({ length: count }, (_, i) => i) : (intListFlag(cmd, 'index', values.index, 0) ?? [0]);
  for (const i of indices) if (i >= count) throw new UsageError(`${cmd}: --index ${i} is past the ${count} examples of ${inputPath}`);

  const progress = new ProgressBar();
  const out = json === undefined ? undefined : new JsonOut(json, { model: resolve(modelPath), input: resolve(inputPath), samples, seed });
  const summaries = new Summaries(indices.length);
  const take = async (position: number, stats: Stats) => {
    const index = indices[position]!;
    summaries.add(index, stats);
    await out?.add(index, stats);
  };
  progress.phase('Monte Carlo', indices.length * samples, 'subnetworks');
  await withInterrupt(progress, async (signal) => {
    if (redis) {
      // Only the chosen rows travel, in the order of `indices`.
      const chosen = new Float32Array(indices.length * features);
      indices.forEach((i, k) => chosen.set(inputs.subarray(i * features, (i + 1) * features), k * features));
      // The file was just loaded and checked; workers load the same bytes.
      const model = await readFile(resolve(modelPath));
      await queueStats({
        redis, model, inputs: chosen, features, samples, seed, signal, onInput: take,
        ...(queueName ? { queue: queueName } : {}), ...(shardSamples ? { shardSamples } : {}), ...(inputsPerJob ? { inputsPerJob } : {}),
        onProgress: (done) => progress.update(done),
      });
    } else {
      for (const [k, i] of indices.entries()) {
        await take(k, await net.ensembleStats(inputs.slice(i * features, (i + 1) * features), { samples, seed, signal }));
        progress.update((k + 1) * samples);
      }
    }
  });
  progress.finish();
  await out?.close();
  if (json !== '-') process.stdout.write(`${summaries.text(samples)}\n`);
  return 0;
}
