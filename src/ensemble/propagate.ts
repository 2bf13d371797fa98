// Estimators of the ensemble without sampling (net.propagate, net.propagateAsync).
//  'nwgm'       — Eqs. 11–13: E(S^h) = b + Σ_l W_hl (p_l ⊙ E(O^l)), E(O^h) ≈ NWGM = f(E(S^h)).
//                 For logistic units this is the weight-scaled network O* (Eq. 12); linear units are
//                 exact (Eq. 4); softmax uses the normalized exponential; relu/tanh the same plug-in.
//  'gaussian'   — moment propagation: the mean and variance of S under the gates (Eq. 31
//                 generalised: inputs' own variances included, inputs treated as independent), then
//                 E(O) and Var(O) for a Gaussian S (fast dropout, Wang & Manning 2013): Gauss–Hermite
//                 quadrature for logistic and tanh, closed forms for linear and ReLU, and for softmax
//                 the unscented transform over independent Gaussian S_j (2k+1 points).
//  'covariance' — as 'gaussian', but each layer's outputs carry their covariance up the network
//                 (propagate-covariance.ts): the gates of a layer are shared by every unit above it,
//                 so the inputs of an upper unit are correlated, and Var(S) summed as if they were
//                 not is wrong in the upper layers of a trained network.
// Every method also gives `gap`, its estimate of E − NWGM: for logistic and softmax units
// NWGM = f(E(S)) exactly (Eq. 5–7), so the estimate is E(O) − f(E(S)) with both from the method.
import { checkEnum, checkFloat32, checkOptions } from '../validate.js';
import { checkAbortSignal } from '../signal.js';
import type { Activation, ResolvedSpec } from '../network/spec.js';
import type { NetworkLike } from '../network/description.js';
import { activationName, layerShapes } from '../network/description.js';
import { softmax } from '../theory/means.js';
import { softmaxMoments, unitMoments } from './gaussian-units.js';

export type PropagateMethod = 'nwgm' | 'gaussian' | 'covariance';

export interface PropagatedLayer {
  index: number;
  /** Estimate of E(O). */
  mean: Float64Array;
  /** Estimate of Var(O) ('gaussian' and 'covariance'). */
  variance?: Float64Array;
  /** E(S) (exact for the first layer; built on the estimates above it). */
  meanS: Float64Array;
  /** Var(S) ('gaussian' and 'covariance'). */
  varianceS?: Float64Array;
  /**
   * The method's estimate of E − NWGM: E(O) − f(E(S)) (0 for 'nwgm', whose E(O) is the NWGM).
   * NaN for linear, ReLU and tanh units, which have no NWGM.
   */
  gap: Float64Array;
}

export interface PropagateResult {
  method: PropagateMethod;
  layers: PropagatedLayer[];
}

/** The validated arguments of net.propagate (sync: 'nwgm', 'gaussian') or net.propagateAsync (every method). */
export function propagateRequest(
  where: string,
  spec: ResolvedSpec,
  input: unknown,
  options: unknown,
  methods: readonly PropagateMethod[] = ['nwgm', 'gaussian'],
): { input: Float32Array; method: PropagateMethod; signal?: AbortSignal } {
  const x = checkFloat32(where, 'input', input, spec.inputs);
  const o = checkOptions<{ method: PropagateMethod; signal: AbortSignal }>(where, 'options', options, methods.includes('covariance') ? ['method', 'signal'] : ['method']);
  const method = o.method === undefined ? 'nwgm' : checkEnum(where, 'options.method', o.method, methods);
  return { input: x, method, ...(o.signal === undefined ? {} : { signal: checkAbortSignal(where, 'options.signal', o.signal) }) };
}

/** The gated inputs X_j = δ_j O_j of one source layer: E X = p m, Var X = p(v + m²) − p² m² (gate independent of O_j). */
export function gatedMoments(p: ArrayLike<number>, m: Float64Array, v: Float64Array): { mean: Float64Array; variance: Float64Array } {
  const n = m.length;
  const mean = new Float64Array(n);
  const variance = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    mean[j] = p[j]! * m[j]!;
    variance[j] = p[j]! * (v[j]! + m[j]! * m[j]!) - mean[j]! * mean[j]!;
  }
  return { mean, variance };
}

/** E(O), Var(O) and the gap estimate of a layer whose S_i ~ N(mS_i, vS_i) (vS null: 'nwgm', S at its mean). */
export function unitLayer(activation: Activation, mS: Float64Array, vS: Float64Array | null): { mean: Float64Array; variance: Float64Array; gap: Float64Array } {
  const kind = activationName(activation);
  const n = mS.length;
  const mean = new Float64Array(n);
  const variance = new Float64Array(n);
  const gap = new Float64Array(n);
  if (kind === 'softmax') {
    const atMean = softmax(mS);
    if (vS) {
      const [m, v] = softmaxMoments(mS, vS);
      mean.set(m);
      variance.set(v);
    } else mean.set(atMean);
    for (let i = 0; i < n; i++) gap[i] = mean[i]! - atMean[i]!;
    return { mean, variance, gap };
  }
  const hasNwgm = kind === 'logistic';
  for (let i = 0; i < n; i++) {
    const atMean = unitMoments(kind, activation, mS[i]!, 0)[0];
    if (vS) [mean[i], variance[i]] = unitMoments(kind, activation, mS[i]!, vS[i]!);
    else mean[i] = atMean;
    gap[i] = hasNwgm ? mean[i]! - atMean : NaN;
  }
  return { mean, variance, gap };
}

/**
 * net.propagate(input, { method: 'nwgm' | 'gaussian' }): per-layer estimates without sampling, from
 * the weights of `net` (an idle network: its weights must not change while this runs) and its
 * description `spec`.
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
      const X = gatedMoments(shapes[l]!.keeps, means[l]!, vars[l]!);
      const nl = X.mean.length;
      for (let i = 0; i < n; i++) {
        let s = 0;
        let q = 0;
        for (let j = 0; j < nl; j++) {
          const w = W[i * nl + j]!;
          s += w * X.mean[j]!;
          q += w * w * X.variance[j]!;
        }
        mS[i] += s;
        vS[i] += q;
      }
    }
    const u = unitLayer(layer.activation, mS, gaussian ? vS : null);
    means.push(u.mean);
    vars.push(gaussian ? u.variance : new Float64Array(n)); // 'nwgm' propagates expectations only (Eq. 13)
    layers.push(gaussian ? { index: h, mean: u.mean, variance: u.variance, meanS: mS, varianceS: vS, gap: u.gap } : { index: h, mean: u.mean, meanS: mS, gap: u.gap });
  });
  return { method, layers };
}
