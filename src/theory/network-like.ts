// The part of the Network API (issue 3) that the theory functions read: the description and the
// weights. Any object with this shape works, so the theory stays independent of the native addon.
import { InvalidArgumentError } from '../errors.js';
import { describe, isPlainObject } from '../validate.js';

export type ActivationSpec = string | { kind: string; c?: number; lambda?: number };

export interface LayerSpecLike {
  units: number;
  activation?: ActivationSpec;
  keep?: number | ArrayLike<number>;
  from?: readonly number[];
}

export interface NetworkSpecLike {
  inputs: number;
  inputKeep?: number | ArrayLike<number>;
  dropout?: 'units' | 'connections';
  layers: readonly LayerSpecLike[];
}

export interface NetworkLike {
  readonly spec: NetworkSpecLike;
  /** Row-major [units_h × units_l]. */
  getWeights(h: number, l: number): ArrayLike<number>;
  getBias(h: number): ArrayLike<number>;
}

/** Per paper layer h = 0..L: units, keep of each unit (as seen by the layers above), and sources. */
export interface LayerShape {
  units: number;
  keeps: Float64Array;
  from: number[];
  activation: ActivationSpec;
}

export function layerShapes(where: string, net: unknown): LayerShape[] {
  const n = net as NetworkLike | undefined;
  if (!n || typeof n !== 'object' || !isPlainObject(n.spec) || typeof n.getWeights !== 'function' || typeof n.getBias !== 'function') {
    throw new InvalidArgumentError(`${where}: net must be a Network (an object with spec, getWeights and getBias), got ${describe(net)}`);
  }
  const spec = n.spec;
  const keepsOf = (units: number, keep: number | ArrayLike<number> | undefined): Float64Array => {
    const k = new Float64Array(units);
    for (let j = 0; j < units; j++) k[j] = keep === undefined ? 1 : typeof keep === 'number' ? keep : keep[j]!;
    return k;
  };
  const shapes: LayerShape[] = [{ units: spec.inputs, keeps: keepsOf(spec.inputs, spec.inputKeep), from: [], activation: 'linear' }];
  spec.layers.forEach((layer, k) => {
    const h = k + 1;
    const top = h === spec.layers.length;
    shapes.push({
      units: layer.units,
      keeps: keepsOf(layer.units, top ? undefined : layer.keep),
      from: layer.from ? [...layer.from] : [h - 1],
      activation: layer.activation ?? 'logistic',
    });
  });
  return shapes;
}

export function activationKind(a: ActivationSpec): string {
  return typeof a === 'string' ? a : a.kind;
}
