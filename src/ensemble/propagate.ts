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
import { softmaxMoments, unitMoments } from './gaussian-units.js';

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
