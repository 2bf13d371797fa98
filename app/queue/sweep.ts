// Training sweeps: a JSON file of runs (a network description and train() options each) trained on
// MNIST, one run per job, each reporting its test-error curve. The same function trains a run in a
// worker and in-process, so a sweep gives the same curves with or without a queue.
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, loadMnist, Network } from 'dropout-ensemble';
import type { Mnist, NetworkSpec, TrainOptions } from 'dropout-ensemble';
import { newRunId, openSubmitter, submitAndCollect } from './submit.js';

/** One run of a sweep file. */
export interface SweepItem {
  name: string;
  /** A network description (threads and backend are the worker's). */
  spec: NetworkSpec;
  /** train() options that JSON can hold: epochs, batchSize, optimizer, learningRate, momentum, maxNorm, maskSharing, … */
  train: Omit<TrainOptions, 'validation' | 'signal' | 'onEpoch' | 'onProgress' | 'onProbe' | 'probes'>;
  /** Train on the first n training digits (default all 60,000). */
  trainExamples?: number;
  /** Test error on the first n test digits (default all 10,000). */
  testExamples?: number;
}

export interface SweepJobData {
  run: string;
  item: SweepItem;
}

export interface CurvePoint {
  epoch: number;
  loss: number;
  trainError: number;
  testError: number;
  seconds: number;
}

export interface SweepResult {
  name: string;
  curve: CurvePoint[];
  /** Weight-scaled test error after the last epoch. */
  testError: number;
  seconds: number;
}

const ITEM_KEYS = ['name', 'spec', 'train', 'trainExamples', 'testExamples'];
const FORBIDDEN_TRAIN = ['validation', 'signal', 'onEpoch', 'onProgress', 'onProbe', 'probes'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and checks a sweep file: { "runs": [SweepItem, …] }. The library checks each spec and its options when the run starts. */
export async function readSweep(path: string): Promise<SweepItem[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new InvalidArgumentError(`sweep ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  return checkSweep(path, json);
}

export function checkSweep(source: string, json: unknown): SweepItem[] {
  const bad = (what: string) => new InvalidArgumentError(`sweep ${source}: ${what}`);
  if (!isObject(json) || !Array.isArray(json.runs) || json.runs.length === 0) throw bad('expected { "runs": [ { "name", "spec", "train" }, … ] }');
  const names = new Set<string>();
  return json.runs.map((r: unknown, k: number) => {
    if (!isObject(r)) throw bad(`runs[${k}] is not an object`);
    for (const key of Object.keys(r)) if (!ITEM_KEYS.includes(key)) throw bad(`runs[${k}] has an unknown key ${JSON.stringify(key)} (allowed: ${ITEM_KEYS.join(', ')})`);
    if (typeof r.name !== 'string' || r.name === '' || names.has(r.name)) throw bad(`runs[${k}].name must be a unique non-empty string`);
    names.add(r.name);
    if (!isObject(r.spec)) throw bad(`runs[${k}].spec must be a network description`);
    if (!isObject(r.train)) throw bad(`runs[${k}].train must be an object of train() options`);
    for (const key of FORBIDDEN_TRAIN) if (key in r.train) throw bad(`runs[${k}].train.${key} is set by the sweep, not the file`);
    for (const key of ['trainExamples', 'testExamples'] as const) {
      const v = r[key];
      if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1)) throw bad(`runs[${k}].${key} must be a positive integer`);
    }
    return r as unknown as SweepItem;
  });
}

/** MNIST, loaded once per process. */
export interface MnistCache {
  data?: Promise<Mnist>;
}

/** Trains one run and returns its curve; `progress` hears each epoch. */
export async function runSweepItem(item: SweepItem, cache: MnistCache, machine: { threads?: number; backend?: 'cpu' | 'cuda' | 'auto' }, progress?: (p: CurvePoint & { name: string }) => void, signal?: AbortSignal): Promise<SweepResult> {
  cache.data ??= loadMnist();
  const mnist = await cache.data;
  const nTrain = Math.min(item.trainExamples ?? mnist.train.count, mnist.train.count);
  const nTest = Math.min(item.testExamples ?? mnist.test.count, mnist.test.count);
  const d = 784;
  const { threads: _t, backend: _b, ...spec } = item.spec as NetworkSpec & { threads?: number; backend?: string };
  const net = new Network({ ...spec, ...machine });
  const curve: CurvePoint[] = [];
  const t0 = Date.now();
  await net.train(
    { inputs: mnist.train.inputs.subarray(0, nTrain * d), targets: mnist.train.targets.subarray(0, nTrain), count: nTrain },
    {
      ...item.train,
      validation: { inputs: mnist.test.inputs.subarray(0, nTest * d), targets: mnist.test.targets.subarray(0, nTest), count: nTest },
      ...(signal ? { signal } : {}),
      onEpoch: (s) => {
        const p = { epoch: s.epoch, loss: s.loss, trainError: s.trainError, testError: s.validationError ?? NaN, seconds: s.seconds };
        curve.push(p);
        progress?.({ name: item.name, ...p });
      },
    },
  );
  return { name: item.name, curve, testError: curve.at(-1)?.testError ?? NaN, seconds: (Date.now() - t0) / 1000 };
}

/** Trains every run of a sweep through the queue; `onResult` hears each run as it finishes (any order). */
export async function queueSweep(o: { redis: string; queue?: string; items: SweepItem[]; onResult: (position: number, r: SweepResult) => void; signal?: AbortSignal }): Promise<void> {
  const run = newRunId();
  const { queue, redis, close } = await openSubmitter(o.redis, o.queue);
  try {
    await submitAndCollect<SweepJobData, SweepResult>({
      queue,
      redis,
      run,
      blobs: new Map(),
      jobs: o.items.map((item, k) => ({ key: `r${k}`, name: 'train', data: { run, item } })),
      signal: o.signal,
      onResult: (job, result) => {
        const k = Number(job.key.slice(1));
        if (!result || result.name !== o.items[k]!.name || !Array.isArray(result.curve)) throw new InvalidArgumentError(`job ${job.key}: not the result of run ${o.items[k]!.name}`);
        o.onResult(k, result);
      },
    });
  } finally {
    await close();
  }
}
