// Eq. 31's rows read from the trained network: the weights W(h, h − 1), the keeps of layer h − 1
// and the per-input columns of the fixed inputs, handed to the pure functions of eq31.ts.
import type { Network, ResolvedLayer } from 'dropout-ensemble';
import type { LayerColumns } from './analysis.js';
import { keepHalfLayer, sparseConsistencyLayer, type LayerWeights } from './eq31.js';
import type { KeepHalfLayer, SparseConsistencyLayer } from './results.js';

function weightsOf(net: Network, h: number): LayerWeights {
  const s = net.spec;
  return { weights: net.getWeights(h, h - 1), rows: s.layers[h - 1]!.units, cols: h === 1 ? s.inputs : s.layers[h - 2]!.units };
}

/** c and λ of a logistic layer; null for any other activation (the Gaussian prediction is for logistic units). */
function logisticOf(layer: ResolvedLayer): { c: number; lambda: number } | null {
  const a = layer.activation;
  if (a === 'logistic') return { c: 1, lambda: 1 };
  return typeof a === 'object' && a.kind === 'logistic' ? { c: a.c, lambda: a.lambda } : null;
}

/**
 * The sparse-code comparison for every logistic hidden layer h ≥ 2. `perInput[k][h − 1]` holds
 * the columns of paper layer h at fixed input k.
 */
export function sparseConsistencyRows(net: Network, perInput: LayerColumns[][]): SparseConsistencyLayer[] {
  const hidden = net.spec.layers.length - 1;
  const out: SparseConsistencyLayer[] = [];
  for (let h = 2; h <= hidden; h++) {
    const unit = logisticOf(net.spec.layers[h - 1]!);
    if (!unit) continue;
    const inputs = perInput.map((p) => ({ below: p[h - 2]!.deterministic, meanS: p[h - 1]!.meanS, deterministic: p[h - 1]!.deterministic }));
    out.push(sparseConsistencyLayer(h, weightsOf(net, h), net.spec.layers[h - 2]!.keep!, inputs, unit));
  }
  return out;
}

/** Var(S) against the keep of the layer below for every hidden layer: input pixels below layer 1, O* above. */
export function keepHalfRows(net: Network, perInput: LayerColumns[][], pixels: ArrayLike<number>[]): KeepHalfLayer[] {
  const hidden = net.spec.layers.length - 1;
  const out: KeepHalfLayer[] = [];
  for (let h = 1; h <= hidden; h++) {
    const activities = h === 1 ? pixels : perInput.map((p) => p[h - 2]!.deterministic);
    out.push(keepHalfLayer(h, weightsOf(net, h), activities));
  }
  return out;
}
