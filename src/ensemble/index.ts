// Ensemble statistics of a network for fixed inputs: Monte Carlo and exact per-neuron statistics,
// sampling-free estimators, and checks of the paper's approximations. The Network methods
// ensembleStats, exactEnsemble, ensembleStatsMany and propagate validate with these functions,
// hold the network while the engine runs, and derive their results here.
export { exactGateCount, exactRequest, maskWidths, MAX_RETURNED_MASK_BYTES, sampleRequest } from './sample.js';
export type { EnsembleOptions, SampleRequest } from './sample.js';
export { averageStats, checkManyArguments, AVERAGED_COLUMNS } from './many.js';
export type { AveragedLayerStats, EnsembleStatsMany } from './many.js';
export { propagate, propagateRequest } from './propagate.js';
export { PROPAGATE_METHODS, propagateCovariance } from './propagate-covariance.js';
export type { PropagateMethod, PropagateResult, PropagatedLayer } from './propagate.js';
export { countBoundViolations, estimatorErrors } from './checks.js';
export type { BoundViolations, ErrorSummary, LayerEstimatorErrors } from './checks.js';
export { COLUMNS, ACTIVE_THRESHOLD, deriveStats } from './stats.js';
export type { ColumnName, EnsembleLayerStats, EnsembleStats, LayerSummary } from './stats.js';
export type { ColumnSummary } from './summary.js';
export { ensembleStateInfo, mergeEnsembleStates, MAX_MERGED_STATES } from './merge.js';
export type { EnsembleStateInfo } from './merge.js';
export { encodeState, hashFloats, inputFingerprint } from './state.js';
export type { StateHeader } from './state.js';
