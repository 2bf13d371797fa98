// Exact enumeration of Bernoulli gate configurations (the 2^n subnetworks of Section 3.1).
import { OutOfRangeError } from '../errors.js';
import { limits } from '../limits.js';
import { checkFunction, checkInteger, MAX_ELEMENTS } from '../validate.js';
import { checkKeeps, keepAt } from './check.js';

/** Most gates enumerated exactly (2^24 ≈ 1.7e7 configurations): `limits.maxExactGates`, as for exactEnsemble. */
export const MAX_ENUMERATED_GATES = limits.maxExactGates;

/**
 * Calls visit(gates, probability) for every configuration of n independent gates δ_i with
 * P(δ_i = 1) = keeps_i. Gates whose keep is 0 or 1 are fixed, not enumerated, so the number of
 * configurations is 2^(number of keeps strictly between 0 and 1). `gates` is reused between calls.
 */
export function forEachGateConfiguration(
  where: string,
  n: number,
  keepsIn: number | ArrayLike<number>,
  visit: (gates: Uint8Array, probability: number) => void,
): void {
  // Public (theory.forEachGateConfiguration): validate like every entry point.
  const w = typeof where === 'string' ? where : 'theory.forEachGateConfiguration';
  checkInteger(w, 'n', n, 0, MAX_ELEMENTS);
  const keeps = checkKeeps(w, keepsIn, n);
  checkFunction(w, 'visit', visit);
  const free: number[] = [];
  const gates = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = keepAt(keeps, i);
    if (p > 0 && p < 1) free.push(i);
    else gates[i] = p >= 1 ? 1 : 0;
  }
  if (free.length > MAX_ENUMERATED_GATES) {
    throw new OutOfRangeError(`${w}: ${free.length} gates with keep in (0, 1) would give 2^${free.length} subnetworks; at most ${MAX_ENUMERATED_GATES} gates can be enumerated`);
  }
  const count = 2 ** free.length;
  for (let m = 0; m < count; m++) {
    let prob = 1;
    for (let b = 0; b < free.length; b++) {
      const i = free[b]!;
      const on = (m >>> b) & 1;
      gates[i] = on;
      const p = keepAt(keeps, i);
      prob *= on ? p : 1 - p;
    }
    visit(gates, prob);
  }
}
