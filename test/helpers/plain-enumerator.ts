// A deliberately plain float64 reference for exactEnsemble: every gate configuration of a small
// network enumerated with ordinary loops, every unit's output of every subnetwork computed in
// float64 from the stored weights (float32 values, promoted) and the description's keeps and
// activations as written, then E(O), Var(O) (two passes: about the exact mean), E(S), Var(S), and
// the geometric means G = Π O^P, G′ = Π (1 − O)^P. It shares no code with the engine, so an
// agreement to rounding level means neither has a float32 step the other lacks.
import { layerShapes, type ActivationSpec, type NetworkLike } from '../../src/network/description.js';

export interface PlainLayer {
  mean: Float64Array;
  variance: Float64Array;
  meanS: Float64Array;
  varianceS: Float64Array;
  /** O*: the deterministic network with every W(h, l) scaled by keep_l (Eq. 4/13). */
  deterministic: Float64Array;
  /** G and G′; NaN for units whose output is not a probability (linear, relu, tanh). */
  geometricMean: Float64Array;
  complementGeometricMean: Float64Array;
}

export interface PlainEnsemble {
  gates: number;
  /** Paper layers 1..L, index h − 1. */
  layers: PlainLayer[];
}

/** One enumerated gate: unit j of layer l (unit dropout), or the connection o ← j of W(h, l). */
interface Gate { keep: number; l: number; j: number; h: number; o: number }

/** O = f(S) for a layer's row, and log O, log(1 − O) where they mean something. */
function activate(a: ActivationSpec, S: Float64Array, O: Float64Array, logO: Float64Array, log1mO: Float64Array): void {
  const kind = typeof a === 'string' ? a : a.kind;
  const n = S.length;
  if (kind === 'logistic') {
    const c = typeof a === 'string' ? 1 : a.c ?? 1;
    const lambda = typeof a === 'string' ? 1 : a.lambda ?? 1;
    for (let i = 0; i < n; i++) {
      // O = 1/(1 + c·e^(−λS)); with t = c·e^(−λS): log O = −log(1 + t), log(1 − O) = log t − log(1 + t).
      const t = c * Math.exp(-lambda * S[i]!);
      O[i] = 1 / (1 + t);
      logO[i] = -Math.log1p(t);
      log1mO[i] = Math.log(c) - lambda * S[i]! - Math.log1p(t);
    }
  } else if (kind === 'softmax') {
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, S[i]!);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.exp(S[i]! - max);
    for (let i = 0; i < n; i++) {
      logO[i] = S[i]! - max - Math.log(sum);
      O[i] = Math.exp(S[i]! - max) / sum;
      log1mO[i] = Math.log1p(-O[i]!);
    }
  } else {
    for (let i = 0; i < n; i++) {
      O[i] = kind === 'linear' ? S[i]! : kind === 'tanh' ? Math.tanh(S[i]!) : Math.max(0, S[i]!);
      logO[i] = NaN;
      log1mO[i] = NaN;
    }
  }
}

/**
 * The exact ensemble of `net` at `input` by enumerating all 2^gates subnetworks. Keeps are read
 * as the description holds them (a keep of 0.8 is the double 0.8); gates with keep 0 or 1 are
 * fixed. Unit dropout (Eq. 2/9) or connection dropout (Eq. 3), skip connections included.
 */
export function plainEnumerate(net: NetworkLike, input: ArrayLike<number>): PlainEnsemble {
  const spec = net.spec;
  const shapes = layerShapes(spec, 'exact');
  const L = shapes.length - 1;
  const connections = spec.dropout === 'connections';

  const W: Float64Array[][] = shapes.map(() => []); // W[h][l], row-major [units_h × units_l]
  const b: Float64Array[] = [new Float64Array(0)];
  for (let h = 1; h <= L; h++) {
    for (const l of shapes[h]!.from) W[h]![l] = Float64Array.from(net.getWeights(h, l));
    b.push(Float64Array.from(net.getBias(h)));
  }

  // Gate values: unit[l][j], or conn[h][l][o·units_l + j]; fixed gates set once, enumerated ones per configuration.
  const unit = shapes.map((s) => Float64Array.from(s.keeps, (k) => (k > 0 ? 1 : 0)));
  const conn: Float64Array[][] = shapes.map(() => []);
  const gates: Gate[] = [];
  if (connections) {
    for (let h = 1; h <= L; h++) {
      for (const l of shapes[h]!.from) {
        const m = shapes[l]!.units;
        conn[h]![l] = new Float64Array(shapes[h]!.units * m);
        for (let o = 0; o < shapes[h]!.units; o++) {
          for (let j = 0; j < m; j++) {
            const k = shapes[l]!.keeps[j]!;
            conn[h]![l]![o * m + j] = k > 0 ? 1 : 0;
            if (k > 0 && k < 1) gates.push({ keep: k, l, j, h, o });
          }
        }
      }
    }
  } else {
    for (let l = 0; l < L; l++) {
      for (let j = 0; j < shapes[l]!.units; j++) {
        const k = shapes[l]!.keeps[j]!;
        if (k > 0 && k < 1) gates.push({ keep: k, l, j, h: -1, o: -1 });
      }
    }
  }

  const configs = 2 ** gates.length;
  const units = shapes.map((s) => s.units);
  // Every configuration's probability and every unit's S, O, log O, log(1 − O), kept for the second pass.
  const P = new Float64Array(configs);
  const allS = units.map((n) => new Float64Array(configs * n));
  const allO = units.map((n) => new Float64Array(configs * n));
  const allLogO = units.map((n) => new Float64Array(configs * n));
  const allLog1mO = units.map((n) => new Float64Array(configs * n));

  const O = units.map((n) => new Float64Array(n));
  const S = units.map((n) => new Float64Array(n));
  const logO = units.map((n) => new Float64Array(n));
  const log1mO = units.map((n) => new Float64Array(n));
  for (let j = 0; j < units[0]!; j++) O[0]![j] = input[j]!;

  // One forward pass; gate(h, l, o, j) multiplies the weight of o ← j in W(h, l).
  const forward = (gate: (h: number, l: number, o: number, j: number) => number) => {
    for (let h = 1; h <= L; h++) {
      for (let o = 0; o < units[h]!; o++) {
        let s = b[h]![o]!;
        for (const l of shapes[h]!.from) {
          const ml = units[l]!;
          for (let j = 0; j < ml; j++) s += W[h]![l]![o * ml + j]! * gate(h, l, o, j) * O[l]![j]!;
        }
        S[h]![o] = s;
      }
      activate(shapes[h]!.activation, S[h]!, O[h]!, logO[h]!, log1mO[h]!);
    }
  };

  forward((_h, l, _o, j) => shapes[l]!.keeps[j]!);
  const deterministic = O.map((row) => Float64Array.from(row));

  const gateOf = (h: number, l: number, o: number, j: number) => (connections ? conn[h]![l]![o * units[l]! + j]! : unit[l]![j]!);
  for (let m = 0; m < configs; m++) {
    let p = 1;
    gates.forEach((g, bit) => {
      const on = Math.floor(m / 2 ** bit) % 2 === 1;
      p *= on ? g.keep : 1 - g.keep;
      if (connections) conn[g.h]![g.l]![g.o * units[g.l]! + g.j] = on ? 1 : 0;
      else unit[g.l]![g.j] = on ? 1 : 0;
    });
    P[m] = p;
    forward(gateOf);
    for (let h = 1; h <= L; h++) {
      allS[h]!.set(S[h]!, m * units[h]!);
      allO[h]!.set(O[h]!, m * units[h]!);
      allLogO[h]!.set(logO[h]!, m * units[h]!);
      allLog1mO[h]!.set(log1mO[h]!, m * units[h]!);
    }
  }

  const layers: PlainLayer[] = [];
  for (let h = 1; h <= L; h++) {
    const n = units[h]!;
    const expectation = (all: Float64Array, i: number) => {
      let e = 0;
      for (let m = 0; m < configs; m++) e += P[m]! * all[m * n + i]!;
      return e;
    };
    const central = (all: Float64Array, i: number, mean: number) => {
      let v = 0;
      for (let m = 0; m < configs; m++) v += P[m]! * (all[m * n + i]! - mean) ** 2;
      return v;
    };
    const layer: PlainLayer = {
      mean: new Float64Array(n), variance: new Float64Array(n), meanS: new Float64Array(n), varianceS: new Float64Array(n),
      deterministic: deterministic[h]!, geometricMean: new Float64Array(n), complementGeometricMean: new Float64Array(n),
    };
    for (let i = 0; i < n; i++) {
      layer.mean[i] = expectation(allO[h]!, i);
      layer.variance[i] = central(allO[h]!, i, layer.mean[i]!);
      layer.meanS[i] = expectation(allS[h]!, i);
      layer.varianceS[i] = central(allS[h]!, i, layer.meanS[i]!);
      layer.geometricMean[i] = Math.exp(expectation(allLogO[h]!, i));
      layer.complementGeometricMean[i] = Math.exp(expectation(allLog1mO[h]!, i));
    }
    layers.push(layer);
  }
  return { gates: gates.length, layers };
}
