// Eq. 4: the ensemble average of a linear network is the weight-scaled forward pass.
import { InvalidArgumentError } from '../errors.js';
import { checkValues } from './check.js';
import { activationName, layerShapes, specOf } from '../network/description.js';
import type { NetworkLike } from '../network/description.js';

/**
 * Eq. 4: E(S_i^h) = b_i^h + Σ_{l<h} Σ_j w_ij^{hl} p_j^l E(S_j^l), with E(S^0) = I, computed in
 * float64. Exact for a network of linear units under unit or connection dropout (the expectation
 * of a connection gate is its source unit's keep in both modes), with skip connections (`from`)
 * and per-unit keeps. Returns one Float64Array per entry of spec.layers (index k is paper layer
 * h = k + 1). Every layer must be linear; for other units use the recursion of Eqs. 11–13.
 */
export function linearExpectation(net: NetworkLike, input: Float32Array | Float64Array | ArrayLike<number>): Float64Array[] {
  const where = 'theory.linearExpectation';
  const shapes = layerShapes(specOf(where, net), 'exact');
  const x = checkValues(where, input, -Infinity, Infinity, 'input'); // finite numbers, read once
  if (x.length !== shapes[0]!.units) throw new InvalidArgumentError(`${where}: input must have length ${shapes[0]!.units}, got ${x.length}`);
  const expect: Float64Array[] = [Float64Array.from(x)];
  for (let h = 1; h < shapes.length; h++) {
    const shape = shapes[h]!;
    if (activationName(shape.activation) !== 'linear') {
      throw new InvalidArgumentError(`${where}: layer ${h} must be linear (Eq. 4 holds for linear units), got ${JSON.stringify(shape.activation)}`);
    }
    const out = Float64Array.from(net.getBias(h));
    for (const l of shape.from) {
      const w = net.getWeights(h, l);
      const src = expect[l]!;
      const keeps = shapes[l]!.keeps;
      const nl = shapes[l]!.units;
      for (let i = 0; i < shape.units; i++) {
        let s = 0;
        for (let j = 0; j < nl; j++) s += w[i * nl + j]! * keeps[j]! * src[j]!;
        out[i] += s;
      }
    }
    expect.push(out);
  }
  return expect.slice(1);
}
