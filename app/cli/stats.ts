// `dropout-ensemble stats MODEL --input FILE`: per-neuron ensemble statistics for chosen inputs.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ACTIVE_THRESHOLD, type EnsembleStats, limits, imagesToInputs, InvalidArgumentError, loadIdx, Network } from 'dropout-ensemble';
import { intFlag, intListFlag, parse, requireFlag, stringFlag, UsageError } from './args.js';
import { withInterrupt } from './interrupt.js';
import { ProgressBar } from './progress-bar.js';

export const STATS_USAGE = `dropout-ensemble stats MODEL --input FILE [options]

Monte Carlo ensemble statistics of every neuron of MODEL (saved by \`train\` or the API) at chosen
inputs: E(O), Var(O), std(O), the geometric means, NWGM, O*, Eq. 20, the delta-method estimate,
the Eq. 22 bound and more. Prints a per-layer summary; --json writes every neuron's values.

  --input FILE       IDX file of inputs (examples × features…, gzipped or not)
  --index I,J,...    which examples (default 0)
  --samples N        subnetworks per input (default ${limits.defaultSamples})
  --seed S           seed of the subnetworks (default 1)
  --threads T        worker threads (default: all cores)
  --json FILE        write the full statistics as JSON (- for stdout)`;

type Stats = EnsembleStats;

const meanOf = (a: ArrayLike<number>) => {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!)) { s += a[i]!; n++; }
  return n ? s / n : NaN;
};
const f = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2)) : 'n/a');

function summary(index: number, stats: Stats): string {
  const lines = [`input ${index} (${stats.samples} subnetworks)`, '  layer  units   mean E   mean std  mean E−NWGM   Eq.20    delta   bound ok  active'];
  stats.layers.forEach((l, k) => {
    const E = l.mean;
    const nwgm = l.nwgm;
    const det = l.deterministic;
    const bound = l.bound;
    const gap = Float64Array.from(E, (e, i) => e - nwgm[i]!);
    let ok = 0;
    let act = 0;
    for (let i = 0; i < E.length; i++) {
      if (Math.abs(gap[i]!) <= bound[i]! + 1e-12) ok++;
      if (det[i]! > ACTIVE_THRESHOLD) act++;
    }
    const geometric = Number.isFinite(meanOf(nwgm));
    const bounded = Number.isFinite(meanOf(bound)); // Eq. 22 is for logistic units only
    lines.push(`  ${String(l.index).padStart(5)} ${String(E.length).padStart(6)} ${f(meanOf(E)).padStart(8)} ${f(meanOf(l.std)).padStart(10)} ${(geometric ? f(meanOf(gap)) : 'n/a').padStart(12)} ${f(meanOf(l.secondOrder)).padStart(8)} ${f(meanOf(l.deltaMethod)).padStart(8)} ${(bounded ? `${((100 * ok) / E.length).toFixed(1)}%` : 'n/a').padStart(9)} ${((100 * act) / E.length).toFixed(0).padStart(5)}%`);
  });
  return lines.join('\n');
}

export async function statsCommand(args: string[]): Promise<number> {
  const cmd = 'stats';
  const { values, positionals } = parse(cmd, args, {
    input: { type: 'string' }, index: { type: 'string' }, samples: { type: 'string' }, seed: { type: 'string' },
    threads: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, 1);
  if (values.help) {
    process.stdout.write(`${STATS_USAGE}\n`);
    return 0;
  }
  const modelPath = positionals[0];
  if (!modelPath) throw new UsageError(`${cmd}: give the model file, e.g. dropout-ensemble stats model.bin --input images.idx`);
  const inputPath = requireFlag(cmd, 'input', values.input);
  const indices = intListFlag(cmd, 'index', values.index, 0) ?? [0];
  const samples = intFlag(cmd, 'samples', values.samples, 2, 1_000_000_000) ?? limits.defaultSamples;
  const seed = intFlag(cmd, 'seed', values.seed, 0) ?? 1;
  const threads = intFlag(cmd, 'threads', values.threads, 1, limits.maxThreads);
  const json = stringFlag(values.json);

  const net = await Network.load(resolve(modelPath), threads ? { threads } : {});
  const { inputs, count, features } = imagesToInputs(await loadIdx(inputPath), inputPath);
  if (features !== net.spec.inputs) {
    throw new InvalidArgumentError(`${cmd}: the model reads ${net.spec.inputs} inputs per example but ${inputPath} has ${features}`);
  }
  for (const i of indices) if (i >= count) throw new UsageError(`${cmd}: --index ${i} is past the ${count} examples of ${inputPath}`);

  const progress = new ProgressBar();
  const all: Array<{ index: number; stats: Stats }> = [];
  progress.phase('Monte Carlo', indices.length * samples, 'subnetworks');
  await withInterrupt(progress, async (signal) => {
    for (const [k, i] of indices.entries()) {
      const stats = await net.ensembleStats(inputs.slice(i * features, (i + 1) * features), { samples, seed, signal });
      all.push({ index: i, stats });
      progress.update((k + 1) * samples);
    }
  });
  progress.finish();
  if (json !== undefined) {
    const text = JSON.stringify({ model: resolve(modelPath), input: resolve(inputPath), samples, seed, inputs: all }, (_k, v) =>
      ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null)) : v);
    if (json === '-') process.stdout.write(`${text}\n`);
    else {
      await writeFile(resolve(json), text);
      process.stdout.write(`statistics: ${resolve(json)}\n`);
    }
  }
  if (json !== '-') for (const { index, stats } of all) process.stdout.write(`${summary(index, stats)}\n`);
  return 0;
}
