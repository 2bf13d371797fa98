// ensembleStats (Monte Carlo), exactEnsemble (enumeration) and ensembleStatsMany for a Network.
// Arguments are validated here; the sampling and the enumeration run on the network's native
// threads (native/core/ensemble_sampler.h, exact_ensemble.h) and hold the network like train().
import { AbortError, BusyError, InvalidArgumentError, OutOfRangeError, awaitNative, callNative } from '../errors.js';
import type { RawEnsembleMoments, RawEnsembleSampleOptions, RawNetwork } from '../native.js';
import { keepAttached } from '../keep-attached.js';
import { native } from '../native.js';
import { checkAbortSignal, checkBoolean, checkFloat32, checkInteger, checkMask, checkOptions, checkSeed, invalid } from '../validate.js';
import type { EnsembleHost } from './host.js';
import type { EnsembleStats } from './stats.js';
import { deriveStats } from './stats.js';

export interface EnsembleOptions {
  /** Subnetworks to sample (default 10,000). Ignored when `masks` is given. */
  samples?: number;
  /** Philox seed of the masks (default: the network's seed). */
  seed?: number;
  signal?: AbortSignal;
  /** Return the masks of the run (small runs only: at most 2^28 gate bytes). */
  returnMasks?: boolean;
  /** Replay these masks instead of drawing them (the shapes returnMasks gives). */
  masks?: Uint8Array[];
  /** Rows per forward pass (default 512); does not change which subnetworks are drawn. */
  batchSize?: number;
}

const OPTION_KEYS = ['samples', 'seed', 'signal', 'returnMasks', 'masks', 'batchSize'] as const;
/** Largest total mask size returnMasks may allocate (bytes). */
export const MAX_RETURNED_MASK_BYTES = 2 ** 28;
/** Most gates exactEnsemble enumerates (2^24 subnetworks). */
export const MAX_EXACT_GATES = 24;

/** Per mask buffer: unit mode one per layer l in [0, L) (units_l), connection mode one per weight matrix (units_h·units_l). */
export function maskWidths(host: EnsembleHost): number[] {
  const s = host.spec;
  const units = (l: number) => (l === 0 ? s.inputs : s.layers[l - 1]!.units);
  if (s.dropout === 'units') return s.layers.map((_, l) => units(l));
  const widths: number[] = [];
  s.layers.forEach((layer, k) => {
    for (const l of layer.from) widths.push(layer.units * units(l));
  });
  return widths;
}

function checkInput(where: string, host: EnsembleHost, input: unknown): Float32Array {
  return checkFloat32(where, 'input', input, host.spec.inputs);
}

interface Resolved {
  raw: RawEnsembleSampleOptions;
  signal?: AbortSignal;
}

function resolveOptions(where: string, host: EnsembleHost, options: unknown): Resolved {
  const o = checkOptions<EnsembleOptions>(where, 'options', options, OPTION_KEYS);
  const raw: RawEnsembleSampleOptions = { seed: o.seed === undefined ? host.spec.seed : checkSeed(where, 'options.seed', o.seed) };
  if (o.batchSize !== undefined) raw.batch = checkInteger(where, 'options.batchSize', o.batchSize, 1, 2 ** 20);
  const widths = maskWidths(host);
  const perSample = widths.reduce((a, b) => a + b, 0);
  if (o.masks !== undefined) {
    if (o.samples !== undefined) throw new InvalidArgumentError(`${where}: give options.samples or options.masks, not both`);
    if (o.returnMasks) throw new InvalidArgumentError(`${where}: options.returnMasks cannot be combined with options.masks`);
    if (!Array.isArray(o.masks) || o.masks.length !== widths.length) {
      throw invalid(where, 'options.masks', `an array of ${widths.length} Uint8Arrays (one per ${host.spec.dropout === 'units' ? 'layer 0..L−1' : 'weight matrix'})`, o.masks);
    }
    const first = o.masks[0];
    if (!(first instanceof Uint8Array) || first.length === 0 || first.length % widths[0]! !== 0) {
      throw invalid(where, 'options.masks[0]', `a Uint8Array whose length is a positive multiple of ${widths[0]}`, first);
    }
    const samples = first.length / widths[0]!;
    o.masks.forEach((m, k) => checkMask(where, `options.masks[${k}]`, m, samples * widths[k]!));
    raw.masks = o.masks;
  } else {
    raw.samples = o.samples === undefined ? 10000 : checkInteger(where, 'options.samples', o.samples, 1, 2 ** 40);
    if (o.returnMasks !== undefined && checkBoolean(where, 'options.returnMasks', o.returnMasks)) {
      if (raw.samples * perSample > MAX_RETURNED_MASK_BYTES) {
        throw new OutOfRangeError(`${where}: returnMasks would return ${raw.samples} × ${perSample} = ${raw.samples * perSample} gate bytes, more than the limit of ${MAX_RETURNED_MASK_BYTES}; use fewer samples`);
      }
      raw.returnMasks = true;
    }
  }
  const out: Resolved = { raw };
  if (o.signal !== undefined) out.signal = checkAbortSignal(where, 'options.signal', o.signal);
  return out;
}

async function held<T>(where: string, host: EnsembleHost, raw: RawNetwork, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
  if (host.busy) throw new BusyError(`${where}: the network is busy; wait for the running call to settle`);
  if (signal?.aborted) throw new AbortError(`${where}: the signal was aborted before the call started`);
  const onAbort = () => raw.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await awaitNative(run());
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** net.ensembleStats(input, options): Monte Carlo per-neuron statistics (issue 4). */
export async function ensembleStats(host: EnsembleHost, raw: RawNetwork, input: Float32Array, options?: EnsembleOptions): Promise<EnsembleStats> {
  const where = 'Network.ensembleStats';
  const x = checkInput(where, host, input);
  const o = resolveOptions(where, host, options);
  keepAttached(x, ...(o.raw.masks ?? [])); // native threads read them in place
  const moments = await held(where, host, raw, o.signal, () => native().ensembleSample(raw, x, o.raw));
  return deriveStats(host, moments, false);
}

/** The number of gates exactEnsemble would enumerate (keep strictly between 0 and 1, read by some layer). */
export function exactGateCount(raw: RawNetwork): number {
  return callNative(() => native().ensembleGateCount(raw));
}

/** net.exactEnsemble(input, { signal }): every subnetwork enumerated in float64. */
export async function exactEnsemble(host: EnsembleHost, raw: RawNetwork, input: Float32Array, options?: { signal?: AbortSignal }): Promise<EnsembleStats> {
  const where = 'Network.exactEnsemble';
  const x = checkInput(where, host, input);
  const o = checkOptions<{ signal: AbortSignal }>(where, 'options', options, ['signal']);
  const signal = o.signal === undefined ? undefined : checkAbortSignal(where, 'options.signal', o.signal);
  const gates = exactGateCount(raw);
  if (gates > MAX_EXACT_GATES) {
    throw new OutOfRangeError(`${where}: the network has ${gates} gates with keep in (0, 1), which would give 2^${gates} subnetworks; at most ${MAX_EXACT_GATES} gates can be enumerated (use ensembleStats)`);
  }
  keepAttached(x); // native threads read it in place
  const moments: RawEnsembleMoments = await held(where, host, raw, signal, () => native().ensembleExact(raw, x));
  return deriveStats(host, moments, true);
}
