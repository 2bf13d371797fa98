// Shared benchmark helpers: benchmark.js with deferred cases, and timing of native calls.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Benchmark = require('benchmark');

/** Mean seconds per call of fn, measured by benchmark.js (at least minTime seconds of samples). */
export function timeIt(fn, { minTime = 0.5, maxTime = 3 } = {}) {
  return new Promise((resolve, reject) => {
    const b = new Benchmark({ fn, minSamples: 5, minTime, maxTime, onError: (e) => reject(e.target.error) });
    b.on('complete', () => resolve({ mean: b.stats.mean, rme: b.stats.rme, samples: b.stats.sample.length }));
    b.run({ async: true });
  });
}

/** Mean seconds per call of an async fn (benchmark.js deferred case). */
export function timeAsync(fn, { minTime = 1, maxTime = 10 } = {}) {
  return new Promise((resolve, reject) => {
    const b = new Benchmark({
      defer: true,
      minSamples: 3,
      minTime,
      maxTime,
      fn: (deferred) => { fn().then(() => deferred.resolve(), reject); },
      onError: (e) => reject(e.target.error),
    });
    b.on('complete', () => resolve({ mean: b.stats.mean, rme: b.stats.rme, samples: b.stats.sample.length }));
    b.run({ async: true });
  });
}

/**
 * Calls the functions in turn (a, b, a, b, ...) for about `seconds`, timing each call; returns, per
 * function, the best and the median seconds per call. On a shared machine the load of the moment
 * falls on both alike, so their ratio is fairer than that of two runs minutes apart, and the best
 * call is the one nobody interrupted. `repeats[i]` calls function i that many times back to back in
 * each turn (each call timed on its own).
 */
export function interleaved(fns, { seconds = 2, minCalls = 5, repeats = fns.map(() => 1) } = {}) {
  const times = fns.map(() => []);
  for (const f of fns) f(); // warm caches, packing buffers and pool threads
  const start = process.hrtime.bigint();
  for (;;) {
    fns.forEach((f, i) => {
      for (let r = 0; r < repeats[i]; r++) {
        const t0 = process.hrtime.bigint();
        f();
        times[i].push(Number(process.hrtime.bigint() - t0) / 1e9);
      }
    });
    if (times[0].length >= minCalls && Number(process.hrtime.bigint() - start) / 1e9 >= seconds) break;
  }
  return times.map((t) => {
    const sorted = [...t].sort((x, y) => x - y);
    return { best: sorted[0], median: sorted[sorted.length >> 1], calls: sorted.length };
  });
}

/**
 * Uniform floats in [−1, 1), seeded so that every run times the same data (xorshift32: the
 * timings do not depend on the values, only on their being finite and dense).
 */
export function randomFloats(n, seed = 1) {
  let x = (seed * 0x9e3779b1) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x / 2 ** 31 - 1;
  }
  return out;
}

export const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
