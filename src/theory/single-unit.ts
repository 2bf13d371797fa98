// Section 5: the dropout gradient of a single unit, exactly (by enumeration) and in closed form.
//   linear unit, squared error (5.1):      O = S,    E = ½(t − O)²
//   logistic unit, relative entropy (5.2): O = σ(S) = 1/(1 + c·e^(−λS)),  E = −(t log O + (1−t) log(1−O))
// with S = b + Σ_i δ_i w_i I_i under dropout (Eq. 24) and S_ENS = b + Σ_i p_i w_i I_i (Eq. 23).
import { InvalidArgumentError } from '../errors.js';
import { checkNumber, checkOptions, describe, isPlainObject } from '../validate.js';
import { checkKeeps, checkSameLength, checkValues, keepAt } from './check.js';
import { forEachGateConfiguration } from './enumerate.js';

export type UnitActivation = 'linear' | 'logistic' | { kind: 'logistic'; c?: number; lambda?: number };

export interface SingleUnit {
  weights: ArrayLike<number>;
  inputs: ArrayLike<number>;
  /** p_i = P(δ_i = 1): one number for all inputs or one per input. */
  keeps: number | ArrayLike<number>;
  target: number;
  /** Never dropped. Default 0. */
  bias?: number;
  /** Default 'linear' (squared error); 'logistic' uses the relative entropy. */
  activation?: UnitActivation;
}

interface Unit {
  w: ArrayLike<number>;
  I: ArrayLike<number>;
  p: number | ArrayLike<number>;
  t: number;
  b: number;
  logistic: boolean;
  c: number;
  lambda: number;
}

function checkUnit(where: string, u: unknown): Unit {
  const o = checkOptions<SingleUnit>(where, 'unit', u, ['weights', 'inputs', 'keeps', 'target', 'bias', 'activation']);
  if (u === undefined) throw new InvalidArgumentError(`${where}: unit must be an object, got undefined`);
  const w = checkValues(where, o.weights, -Infinity, Infinity, 'unit.weights');
  const I = checkSameLength(where, 'unit.inputs', o.inputs, w.length);
  const p = checkKeeps(where, o.keeps, w.length);
  const t = checkNumber(where, 'unit.target', o.target);
  const b = o.bias === undefined ? 0 : checkNumber(where, 'unit.bias', o.bias);
  const a = o.activation ?? 'linear';
  if (a === 'linear') return { w, I, p, t, b, logistic: false, c: 1, lambda: 1 };
  if (a === 'logistic') return { w, I, p, t, b, logistic: true, c: 1, lambda: 1 };
  if (isPlainObject(a) && a.kind === 'logistic') {
    const ao = checkOptions<{ kind: string; c: number; lambda: number }>(where, 'unit.activation', a, ['kind', 'c', 'lambda']);
    const c = ao.c === undefined ? 1 : checkNumber(where, 'unit.activation.c', ao.c, 0, Infinity, { minExclusive: true });
    const lambda = ao.lambda === undefined ? 1 : checkNumber(where, 'unit.activation.lambda', ao.lambda);
    return { w, I, p, t, b, logistic: true, c, lambda };
  }
  throw new InvalidArgumentError(`${where}: unit.activation must be 'linear', 'logistic' or { kind: 'logistic', c, lambda }, got ${describe(a)}`);
}

function sigma(u: Unit, s: number): number {
  return 1 / (1 + u.c * Math.exp(-u.lambda * s));
}

/** S_ENS = b + Σ p_i w_i I_i (Eq. 23). */
function ensembleSum(u: Unit): number {
  let s = u.b;
  for (let i = 0; i < u.w.length; i++) s += keepAt(u.p, i) * u.w[i]! * u.I[i]!;
  return s;
}

/** ∂E/∂S at output O: −(t − O) for the linear unit, −λ(t − O) for the logistic one (Eq. 26, 29). */
function dErrorDSum(u: Unit, o: number): number {
  return u.logistic ? -u.lambda * (u.t - o) : -(u.t - o);
}

function error(u: Unit, o: number): number {
  if (!u.logistic) return 0.5 * (u.t - o) ** 2;
  return -(u.t * Math.log(o) + (1 - u.t) * Math.log1p(-o));
}

/** The ensemble's output: O_ENS = S_ENS (linear, Eq. 23) or σ(S_ENS) = NWGM (logistic, Eq. 5). */
export function ensembleOutput(unit: SingleUnit): number {
  const u = checkUnit('theory.ensembleOutput', unit);
  const s = ensembleSum(u);
  return u.logistic ? sigma(u, s) : s;
}

/** Eq. 23: the error of the ensemble, E_ENS = ½(t − O_ENS)² (linear) or the relative entropy at σ(S_ENS). */
export function ensembleError(unit: SingleUnit): number {
  const u = checkUnit('theory.ensembleError', unit);
  const s = ensembleSum(u);
  return error(u, u.logistic ? sigma(u, s) : s);
}

/**
 * Eq. 28: the regularized ensemble error of a linear unit, E_ENS + ½ Σ w_i² I_i² Var(δ_i), with
 * Var(δ_i) = p_i(1 − p_i). Its gradient is the expected dropout gradient exactly (Eq. 27).
 * Linear units only (for a logistic unit Eq. 30 is an approximation of the gradient, not of an error).
 */
export function regularizedEnsembleError(unit: SingleUnit): number {
  const u = checkUnit('theory.regularizedEnsembleError', unit);
  if (u.logistic) throw new InvalidArgumentError('theory.regularizedEnsembleError: unit.activation must be \'linear\' (Eq. 28 is exact for a linear unit only), got a logistic unit');
  const s = ensembleSum(u);
  let reg = 0;
  for (let i = 0; i < u.w.length; i++) {
    const p = keepAt(u.p, i);
    reg += u.w[i]! ** 2 * u.I[i]! ** 2 * p * (1 - p);
  }
  return error(u, s) + 0.5 * reg;
}

/** Eq. 25: ∂E_ENS/∂w_i = −(t − O_ENS) p_i I_i (linear); −λ(t − σ(S_ENS)) p_i I_i (logistic). */
export function ensembleGradient(unit: SingleUnit): Float64Array {
  const u = checkUnit('theory.ensembleGradient', unit);
  return ensembleGradientOf(u);
}

function ensembleGradientOf(u: Unit): Float64Array {
  const s = ensembleSum(u);
  const g = dErrorDSum(u, u.logistic ? sigma(u, s) : s);
  const out = new Float64Array(u.w.length);
  for (let i = 0; i < out.length; i++) out[i] = g * keepAt(u.p, i) * u.I[i]!;
  return out;
}

/**
 * The exact expected dropout gradient E(∂E_D/∂w_i), enumerating every gate configuration
 * (Eq. 26 for the linear unit, Eq. 29 for the logistic one): Σ_configs P · ∂E/∂S · δ_i I_i.
 * At most 24 inputs with keep strictly between 0 and 1.
 */
export function expectedDropoutGradient(unit: SingleUnit): Float64Array {
  const where = 'theory.expectedDropoutGradient';
  const u = checkUnit(where, unit);
  const n = u.w.length;
  const out = new Float64Array(n);
  forEachGateConfiguration(where, n, u.p, (gates, prob) => {
    if (prob === 0) return;
    let s = u.b;
    for (let i = 0; i < n; i++) if (gates[i]) s += u.w[i]! * u.I[i]!;
    const g = dErrorDSum(u, u.logistic ? sigma(u, s) : s) * prob;
    for (let i = 0; i < n; i++) if (gates[i]) out[i] += g * u.I[i]!;
  });
  return out;
}

/**
 * Eq. 27, closed form for a linear unit: E(∂E_D/∂w_i) = ∂E_ENS/∂w_i + w_i I_i² Var(δ_i) — exact.
 * (The printed Eq. 27 carries a spurious middle term w_i p_i(1−p_i) I_i² ∂E_ENS/∂w_i; the correct
 * expectation, which is the gradient of Eq. 28, has only the two terms used here.)
 */
export function linearDropoutGradient(unit: SingleUnit): Float64Array {
  const u = checkUnit('theory.linearDropoutGradient', unit);
  if (u.logistic) throw new InvalidArgumentError('theory.linearDropoutGradient: unit.activation must be \'linear\', got a logistic unit (use sigmoidalDropoutGradient, Eq. 30)');
  const g = ensembleGradientOf(u);
  for (let i = 0; i < g.length; i++) {
    const p = keepAt(u.p, i);
    g[i] += u.w[i]! * u.I[i]! ** 2 * p * (1 - p);
  }
  return g;
}

/**
 * Eq. 30, a first-order approximation for a logistic unit:
 * E(∂E_D/∂w_i) ≈ ∂E_ENS/∂w_i + λ σ′(S_ENS) w_i I_i² Var(δ_i), with σ′ = dσ/dS = λσ(1 − σ).
 * Close when the spread of S is small (small weights); see test/theory-single-unit.test.ts.
 */
export function sigmoidalDropoutGradient(unit: SingleUnit): Float64Array {
  const u = checkUnit('theory.sigmoidalDropoutGradient', unit);
  if (!u.logistic) throw new InvalidArgumentError('theory.sigmoidalDropoutGradient: unit.activation must be logistic, got \'linear\' (use linearDropoutGradient, Eq. 27)');
  const o = sigma(u, ensembleSum(u));
  const dsigma = u.lambda * o * (1 - o);
  const g = ensembleGradientOf(u);
  for (let i = 0; i < g.length; i++) {
    const p = keepAt(u.p, i);
    g[i] += u.lambda * dsigma * u.w[i]! * u.I[i]! ** 2 * p * (1 - p);
  }
  return g;
}
