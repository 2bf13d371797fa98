// A child process throws thousands of seeded, reproducible malformed calls at every public
// function and method (test/fixtures/fuzz-api.ts). The child must exit normally; every call must
// succeed or fail with a documented error (class and code of src/errors.ts); a network whose call
// failed must be bit-identical to before. A failure names the call number, the entry point and the
// mutations, so `DE_CHILD_ARGS='{"seed":S,"calls":N}' npx vite-node test/fixtures/fuzz-api.ts`
// replays it.
import { describe, expect, it } from 'vitest';
import { longTests, runFixture } from './helpers/child.js';

interface FuzzReport {
  calls: number;
  ok: number;
  rejected: number;
  aborted: number;
  byCode: Record<string, number>;
  entries: number;
  failures: string[];
  failureCount: number;
}

const runs = longTests ? [1, 2, 3, 4].map((seed) => ({ seed, calls: 20000 })) : [{ seed: 20240607, calls: 3000 }];

describe('fuzzing the public API in a child process', () => {
  for (const { seed, calls } of runs) {
    it(`seed ${seed}: ${calls} malformed calls, all rejected with documented errors, no state change`, async () => {
      const child = await runFixture<FuzzReport>('fuzz-api.ts', { seed, calls }, { timeoutMs: longTests ? 1_500_000 : 120_000 });
      const report = child.result;
      expect(child.signal, child.stderr).toBeNull();
      expect(child.code, child.stderr).toBe(0);
      expect(report, child.stdout + child.stderr).toBeDefined();
      expect(report!.failures).toEqual([]);
      expect(report!.calls).toBe(calls);
      // The fuzzer must reach past validation sometimes, and fail validation mostly.
      expect(report!.ok).toBeGreaterThan(calls * 0.03);
      expect(report!.rejected).toBeGreaterThan(calls * 0.5);
      expect(report!.byCode.ERR_INVALID_ARGUMENT).toBeGreaterThan(0);
      expect(report!.byCode.ERR_OUT_OF_RANGE).toBeGreaterThan(0);
      expect(report!.byCode.ERR_CORRUPT).toBeGreaterThan(0);
      expect(report!.byCode.none ?? 0).toBe(0);
    }, longTests ? 1_600_000 : 150_000);
  }
});
