// The submitter's side of a run: store the blobs, enqueue the jobs, and collect each job's result
// exactly once as workers finish them. It polls its own run's keys (never BullMQ's lists, which
// other runs share) and, every few seconds, checks that every unfinished job and every blob still
// exists: after Redis restarts empty, it stores them again, so the run resumes where it was and no
// finished job is counted twice.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AbortError } from 'dropout-ensemble';
import { blobKey, doneKey, failedKey, JOB_ATTEMPTS, KEY_TTL_SECONDS, putBlob, resultKey } from './protocol.js';
import { closeClient, QueueError, queueLibrary } from './redis.js';
import { DEFAULT_QUEUE } from './protocol.js';

export interface QueuedJob<D> {
  /** Unique within the run; the BullMQ job id is `${run}.${key}`. */
  key: string;
  name: string;
  data: D;
}

export interface SubmitOptions<D, R> {
  queue: Queue;
  redis: Redis;
  run: string;
  /** Blobs the jobs read, by hash. */
  blobs: Map<string, Uint8Array>;
  jobs: Array<QueuedJob<D>>;
  /**
   * Called once per job with its result (parsed JSON). A throw refuses the result: the job is
   * enqueued again, up to JOB_ATTEMPTS times, then the run fails with that error.
   */
  onResult: (job: QueuedJob<D>, result: R) => void | Promise<void>;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  pollMs?: number;
  /** How often to check that the jobs and blobs are still in Redis (ms). */
  reconcileMs?: number;
}

/** A run id: unique per submission, so two submissions never share results. */
export function newRunId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16);
}

export const jobId = (run: string, key: string) => `${run}.${key}`;

/** A submitter's clients: the queue (on its own connection) and a plain client for the run's keys; `close` ends both. */
export async function openSubmitter(url: string, name = DEFAULT_QUEUE): Promise<{ queue: Queue; redis: Redis; close: () => Promise<void> }> {
  const { bullmq, connect } = await queueLibrary();
  const redis = connect(url);
  const queueConnection = connect(url);
  // Connection trouble shows as commands that wait: ioredis reconnects, and the run resumes.
  redis.on('error', () => undefined);
  queueConnection.on('error', () => undefined);
  const queue = new bullmq.Queue(name, { connection: queueConnection });
  return {
    queue,
    redis,
    async close() {
      await queue.close().catch(() => undefined);
      await Promise.all([closeClient(queueConnection), closeClient(redis)]);
    },
  };
}

/** Enqueues `jobs` and resolves when every result has been accepted; removes the run's keys after. */
export async function submitAndCollect<D extends { run: string }, R>(o: SubmitOptions<D, R>): Promise<void> {
  const { queue, redis, run } = o;
  const byId = new Map(o.jobs.map((j) => [jobId(run, j.key), j]));
  const pending = new Set(byId.keys());
  const refused = new Map<string, number>();
  const add = async (ids: string[]) => {
    for (let k = 0; k < ids.length; k += 500) {
      await queue.addBulk(ids.slice(k, k + 500).map((id) => {
        const j = byId.get(id)!;
        return { name: j.name, data: j.data, opts: { jobId: id, attempts: JOB_ATTEMPTS, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: true, removeOnFail: { age: KEY_TTL_SECONDS } } };
      }));
    }
  };
  const storeBlobs = async () => {
    for (const [hash, bytes] of o.blobs) if (!(await redis.exists(blobKey(hash)))) await putBlob(redis, bytes, hash);
  };
  const cleanUp = async () => {
    await redis.del(resultKey(run), doneKey(run), failedKey(run));
  };

  await storeBlobs();
  await add([...pending]);
  let lastReconcile = Date.now();
  try {
    while (pending.size > 0) {
      if (o.signal?.aborted) {
        await Promise.all([...pending].map(async (id) => (await queue.getJob(id))?.remove().catch(() => undefined)));
        throw new AbortError('the run was interrupted; its unfinished jobs were removed');
      }
      const ids = (await redis.lpop(doneKey(run), 256)) ?? [];
      for (const id of ids) {
        if (!pending.has(id)) continue; // a job run twice: counted once
        const text = await redis.hget(resultKey(run), id);
        if (text === null) continue; // the result went with a Redis restart: the job runs again
        const job = byId.get(id)!;
        try {
          await o.onResult(job, JSON.parse(text) as R);
        } catch (e) {
          const n = (refused.get(id) ?? 0) + 1;
          refused.set(id, n);
          if (n >= JOB_ATTEMPTS) throw e;
          process.stderr.write(`job ${id}: result refused (${(e as Error).message.split('\n')[0]}); enqueued again\n`);
          await redis.hdel(resultKey(run), id);
          await (await queue.getJob(id))?.remove().catch(() => undefined);
          await add([id]);
          continue;
        }
        pending.delete(id);
        await redis.hdel(resultKey(run), id);
      }
      const failed = await redis.hgetall(failedKey(run));
      for (const [id, reason] of Object.entries(failed)) {
        if (pending.has(id)) throw new QueueError(`job ${id} failed ${JOB_ATTEMPTS} times: ${reason}`);
      }
      o.onProgress?.(byId.size - pending.size, byId.size);
      if (ids.length === 0 && Date.now() - lastReconcile >= (o.reconcileMs ?? 3000)) {
        await reconcile(queue, redis, run, pending, storeBlobs, add);
        lastReconcile = Date.now();
      }
      if (ids.length === 0) await sleep(o.pollMs ?? 50);
    }
  } finally {
    await cleanUp().catch(() => undefined);
  }
}

/** Stores again whatever a Redis restart lost: the blobs, and the jobs neither queued nor finished. */
async function reconcile(queue: Queue, redis: Redis, run: string, pending: Set<string>, storeBlobs: () => Promise<void>, add: (ids: string[]) => Promise<void>): Promise<void> {
  const ids = [...pending];
  const p = redis.pipeline();
  for (const id of ids) {
    p.exists(queue.toKey(id));
    p.hexists(resultKey(run), id);
  }
  const answers = (await p.exec()) ?? [];
  const lost = ids.filter((_, k) => answers[2 * k]?.[1] === 0 && answers[2 * k + 1]?.[1] === 0);
  if (lost.length === 0) return;
  await storeBlobs();
  await add(lost);
}
