// A queue worker: takes jobs from the BullMQ queue one at a time and runs them on this process's
// network threads. Models and input sets are fetched from Redis once per worker (by hash) and kept;
// a job's result goes to its run's result hash under the job's id, then the job completes. A worker
// killed mid-job loses nothing: its lock lapses and another worker takes the job again.
import type { Job, Worker } from 'bullmq';
import { Network } from 'dropout-ensemble';
import { doneKey, failedKey, getBlob, JOB_ATTEMPTS, KEY_TTL_SECONDS, resultKey } from './protocol.js';
import type { StatsJobData, StatsJobResult } from './protocol.js';
import { closeClient, queueLibrary } from './redis.js';
import type { SweepJobData } from './sweep.js';
import { runSweepItem, type MnistCache } from './sweep.js';

export interface WorkerOptions {
  redis: string;
  queue: string;
  /** Network threads (default: all cores). */
  threads?: number;
  /** Where networks run (default 'auto': the GPU when a usable one is present). */
  backend?: 'cpu' | 'cuda' | 'auto';
  /** How long a job's lock lasts without renewal (ms): a killed worker's job is retried after about this long. */
  lockMs?: number;
  /** Called with one line per event worth a log line (fetched a model, finished a job, …). */
  log?: (line: string) => void;
}

export interface WorkerCounters {
  jobs: number;
  modelFetches: number;
  inputFetches: number;
}

export interface RunningWorker {
  counters: WorkerCounters;
  /** Stops taking jobs, waits for the one running, disconnects. */
  close(): Promise<void>;
}

/** A small cache of the last few values fetched by key. */
class Recent<V> {
  readonly #map = new Map<string, Promise<V>>();
  constructor(readonly size: number) {}
  get(key: string, load: () => Promise<V>): Promise<V> {
    let v = this.#map.get(key);
    if (v) {
      this.#map.delete(key);
    } else {
      v = load();
      v.catch(() => this.#map.delete(key));
    }
    this.#map.set(key, v);
    while (this.#map.size > this.size) this.#map.delete(this.#map.keys().next().value!);
    return v;
  }
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const { bullmq, connect } = await queueLibrary();
  const redis = connect(o.redis);
  const log = o.log ?? (() => undefined);
  const counters: WorkerCounters = { jobs: 0, modelFetches: 0, inputFetches: 0 };
  const models = new Recent<Network>(2);
  const inputSets = new Recent<Float32Array>(2);
  const mnist: MnistCache = {};
  const loadOptions = { ...(o.threads ? { threads: o.threads } : {}), ...(o.backend ? { backend: o.backend } : {}) };

  const model = (hash: string) =>
    models.get(hash, async () => {
      const bytes = await getBlob(redis, hash);
      counters.modelFetches++;
      log(`fetched model ${hash.slice(0, 12)} (${bytes.length} bytes)`);
      return Network.fromBuffer(bytes, loadOptions);
    });
  const inputs = (hash: string) =>
    inputSets.get(hash, async () => {
      const bytes = await getBlob(redis, hash);
      counters.inputFetches++;
      log(`fetched inputs ${hash.slice(0, 12)} (${bytes.length} bytes)`);
      const out = new Float32Array(bytes.length / 4);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    });

  const stats = async (d: StatsJobData): Promise<StatsJobResult> => {
    const [net, x] = await Promise.all([model(d.model), inputs(d.inputs)]);
    const states: string[] = [];
    for (const i of d.indices) {
      const row = x.slice(i * d.features, (i + 1) * d.features);
      const s = await net.ensembleStats(row, { samples: d.samples, seed: d.seed, sampleRange: d.range, returnState: true });
      states.push(s.state!.toString('base64'));
    }
    return { states };
  };

  const store = async (job: Job, result: unknown) => {
    const run = (job.data as { run: string }).run;
    await redis
      .multi()
      .hset(resultKey(run), job.id!, JSON.stringify(result))
      .rpush(doneKey(run), job.id!)
      .expire(resultKey(run), KEY_TTL_SECONDS)
      .expire(doneKey(run), KEY_TTL_SECONDS)
      .exec();
  };

  const blocking = connect(o.redis, { blocking: true });
  const worker: Worker = new bullmq.Worker(
    o.queue,
    async (job: Job) => {
      const t0 = Date.now();
      log(`job ${job.id} (${job.name}) started`);
      let result: unknown;
      if (job.name === 'stats') result = await stats(job.data as StatsJobData);
      else if (job.name === 'train') result = await runSweepItem((job.data as SweepJobData).item, mnist, loadOptions, (p) => void job.updateProgress(p).catch(() => undefined));
      else throw new Error(`unknown job kind ${JSON.stringify(job.name)}`);
      await store(job, result);
      counters.jobs++;
      log(`job ${job.id} (${job.name}) done in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
      return { stored: true };
    },
    { connection: blocking, concurrency: 1, lockDuration: o.lockMs ?? 30_000, stalledInterval: Math.max(500, Math.floor((o.lockMs ?? 30_000) / 2)), maxStalledCount: JOB_ATTEMPTS },
  );
  worker.on('failed', (job, err) => {
    if (!job) return;
    log(`job ${job.id} failed (try ${job.attemptsMade} of ${job.opts.attempts ?? 1}): ${err.message.split('\n')[0]}`);
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      const run = (job.data as { run: string }).run;
      void redis.hset(failedKey(run), job.id!, err.message.split('\n')[0]!).then(() => redis.expire(failedKey(run), KEY_TTL_SECONDS)).catch(() => undefined);
    }
  });
  // Connection trouble is logged, not thrown: ioredis reconnects and the worker carries on.
  worker.on('error', (err) => log(`queue: ${err.message.split('\n')[0]}`));
  redis.on('error', () => undefined);
  await worker.waitUntilReady();
  return {
    counters,
    async close() {
      await worker.close();
      await Promise.all([closeClient(blocking), closeClient(redis)]);
    },
  };
}
