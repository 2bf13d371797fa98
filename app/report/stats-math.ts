// Small descriptive statistics for the report (float64): percentiles, skewness, and a seeded
// bootstrap for the standard error of a median.
import type { Band } from './results.js';

type Values = ArrayLike<number>;

/** Percentile q ∈ [0, 1] of already sorted values, linear interpolation between order statistics. */
export function percentileSorted(sorted: Values, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function sortedCopy(values: Values): Float64Array {
  return Float64Array.from(values as ArrayLike<number>).sort();
}

export function mean(values: Values): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

export function median(values: Values): number {
  return percentileSorted(sortedCopy(values), 0.5);
}

/** Mean with the 5th and 95th percentiles (the paper's Figure 2 summary). */
export function band(values: Values): Band {
  const sorted = sortedCopy(values);
  return { mean: mean(sorted), p5: percentileSorted(sorted, 0.05), p95: percentileSorted(sorted, 0.95), count: sorted.length };
}

/** Sample skewness g1 = m3 / m2^1.5 (0 for a symmetric distribution; NaN with no spread). */
export function skewness(values: Values): number {
  const m = mean(values);
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - m;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= values.length;
  m3 /= values.length;
  return m2 > 0 ? m3 / m2 ** 1.5 : NaN;
}

/** mulberry32 from a 32-bit state: uniform numbers in [0, 1). The tests' generator too. */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded generator, so that the bootstrap (and the report) is reproducible. */
export function seededRandom(seed: number): () => number {
  return mulberry32((seed >>> 0) ^ 0x9e3779b9);
}

/** Standard error of the median by the bootstrap (`resamples` resamples with replacement). */
export function medianStandardError(values: Values, resamples = 200, seed = 1): number {
  const n = values.length;
  if (n < 2) return NaN;
  const rand = seededRandom(seed);
  const medians = new Float64Array(resamples);
  const sample = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = values[Math.floor(rand() * n)]!;
    sample.sort();
    medians[r] = percentileSorted(sample, 0.5);
  }
  const m = mean(medians);
  let ss = 0;
  for (let r = 0; r < resamples; r++) ss += (medians[r]! - m) ** 2;
  return Math.sqrt(ss / (resamples - 1));
}

/** Histogram of values in [lo, hi] with `bins` equal bins (the last bin includes hi). */
export function histogram(values: Values, bins: number, lo = 0, hi = 1): { edges: number[]; counts: number[] } {
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!(x >= lo && x <= hi)) continue;
    counts[Math.min(bins - 1, Math.floor(((x - lo) / (hi - lo)) * bins))]!++;
  }
  return { edges, counts };
}
