// `import { theory } from 'dropout-ensemble'`: pure float64 functions, each implementing an equation
// of Baldi & Sadowski, "Understanding Dropout" (NIPS 2013). No native code.
export { geometricMeans, nwgm, nwgmFromLogs, softmax, softmaxNwgm } from './means.js';
export type { GeometricMeans } from './means.js';
export { bound, deltaMethodGap, secondOrderGap, tightBound } from './gap.js';
export { leadingGeometricGaps, nwgmToGeometricRatio, secondOrderMeans } from './approximations.js';
export type { LeadingGeometricGaps, SecondOrderMeans } from './approximations.js';
export { logisticGaussianMoments } from './gaussian-unit.js';
export type { LogisticGaussianOptions, UnitOutputMoments } from './gaussian-unit.js';
export { sumMean, sumVariance } from './variance.js';
export { linearExpectation } from './linear.js';
export type { NetworkLike, NetworkSpecLike, LayerSpecLike } from '../network/description.js';
export { forEachGateConfiguration, MAX_ENUMERATED_GATES } from './enumerate.js';
export {
  ensembleError,
  ensembleGradient,
  ensembleOutput,
  expectedDropoutGradient,
  linearDropoutGradient,
  regularizedEnsembleError,
  sigmoidalDropoutGradient,
} from './single-unit.js';
export type { SingleUnit, UnitActivation } from './single-unit.js';
