// propagateAsync(input, { method: 'covariance' }): moment propagation that carries each layer's
// covariance. The gates of layer l are shared by every unit of the layers above, so the inputs of
// an upper unit are correlated; on a trained network the independent sum of 'gaussian' misjudges
// Var(S) in the upper layers, and with it E(O) − f(E(S)).
//
// Per layer h, from the mean m and covariance C of the outputs O of each source layer l:
//   X = δ ⊙ O:  E X = p m;  Cov(X)_jj = p_j(C_jj + m_j²) − p_j² m_j²,  Cov(X)_jk = p_j p_k C_jk (j ≠ k),
//   E S = b + Σ_l W_hl E X_l,  Cov(S) = Σ_l W_hl Cov(X_l) W_hlᵀ  (native float64 product, cubic in width),
//   E(O_i), Var(O_i): S_i Gaussian, as 'gaussian';
//   Cov(O_i, O_j) ≈ c·E f′_i·E f′_j + (c²/2)·E f″_i·E f″_j with c = Cov(S_i, S_j) (i ≠ j),
// the first two terms of the Hermite expansion for jointly Gaussian S. Sources of one layer in
// different layers (skip connections) are taken as uncorrelated with each other. Under connection
// dropout (Eq. 3) two units of layer h draw their own gates on the same input, so Cov(S_i, S_k)
// for i ≠ k sees the gates' means only: Cov(S) = W (P C P) Wᵀ plus, on the diagonal,
// Σ_j w_ij² (Var(X_j) − p_j² C_jj).
import type { ResolvedSpec } from '../network/spec.js';
import { activationName, layerShapes } from '../network/description.js';
import { unitSlopes } from './gaussian-units.js';
import { gatedMoments, unitLayer, type PropagatedLayer, type PropagateResult } from './propagate.js';

/** The methods of net.propagateAsync. */
export const PROPAGATE_METHODS = ['nwgm', 'gaussian', 'covariance'] as const;

export interface CovarianceEngine {
  weights(h: number, l: number): ArrayLike<number>;
  bias(h: number): ArrayLike<number>;
  /** W(h, l) · cov · W(h, l)ᵀ (units_h × units_h, row-major). */
  product(h: number, l: number, cov: Float64Array): Promise<Float64Array>;
}

/**
 * Cov(X) of the gated outputs of a layer whose outputs have mean m and covariance C (null: none);
 * with `shared` false (connection dropout) the diagonal is p_j² C_jj, and `extra` receives what
 * each input adds to the variance of a unit on top of it: Var(X_j) − p_j² C_jj.
 */
function gatedCovariance(p: ArrayLike<number>, m: Float64Array, C: Float64Array | null, shared: boolean, extra: Float64Array): Float64Array {
  const n = m.length;
  const X = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const row = j * n;
    const pj = p[j]!;
    if (C) for (let k = 0; k < n; k++) X[row + k] = pj * p[k]! * C[row + k]!;
    const em = pj * m[j]!;
    const v = pj * ((C ? C[row + j]! : 0) + m[j]! * m[j]!) - em * em;
    if (shared) X[row + j] = v;
    else extra[j] = v - X[row + j]!;
  }
  return X;
}

export async function propagateCovariance(spec: ResolvedSpec, x: Float32Array, engine: CovarianceEngine): Promise<PropagateResult> {
  const shapes = layerShapes(spec, 'engine');
  const means: Float64Array[] = [Float64Array.from(x)];
  const covs: Array<Float64Array | null> = [null];
  const layers: PropagatedLayer[] = [];
  const top = spec.layers.length;
  const shared = spec.dropout !== 'connections';
  for (let h = 1; h <= top; h++) {
    const layer = spec.layers[h - 1]!;
    const n = layer.units;
    const mS = Float64Array.from(engine.bias(h));
    const CS = new Float64Array(n * n);
    for (const l of layer.from) {
      const p = shapes[l]!.keeps;
      const W = engine.weights(h, l);
      const EX = gatedMoments(p, means[l]!, new Float64Array(means[l]!.length)).mean;
      const nl = EX.length;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < nl; j++) s += W[i * nl + j]! * EX[j]!;
        mS[i] += s;
      }
      const extra = new Float64Array(nl);
      const part = await engine.product(h, l, gatedCovariance(p, means[l]!, covs[l]!, shared, extra));
      for (let k = 0; k < CS.length; k++) CS[k] += part[k]!;
      if (!shared) {
        for (let i = 0; i < n; i++) {
          let q = 0;
          for (let j = 0; j < nl; j++) q += W[i * nl + j]! * W[i * nl + j]! * extra[j]!;
          CS[i * n + i] += q;
        }
      }
    }
    const vS = new Float64Array(n);
    for (let i = 0; i < n; i++) vS[i] = Math.max(CS[i * n + i]!, 0);
    const u = unitLayer(layer.activation, mS, vS);
    means.push(u.mean);
    covs.push(h < top ? outputCovariance(activationName(layer.activation), layer.activation, mS, vS, CS, u.variance) : null);
    layers.push({ index: h, mean: u.mean, variance: u.variance, meanS: mS, varianceS: vS, gap: u.gap });
  }
  return { method: 'covariance', layers };
}

/** Cov(O) from Cov(S): Var(O) on the diagonal, the two-term Hermite expansion off it. */
function outputCovariance(kind: string, activation: ResolvedSpec['layers'][number]['activation'], mS: Float64Array, vS: Float64Array, CS: Float64Array, varO: Float64Array): Float64Array {
  const n = mS.length;
  const d1 = new Float64Array(n);
  const d2 = new Float64Array(n);
  for (let i = 0; i < n; i++) [d1[i], d2[i]] = unitSlopes(kind, activation, mS[i]!, vS[i]!);
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) {
      const c = CS[row + j]!;
      C[row + j] = c * d1[i]! * d1[j]! + 0.5 * c * c * d2[i]! * d2[j]!;
    }
    C[row + i] = varO[i]!;
  }
  return C;
}
