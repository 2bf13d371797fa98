// dropout-ensemble: dropout training and per-neuron ensemble statistics (Baldi & Sadowski 2013).
export * as kernels from './kernels-namespace.js';
export * from './errors.js';
export { info } from './info.js';
export type { Info, BackendStatus } from './info.js';
export type { BackendChoice } from './backend.js';
export * as theory from './theory/index.js';
export { Network } from './network/network.js';
export type { SaveOptions, LoadOptions } from './network/network.js';
export type { NetworkSpec, LayerSpec, Activation, ActivationName, LogisticActivation, DropoutMode, Backend, ResolvedSpec, ResolvedLayer } from './network/spec.js';
export type { TrainOptions, EpochStats, Progress, Schedule, ExponentialSchedule, LinearSchedule, Optimizer, ProbeOptions, ProbeRecord, ProbeLayerRecord, TrainHistory } from './network/train-options.js';
export type { Dataset, Loss } from './network/dataset.js';
export type { PredictOptions, PredictMethod } from './network/predict.js';
export { loadIdx, parseIdx } from './data/idx.js';
export type { IdxArray, IdxType, IdxData } from './data/idx.js';
export { loadMnist } from './data/mnist.js';
export type { Mnist, LabelledSet } from './data/mnist.js';
export { countBoundViolations, estimatorErrors } from './ensemble/index.js';
export type { EnsembleOptions, EnsembleStats, EnsembleLayerStats, LayerSummary, ColumnSummary, ColumnName, EnsembleStatsMany, AveragedLayerStats, PropagateMethod, PropagateResult, PropagatedLayer, BoundViolations, ErrorSummary, LayerEstimatorErrors } from './ensemble/index.js';
