// Ensemble statistics of a network for fixed inputs (issue 4): Monte Carlo and exact per-neuron
// statistics, sampling-free estimators, and checks of the paper's approximations.
//
// Network methods (thin delegates at the end of src/network/network.ts, which pass the network
// and its raw addon object): ensembleStats, exactEnsemble, ensembleStatsMany, propagate.
// Request to H3b / lead: keep those four delegates when editing network.ts.
export { ensembleStats, exactEnsemble, exactGateCount, maskWidths, MAX_EXACT_GATES, MAX_RETURNED_MASK_BYTES } from './sample.js';
export type { EnsembleOptions } from './sample.js';
export { ensembleStatsMany, AVERAGED_COLUMNS } from './many.js';
export type { AveragedLayerStats, EnsembleStatsMany } from './many.js';
export { propagate } from './propagate.js';
export type { PropagateMethod, PropagateResult, PropagatedLayer } from './propagate.js';
export { countBoundViolations, estimatorErrors } from './checks.js';
export type { BoundViolations, ErrorSummary, LayerEstimatorErrors } from './checks.js';
export { COLUMNS, ACTIVE_THRESHOLD } from './stats.js';
export type { ColumnName, EnsembleLayerStats, EnsembleStats, LayerSummary } from './stats.js';
export type { ColumnSummary } from './summary.js';
export type { EnsembleHost } from './host.js';
