// Per-layer summaries of per-unit columns: the mean and the 5th/95th percentiles over the units
// (Figure 2b of the paper shows mean Std(O) of active neurons with 5% and 95% percentiles).

export interface ColumnSummary {
  /** Mean over the units where the value is a number (NaN when none is). */
  mean: number;
  /** 5th percentile (linear interpolation between order statistics). */
  p5: number;
  /** 95th percentile. */
  p95: number;
  /** Units that entered the summary (values that are not NaN). */
  count: number;
}

/** Percentile q in [0, 1] of sorted values, linear between order statistics. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const x = q * (n - 1);
  const lo = Math.floor(x);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (x - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Summary of column[i] over the units i with select(i) true (all when select is omitted). */
export function summarize(column: Float64Array, select?: (i: number) => boolean): ColumnSummary {
  const values: number[] = [];
  for (let i = 0; i < column.length; i++) {
    const v = column[i]!;
    if (!Number.isNaN(v) && (!select || select(i))) values.push(v);
  }
  if (values.length === 0) return { mean: NaN, p5: NaN, p95: NaN, count: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of values) sum += v;
  return { mean: sum / values.length, p5: percentileSorted(sorted, 0.05), p95: percentileSorted(sorted, 0.95), count: values.length };
}
