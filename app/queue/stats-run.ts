// Monte Carlo statistics of many inputs over a queue: each job is a block of inputs times a range of
// the run's subnetworks; the shards of every input are checked as they arrive and merged (in range
// order, mergeEnsembleStates) as soon as the input is complete, and inputs are handed on in order.
import { CorruptFileError, ensembleStateInfo, mergeEnsembleStates } from 'dropout-ensemble';
import type { EnsembleStats } from 'dropout-ensemble';
import { sha256 } from './protocol.js';
import type { StatsJobData, StatsJobResult } from './protocol.js';
import { newRunId, openSubmitter, submitAndCollect } from './submit.js';
import type { QueuedJob } from './submit.js';

export interface QueueStatsOptions {
  redis: string;
  queue?: string;
  /** The model file's bytes, as workers will load them (Network.fromBuffer). */
  model: Uint8Array;
  /** The inputs to compute, [count × features]. */
  inputs: Float32Array;
  features: number;
  samples: number;
  seed: number;
  /** Subnetworks per job (default: all of them, one job per block of inputs). */
  shardSamples?: number;
  /** Inputs per job (default 1). */
  inputsPerJob?: number;
  /** Called once per input, in input order, with the merged statistics of all its subnetworks. */
  onInput: (position: number, stats: EnsembleStats) => void | Promise<void>;
  /** Subnetworks done so far over all workers, of the total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** [start, end) ranges of at most `size` subnetworks covering [0, samples). */
export function shardRanges(samples: number, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let s = 0; s < samples; s += size) out.push([s, Math.min(samples, s + size)]);
  return out;
}

export async function queueStats(o: QueueStatsOptions): Promise<void> {
  const count = o.inputs.length / o.features;
  const ranges = shardRanges(o.samples, o.shardSamples ?? o.samples);
  const perJob = o.inputsPerJob ?? 1;
  const run = newRunId();
  const modelHash = sha256(o.model);
  const inputBytes = new Uint8Array(o.inputs.buffer, o.inputs.byteOffset, o.inputs.byteLength);
  const inputsHash = sha256(inputBytes);
  const jobs: Array<QueuedJob<StatsJobData>> = [];
  for (let b = 0; b * perJob < count; b++) {
    const indices = Array.from({ length: Math.min(perJob, count - b * perJob) }, (_, k) => b * perJob + k);
    ranges.forEach((range, s) => {
      jobs.push({ key: `b${b}.s${s}`, name: 'stats', data: { run, model: modelHash, inputs: inputsHash, features: o.features, indices, samples: o.samples, seed: o.seed, range } });
    });
  }

  // Shards of each input, by range index; an input is merged when all have come.
  const shards: Array<Array<Buffer | undefined> | undefined> = Array.from({ length: count }, () => Array.from({ length: ranges.length }, () => undefined));
  const arrived = new Int32Array(count);
  const merged = new Map<number, EnsembleStats>();
  let next = 0;
  let subnetworks = 0;
  const { queue, redis, close } = await openSubmitter(o.redis, o.queue);
  try {
    await submitAndCollect<StatsJobData, StatsJobResult>({
      queue,
      redis,
      run,
      blobs: new Map([[modelHash, o.model], [inputsHash, inputBytes]]),
      jobs,
      signal: o.signal,
      onResult: async (job, result) => {
        const d = job.data;
        if (!result || !Array.isArray(result.states) || result.states.length !== d.indices.length) {
          throw new CorruptFileError(`job ${job.key}: the result does not hold one state per input`);
        }
        const shard = ranges.findIndex((r) => r[0] === d.range[0]);
        // Check each state before keeping it: a corrupt or foreign shard is refused here, and its job runs again.
        const states = result.states.map((b64, k) => {
          const bytes = Buffer.from(b64, 'base64');
          const s = ensembleStateInfo(bytes);
          if (s.sampleRange[0] !== d.range[0] || s.sampleRange[1] !== d.range[1] || s.samples !== d.samples || s.seed !== d.seed) {
            throw new CorruptFileError(`job ${job.key}: input ${d.indices[k]}'s state covers [${s.sampleRange.join(', ')}) of ${s.samples} subnetworks with seed ${s.seed}, not [${d.range.join(', ')}) of ${d.samples} with seed ${d.seed}`);
          }
          return bytes;
        });
        states.forEach((bytes, k) => {
          const i = d.indices[k]!;
          if (shards[i]![shard] === undefined) arrived[i]++;
          shards[i]![shard] = bytes;
        });
        subnetworks += d.indices.length * (d.range[1] - d.range[0]);
        for (const i of d.indices) {
          const got = shards[i]!;
          if (arrived[i] === ranges.length) {
            // What a local run returns: the statistics, without the merge's own state.
            const { state: _state, sampleRange: _range, ...stats } = mergeEnsembleStates(got as Buffer[]);
            merged.set(i, stats);
            shards[i] = undefined;
          }
        }
        while (merged.has(next)) {
          const stats = merged.get(next)!;
          merged.delete(next);
          await o.onInput(next, stats);
          next++;
        }
        o.onProgress?.(subnetworks, count * o.samples);
      },
    });
  } finally {
    await close();
  }
}
