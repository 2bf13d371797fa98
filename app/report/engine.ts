// The report's few calls into the engine beyond train/predict: per-neuron ensemble statistics at a
// fixed input (net.ensembleStats), reduced to the hidden layers' columns the report uses.
import type { Network } from 'dropout-ensemble';
import type { LayerColumns } from './analysis.js';

/**
 * Per-neuron statistics of the hidden layers (paper layers 1..L−1) at one input, as plain
 * Float64Arrays, with the sampling-free estimate of E − NWGM beside them (propagateAsync 'covariance').
 */
export async function hiddenLayerStats(net: Network, input: Float32Array, samples: number, seed: number, signal?: AbortSignal): Promise<LayerColumns[]> {
  const stats = await net.ensembleStats(input, { samples, seed, ...(signal ? { signal } : {}) });
  const propagated = await net.propagateAsync(input, { method: 'covariance', ...(signal ? { signal } : {}) });
  const hidden = stats.layers.slice(0, stats.layers.length - 1);
  return hidden.map((l, k) => ({
    mean: Float64Array.from(l.mean),
    variance: Float64Array.from(l.variance),
    std: Float64Array.from(l.std),
    geometricMean: Float64Array.from(l.geometricMean),
    complementGeometricMean: Float64Array.from(l.complementGeometricMean),
    nwgm: Float64Array.from(l.nwgm),
    deterministic: Float64Array.from(l.deterministic),
    secondOrder: Float64Array.from(l.secondOrder),
    deltaMethod: Float64Array.from(l.deltaMethod),
    gaussianGap: Float64Array.from(l.gaussianGap),
    propagatedGap: Float64Array.from(propagated.layers[k]!.gap),
    bound: Float64Array.from(l.bound),
    standardError: Float64Array.from(l.standardError),
    meanS: Float64Array.from(l.meanS),
  }));
}

/** O* of every hidden unit at one input (the weight-scaled network), from a minimal ensemble run. */
export async function hiddenActivations(net: Network, input: Float32Array, signal?: AbortSignal): Promise<Float64Array[]> {
  const stats = await net.ensembleStats(input, { samples: 2, seed: 0, ...(signal ? { signal } : {}) });
  return stats.layers.slice(0, stats.layers.length - 1).map((l) => Float64Array.from(l.deterministic));
}
