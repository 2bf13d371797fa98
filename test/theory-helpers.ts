// Helpers for the theory tests: a seeded generator and exact enumeration of a single unit.
import { theory } from '../src/index.js';
import { rng } from './helpers/random.js';

export { rng };

export interface UnitEnsemble {
  outputs: Float64Array;
  sums: Float64Array;
  probs: Float64Array;
  E: number;
  V: number;
  kappa3: number;
  ES: number;
}

/** Every subnetwork of one unit S = b + Σ δ_j w_j I_j, O = f(S): outputs, sums, probabilities, moments. */
export function enumerateUnit(w: ArrayLike<number>, I: ArrayLike<number>, keeps: ArrayLike<number>, b: number, f: (s: number) => number): UnitEnsemble {
  const outputs: number[] = [];
  const sums: number[] = [];
  const probs: number[] = [];
  theory.forEachGateConfiguration('test', w.length, keeps, (gates, p) => {
    let s = b;
    for (let j = 0; j < w.length; j++) if (gates[j]) s += w[j]! * I[j]!;
    sums.push(s);
    outputs.push(f(s));
    probs.push(p);
  });
  let E = 0;
  let ES = 0;
  for (let i = 0; i < outputs.length; i++) {
    E += probs[i]! * outputs[i]!;
    ES += probs[i]! * sums[i]!;
  }
  let V = 0;
  let kappa3 = 0;
  for (let i = 0; i < outputs.length; i++) {
    const d = outputs[i]! - E;
    V += probs[i]! * d * d;
    kappa3 += probs[i]! * d * d * d;
  }
  return { outputs: Float64Array.from(outputs), sums: Float64Array.from(sums), probs: Float64Array.from(probs), E, V, kappa3, ES };
}

export const logistic = (c: number, lambda: number) => (s: number) => 1 / (1 + c * Math.exp(-lambda * s));

/**
 * A logistic unit with n inputs: weights uniform in [−scale, scale], inputs in [0, 1], keeps in
 * [kLo, kHi], and the bias chosen so that σ(E(S)) = target (the operating point).
 */
export function unitAt(seed: number, n: number, scale: number, target: number, kLo = 0.2, kHi = 0.9) {
  const r = rng(seed);
  const w = new Float64Array(n);
  const I = new Float64Array(n);
  const p = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    w[j] = (2 * r() - 1) * scale;
    I[j] = r();
    p[j] = kLo + (kHi - kLo) * r();
  }
  let es = 0;
  for (let j = 0; j < n; j++) es += w[j]! * p[j]! * I[j]!;
  const b = Math.log(target / (1 - target)) - es;
  return { w, I, p, b, ...enumerateUnit(w, I, p, b, logistic(1, 1)) };
}
