// Claims rows for Eq. 31 on the trained network: sparse activity below raises the consistency of
// the layer above, and the keep p = 0.5 maximises Var(S).
import { finiteNumbers, num, pct } from './claim-format.js';
import type { Claim, KeepHalfLayer, SparseConsistencyLayer } from './results.js';

export function sparseConsistencyClaim(layers: SparseConsistencyLayer[]): Claim {
  const agrees = layers.length > 0 && layers.every((l) => l.meanPredictedStdSparse < l.meanPredictedStdMirrored);
  return {
    id: 'sparse-consistency',
    paper: 'Sparse activity in one layer raises the consistency of the next: small activities reduce Var(S) (Sections 5.3 and 6, Eq. 31).',
    measured: layers.length === 0
      ? 'No layer has a hidden layer below it.'
      : 'Eq. 31 at the fixed inputs with the O* of the layer below, against the mirrored code 1 − O* (same weights, keeps and E(S)): ' +
        layers.map((l) => `L${l.layer}: median Var(S) ratio sparse/mirrored ${num(l.medianVarianceRatio, 3)}; ` +
          `predicted std(O) of its ${l.activeUnits} active neuron-inputs ${num(l.meanPredictedStdSparse)} (sparse) vs ${num(l.meanPredictedStdMirrored)} (mirrored); ` +
          `the inactive units below give ${pct(l.inactiveVarianceShare, 1)} of Var(S) while being ${pct(l.inactiveCountShare, 0)} of them`).join('; ') + '.',
    agrees,
    criterion: 'in every layer h ≥ 2 the mean std(O) of active units predicted from Eq. 31’s Var(S) (S Gaussian with the measured E(S)) is lower with the actual O* below than with the mirrored code 1 − O*',
    numbers: finiteNumbers(layers.flatMap((l): Array<[string, number]> => [
      [`varianceRatioL${l.layer}`, l.medianVarianceRatio], [`stdSparseL${l.layer}`, l.meanPredictedStdSparse], [`stdMirroredL${l.layer}`, l.meanPredictedStdMirrored],
      [`inactiveVarianceShareL${l.layer}`, l.inactiveVarianceShare], [`inactiveCountShareL${l.layer}`, l.inactiveCountShare],
    ])),
  };
}

export function keepHalfClaim(layers: KeepHalfLayer[]): Claim {
  const agrees = layers.length > 0 && layers.every((l) => l.argmax === 0.5);
  return {
    id: 'keep-half',
    paper: 'Keep p = 0.5 maximises the regularizing variance Var(S) (Eq. 31). Var(S) is p(1 − p) times a sum that does not depend on p, so this is an identity.',
    measured: 'Mean Eq. 31 Var(S) over each layer’s units and the fixed inputs (activities O* below, input pixels for layer 1), keep of the layer below 0.1 … 0.9, relative to the maximum: ' +
      layers.map((l) => `L${l.layer} ${l.relative.map((r) => num(r, 2)).join(' ')} (argmax ${l.argmax})`).join('; ') +
      '. An identity, so this checks the computation, not the network.',
    agrees,
    criterion: 'the argmax is p = 0.5 in every layer',
    numbers: finiteNumbers(layers.flatMap((l): Array<[string, number]> => [[`argmaxL${l.layer}`, l.argmax], ...l.keeps.map((p, k): [string, number] => [`L${l.layer}p${p}`, l.meanVariance[k]!])])),
  };
}
