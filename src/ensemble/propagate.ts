// Estimators of the ensemble without sampling (net.propagate).
//  'nwgm'     — Eqs. 11–13: E(S^h) = b + Σ_l W_hl (p_l ⊙ E(O^l)), E(O^h) ≈ NWGM = f(E(S^h)).
//               For logistic units this is the weight-scaled network O* (Eq. 12); linear units are
//               exact (Eq. 4); softmax uses the normalized exponential; relu/tanh the same plug-in.
//  'gaussian' — moment propagation: the mean and variance of S under the gates (Eq. 31
//               generalised: inputs' own variances included, inputs treated as independent), then
//               E(O) and Var(O) for a Gaussian S (fast dropout, Wang & Manning 2013): Gauss–Hermite
//               quadrature for logistic and tanh, closed forms for linear and ReLU, and for softmax
//               the unscented transform over independent Gaussian S_j (2k+1 points).
import { checkEnum, checkFloat32, checkOptions } from '../validate.js';
import type { Activation, ResolvedSpec } from '../network/spec.js';
import type { NetworkLike } from '../network/description.js';
import { activationName, layerShapes } from '../network/description.js';
import { softmax } from '../theory/means.js';
import { gaussianMoments } from './quadrature.js';

export type PropagateMethod = 'nwgm' | 'gaussian';

export interface PropagatedLayer {
  index: number;
  /** Estimate of E(O). */
  mean: Float64Array;
  /** Estimate of Var(O) ('gaussian' only). */
  variance?: Float64Array;
  /** E(S) (exact for the first layer; built on the estimates above it). */
  meanS: Float64Array;
  /** Var(S) ('gaussian' only). */
  varianceS?: Float64Array;
}

export interface PropagateResult {
  method: PropagateMethod;
  layers: PropagatedLayer[];
}

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
function unitMoments(kind: string, a: Activation, mu: number, v: number): [number, number] {
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
function softmaxMoments(mu: Float64Array, v: Float64Array): [Float64Array, Float64Array] {
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

/** The validated arguments of net.propagate. */
export function propagateRequest(where: string, spec: ResolvedSpec, input: unknown, options: unknown): { input: Float32Array; method: PropagateMethod } {
  const x = checkFloat32(where, 'input', input, spec.inputs);
  const o = checkOptions<{ method: PropagateMethod }>(where, 'options', options, ['method']);
  const method = o.method === undefined ? 'nwgm' : checkEnum(where, 'options.method', o.method, ['nwgm', 'gaussian'] as const);
  return { input: x, method };
}

/**
 * net.propagate(input, { method }): per-layer estimates without sampling, from the weights of
 * `net` (an idle network: its weights must not change while this runs) and its description `spec`.
 */
export function propagate(net: NetworkLike, spec: ResolvedSpec, x: Float32Array, method: PropagateMethod): PropagateResult {
  const shapes = layerShapes(spec, 'engine');
  const gaussian = method === 'gaussian';
  const means: Float64Array[] = [Float64Array.from(x)];
  const vars: Float64Array[] = [new Float64Array(spec.inputs)];
  const layers: PropagatedLayer[] = [];
  spec.layers.forEach((layer, k) => {
    const h = k + 1;
    const n = layer.units;
    const mS = Float64Array.from(net.getBias(h));
    const vS = new Float64Array(n);
    for (const l of layer.from) {
      const W = net.getWeights(h, l);
      const p = shapes[l]!.keeps;
      const m = means[l]!;
      const v = vars[l]!;
      const nl = m.length;
      // X_j = δ_j O_j: E X = p m, Var X = p(v + m²) − p² m² (gate independent of O_j).
      const ex = new Float64Array(nl);
      const vx = new Float64Array(nl);
      for (let j = 0; j < nl; j++) {
        ex[j] = p[j]! * m[j]!;
        vx[j] = p[j]! * (v[j]! + m[j]! * m[j]!) - ex[j]! * ex[j]!;
      }
      for (let i = 0; i < n; i++) {
        let s = 0;
        let q = 0;
        for (let j = 0; j < nl; j++) {
          const w = W[i * nl + j]!;
          s += w * ex[j]!;
          q += w * w * vx[j]!;
        }
        mS[i] += s;
        vS[i] += q;
      }
    }
    const kind = activationName(layer.activation);
    const mean = new Float64Array(n);
    const variance = new Float64Array(n);
    if (kind === 'softmax') {
      if (gaussian) {
        const [m, v] = softmaxMoments(mS, vS);
        mean.set(m);
        variance.set(v);
      } else mean.set(softmax(mS));
    } else {
      for (let i = 0; i < n; i++) {
        if (gaussian) [mean[i], variance[i]] = unitMoments(kind, layer.activation, mS[i]!, vS[i]!);
        else mean[i] = unitMoments(kind, layer.activation, mS[i]!, 0)[0];
      }
    }
    means.push(mean);
    vars.push(gaussian ? variance : new Float64Array(n)); // 'nwgm' propagates expectations only (Eq. 13)
    layers.push(gaussian ? { index: h, mean, variance, meanS: mS, varianceS: vS } : { index: h, mean, meanS: mS });
  });
  return { method, layers };
}
