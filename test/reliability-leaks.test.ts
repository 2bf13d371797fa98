// Leaks: cycles of create / train a batch / predict (weight-scaled and Monte Carlo) /
// ensembleStats / propagate / save / load / fromBuffer / failed calls / kernels / drop, in one child
// process with --expose-gc (test/fixtures/leak-cycles.ts). RSS at the end of the run, less the V8
// heap's committed-but-free space, must be within 10% of the same after the warm-up (medians of three
// samples each); raw RSS within 25%. CI: 100 cycles after 40 of warm-up; DE_LONG_TESTS=1: 1,000 after 100.
//
// The child runs with glibc's mmap threshold pinned (MALLOC_MMAP_THRESHOLD_): by default glibc raises
// the threshold each time a large block is freed, and later blocks then stay in per-thread arenas,
// so RSS can drift with no leak at all. This test found such a drift (+45% over 400 cycles: every
// network's pool threads allocated megabytes of GEMM packing buffers through malloc); those buffers
// are now mapped from the OS (native/core/gemm_scratch.cpp) and the default drift is +2% over 1,000
// cycles, which the long run reports and bounds. Pinning the threshold makes RSS measure what the
// library holds. The native side is also checked for leaks by LeakSanitizer (scripts/sanitize.sh).
import { describe, expect, it } from 'vitest';
import { longTests, runFixture, sanitized } from './helpers/child.js';

interface LeakReport {
  cycles: number;
  rssAfterWarmup: number;
  rssEnd: number;
  growth: number;
  trace: number[];
  /** V8 heap committed but free (heapTotal − heapUsed) at each sample: warm-up end, trace…, end. */
  heapFree: number[];
  seconds: number;
}

const cycles = longTests ? 1000 : 100;
const warmup = longTests ? 100 : 40;
const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

/**
 * Growth from the first samples after the warm-up to the last ones, as medians of three: a leak
 * grows RSS steadily, while single samples jitter by a few percent (GC timing, allocator trims).
 */
function steadyGrowth(r: LeakReport, held = false): number {
  // held: less the V8 heap's committed-but-free space. V8 keeps a heap it has grown even after a
  // full collection; that step (measured: +16 MB once, early in the run) is capacity, not a leak.
  const samples = [r.rssAfterWarmup, ...r.trace].map((x, i) => x - (held ? r.heapFree[i]! : 0));
  const first = median(samples.slice(0, 3));
  const last = median(samples.slice(-3));
  return (last - first) / first;
}

async function run(pinned: boolean): Promise<LeakReport> {
  const child = await runFixture<LeakReport>('leak-cycles.ts', { cycles, warmup }, {
    nodeFlags: ['--expose-gc'],
    env: pinned ? { MALLOC_MMAP_THRESHOLD_: String(128 * 1024) } : {},
    timeoutMs: longTests ? 1_200_000 : 150_000,
  });
  expect(child.signal, child.stderr).toBeNull();
  expect(child.code, child.stderr).toBe(0);
  expect(child.result, child.stdout + child.stderr).toBeDefined();
  const r = child.result!;
  console.log(`reliability-leaks (${pinned ? 'mmap threshold pinned' : 'default glibc'}): ${r.cycles} cycles in ${r.seconds.toFixed(1)} s; RSS after warm-up ${mb(r.rssAfterWarmup)}, at the end ${mb(r.rssEnd)} (${(100 * r.growth).toFixed(1)}%; median of the last three samples vs the first three: ${(100 * steadyGrowth(r)).toFixed(1)}%, less V8's free heap: ${(100 * steadyGrowth(r, true)).toFixed(1)}%); every 10%: ${r.trace.map(mb).join(', ')}`);
  return r;
}

describe('no leaks', () => {
  it.skipIf(sanitized)(`${cycles} cycles of create/train/predict/statistics/save/load/drop keep RSS within 10% after warm-up`, async () => {
    const r = await run(true);
    expect(r.cycles).toBe(cycles);
    expect(r.trace).toHaveLength(10);
    expect(steadyGrowth(r, true)).toBeLessThan(0.1);
    expect(steadyGrowth(r)).toBeLessThan(0.25); // raw RSS, V8's heap sizing included
  }, longTests ? 1_300_000 : 160_000);

  it.runIf(longTests && !sanitized)('the same with the default allocator settings (reported; bounded drift)', async () => {
    const r = await run(false);
    expect(steadyGrowth(r)).toBeLessThan(0.5);
  }, 1_300_000);
});
