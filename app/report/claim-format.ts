// Number formatting shared by the claims rows.
export const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : 'n/a');
export const num = (x: number, digits = 3) => (Number.isFinite(x) ? (Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(digits)) : 'n/a');
export const perLayer = (values: number[], fmt: (x: number) => string, first = 1) => values.map((v, i) => `L${i + first} ${fmt(v)}`).join(', ');

/** A claim's numbers without the non-finite ones (results.json holds finite numbers only). */
export function finiteNumbers(entries: Array<[string, number]>): Record<string, number> {
  return Object.fromEntries(entries.filter(([, v]) => Number.isFinite(v)));
}
