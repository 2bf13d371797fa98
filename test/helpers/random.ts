// Deterministic test data (mulberry32, the report's generator): tests never depend on Math.random.
import { mulberry32 } from '../../app/report/stats-math.js';

export const rng: (seed: number) => () => number = mulberry32;

export function randomFloats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

export function randomMask(n: number, seed: number, keep = 0.5): Uint8Array {
  const r = rng(seed);
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = r() < keep ? 1 : 0;
  return a;
}
