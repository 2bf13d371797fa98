// Units whose input S is Gaussian: E(O) and Var(O) for S ~ N(μ, σ²) — Gauss–Hermite quadrature for
// logistic and tanh units, closed forms for linear and ReLU, and for a softmax layer the unscented
// transform over independent Gaussian S_j. Used by propagate('gaussian') and by the Gaussian-S
// estimate of E − NWGM in ensembleStats.
import type { Activation } from '../network/spec.js';
import { softmax } from '../theory/means.js';
import { gaussianMoments } from './quadrature.js';

function logisticParams(a: Activation): { c: number; lambda: number } {
  return typeof a === 'string' ? { c: 1, lambda: 1 } : { c: a.c, lambda: a.lambda };
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

const normPdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
// Φ by the complementary error function (Numerical Recipes erfcc, |error| < 1.2e-7).
function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - 0.5 * r : 0.5 * r;
}

/** E(O), Var(O) of one unit whose S ~ N(mu, var). */
export function unitMoments(kind: string, a: Activation, mu: number, v: number): [number, number] {
  const sd = Math.sqrt(Math.max(v, 0));
  switch (kind) {
    case 'linear':
      return [mu, v];
    case 'relu': {
      if (sd === 0) return [Math.max(mu, 0), 0];
      const r = mu / sd;
      const Phi = normCdf(r);
      const phi = normPdf(r);
      const m1 = mu * Phi + sd * phi;
      const m2 = (mu * mu + v) * Phi + mu * sd * phi;
      return [m1, Math.max(m2 - m1 * m1, 0)];
    }
    case 'tanh': {
      const g = gaussianMoments(Math.tanh, mu, sd);
      return [g.mean, Math.max(g.second - g.mean * g.mean, 0)];
    }
    default: {
      const { c, lambda } = logisticParams(a);
      const lnC = Math.log(c);
      const g = gaussianMoments((s) => sigmoid(lambda * s - lnC), mu, sd);
      return [g.mean, Math.max(g.second - g.mean * g.mean, 0)];
    }
  }
}

/** Softmax of independent Gaussian S_j by the unscented transform (2k+1 sigma points, κ = 1). */
export function softmaxMoments(mu: Float64Array, v: Float64Array): [Float64Array, Float64Array] {
  const k = mu.length;
  const kappa = 1;
  const spread = Math.sqrt(k + kappa);
  const mean = new Float64Array(k);
  const second = new Float64Array(k);
  const add = (s: Float64Array, weight: number) => {
    const o = softmax(s);
    for (let i = 0; i < k; i++) {
      mean[i] += weight * o[i]!;
      second[i] += weight * o[i]! * o[i]!;
    }
  };
  add(mu, kappa / (k + kappa));
  const point = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    for (const sign of [1, -1]) {
      point.set(mu);
      point[j] += sign * spread * Math.sqrt(Math.max(v[j]!, 0));
      add(point, 1 / (2 * (k + kappa)));
    }
  }
  const variance = new Float64Array(k);
  for (let i = 0; i < k; i++) variance[i] = Math.max(second[i]! - mean[i]! * mean[i]!, 0);
  return [mean, variance];
}

/**
 * E f′(S) and E f″(S) of one unit whose S ~ N(mu, var): the first two terms of the covariance of two
 * units with jointly Gaussian inputs, Cov(f(S_i), f(S_j)) = c·E f′_i·E f′_j + (c²/2)·E f″_i·E f″_j + …
 * with c = Cov(S_i, S_j) (the Hermite expansion of a bivariate Gaussian).
 */
export function unitSlopes(kind: string, a: Activation, mu: number, v: number): [number, number] {
  const sd = Math.sqrt(Math.max(v, 0));
  switch (kind) {
    case 'linear':
      return [1, 0];
    case 'relu': {
      if (sd === 0) return [mu > 0 ? 1 : 0, 0];
      const r = mu / sd;
      return [normCdf(r), normPdf(r) / sd];
    }
    case 'tanh': {
      const g1 = gaussianMoments((s) => 1 - Math.tanh(s) ** 2, mu, sd).mean;
      const g2 = gaussianMoments((s) => { const t = Math.tanh(s); return -2 * t * (1 - t * t); }, mu, sd).mean;
      return [g1, g2];
    }
    default: {
      const { c, lambda } = logisticParams(a);
      const lnC = Math.log(c);
      const g1 = gaussianMoments((s) => { const f = sigmoid(lambda * s - lnC); return lambda * f * (1 - f); }, mu, sd).mean;
      const g2 = gaussianMoments((s) => { const f = sigmoid(lambda * s - lnC); return lambda * lambda * f * (1 - f) * (1 - 2 * f); }, mu, sd).mean;
      return [g1, g2];
    }
  }
}
