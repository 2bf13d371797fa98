// What travels through Redis between a submitter and the workers. Large immutable inputs (a model,
// a set of inputs) are stored once under their SHA-256 and fetched once per worker; a job names them
// by hash. A worker writes a job's result under the job's id in its run's result hash, so a job run
// twice (a worker killed mid-job, a Redis restart) is still counted once, and the submitter reads
// only its own run's keys.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { QueueError } from './redis.js';

export const DEFAULT_QUEUE = 'dropout-ensemble';
/** Every key the runner writes outside BullMQ's own starts with this. */
export const KEY_PREFIX = 'dropout-ensemble';
/** Result and blob keys expire after a day unless touched: an abandoned run does not fill Redis. */
export const KEY_TTL_SECONDS = 24 * 3600;
/** Tries of a job before its run fails (a killed worker's job is retried besides, by stall detection). */
export const JOB_ATTEMPTS = 3;

export const blobKey = (hash: string) => `${KEY_PREFIX}:blob:${hash}`;
export const resultKey = (run: string) => `${KEY_PREFIX}:results:${run}`;
export const doneKey = (run: string) => `${KEY_PREFIX}:done:${run}`;
export const failedKey = (run: string) => `${KEY_PREFIX}:failed:${run}`;

/** Statistics of some inputs over one range of a run's subnetworks. */
export interface StatsJobData {
  run: string;
  /** SHA-256 of the model file's bytes, and of the inputs' bytes ([count × features] float32 LE). */
  model: string;
  inputs: string;
  features: number;
  /** Rows of the inputs blob. */
  indices: number[];
  samples: number;
  seed: number;
  range: [number, number];
}

/** The result of a stats job: one ensemble state (base64) per index, in order. */
export interface StatsJobResult {
  states: string[];
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Stores bytes under their hash (once: a second put of the same bytes writes nothing). */
export async function putBlob(redis: Redis, bytes: Uint8Array, hash = sha256(bytes)): Promise<string> {
  await redis.set(blobKey(hash), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'EX', KEY_TTL_SECONDS, 'NX');
  await redis.expire(blobKey(hash), KEY_TTL_SECONDS);
  return hash;
}

/** The bytes stored under `hash`, checked against it. */
export async function getBlob(redis: Redis, hash: string): Promise<Buffer> {
  const bytes = await redis.getBuffer(blobKey(hash));
  if (!bytes) throw new QueueError(`blob ${hash.slice(0, 12)}… is not in Redis (was it restarted? the submitter stores it again)`);
  if (sha256(bytes) !== hash) throw new QueueError(`blob ${hash.slice(0, 12)}… does not match its hash`);
  return bytes;
}
