// Every limit and default of the library in one place. The engine has its own copy in C++
// (native/common/limits.h, exported by the addon as `limits`); test/limits.test.ts holds the two
// equal, so a size the TypeScript checks accept is one the engine accepts.

export interface Limits {
  /** Most threads a network or a kernel call may use. */
  readonly maxThreads: number;
  /** Most layers above the input (the mask streams encode the layer indices in 11 bits). */
  readonly maxLayers: number;
  /** Most units in one layer (connection columns stay below 2^48 in the mask streams). */
  readonly maxUnits: number;
  /** Most gates with keep in (0, 1) that exactEnsemble and theory.forEachGateConfiguration enumerate (2^24 subnetworks). */
  readonly maxExactGates: number;
  /** Rows per forward pass of ensembleStats when `batchSize` is not given. */
  readonly defaultEnsembleBatch: number;
  /** Subnetworks ensembleStats samples when `samples` is not given. */
  readonly defaultSamples: number;
}

export const limits: Limits = Object.freeze({
  maxThreads: 1024,
  maxLayers: 2047,
  maxUnits: 2 ** 24,
  maxExactGates: 24,
  defaultEnsembleBatch: 512,
  defaultSamples: 10_000,
});
