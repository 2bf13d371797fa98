// The one description of a network that the ensemble estimators and the theory functions read:
// its layer sizes, keeps, sources and activations, and its weights and biases. A Network is one;
// so is any plain object of this shape, which keeps the theory independent of the native addon.
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

/** Paper layer h = 0..L: its units, the keep of each unit (as seen by the layers above), its sources and activation. */
export interface LayerShape {
  units: number;
  keeps: Float64Array;
  from: number[];
  activation: ActivationSpec;
}

/**
 * How a keep given as a number is read. The engine stores keeps in float32, so estimates of what
 * the engine computes read them as float32 ('engine'); the theory functions take the description
 * at its word ('exact').
 */
export type KeepPrecision = 'engine' | 'exact';

export function activationName(a: ActivationSpec): string {
  return typeof a === 'string' ? a : a.kind;
}

/** The keep of every unit of a layer with `units` units, in float64. */
export function keepsOf(units: number, keep: number | ArrayLike<number> | undefined, precision: KeepPrecision): Float64Array {
  const out = new Float64Array(units);
  const scalar = typeof keep === 'number' ? (precision === 'engine' ? Math.fround(keep) : keep) : undefined;
  for (let j = 0; j < units; j++) out[j] = keep === undefined ? 1 : scalar !== undefined ? scalar : (keep as ArrayLike<number>)[j]!;
  return out;
}

/**
 * Checks that `net` has the shape of a NetworkLike and returns its description, read once (a
 * wrong argument is a typed error, not a TypeError deep inside an estimator).
 */
export function specOf(where: string, net: unknown): NetworkSpecLike {
  const n = net as NetworkLike | undefined;
  const spec = n && typeof n === 'object' ? n.spec : undefined;
  if (!n || !isPlainObject(spec) || typeof n.getWeights !== 'function' || typeof n.getBias !== 'function') {
    throw new InvalidArgumentError(`${where}: net must be a Network (an object with spec, getWeights and getBias), got ${describe(net)}`);
  }
  return spec as unknown as NetworkSpecLike;
}

/** The shape of every paper layer h = 0..L (h = 0 is the input). */
export function layerShapes(spec: NetworkSpecLike, precision: KeepPrecision): LayerShape[] {
  const shapes: LayerShape[] = [{ units: spec.inputs, keeps: keepsOf(spec.inputs, spec.inputKeep, precision), from: [], activation: 'linear' }];
  spec.layers.forEach((layer, k) => {
    const h = k + 1;
    const top = h === spec.layers.length;
    shapes.push({
      units: layer.units,
      keeps: keepsOf(layer.units, top ? undefined : layer.keep, precision),
      from: layer.from ? [...layer.from] : [h - 1],
      activation: layer.activation ?? 'logistic',
    });
  });
  return shapes;
}
