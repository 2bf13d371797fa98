// mergeEnsembleStates(states): the statistics of a run drawn in shards (ensembleStats with
// sampleRange and returnState), as ensembleStats would give them for the whole range.
import { InvalidArgumentError } from '../errors.js';
import { checkTypedArray, invalid, typedArrayKind } from '../validate.js';
import type { EnsembleState } from './state.js';
import { decodeState, encodeState, mergeStates } from './state.js';
import type { EnsembleStats } from './stats.js';
import { deriveStats } from './stats.js';

/** The most shards one call merges; merge larger sets in groups (a merged state merges again). */
export const MAX_MERGED_STATES = 2 ** 20;

/**
 * Combines the states of shards of one Monte Carlo run (same network, input, seed and run size)
 * whose sample ranges tile one range [start, end) — in any order given; they are merged in range
 * order. Returns what ensembleStats returns for that range, with `state` for further merges. A
 * corrupt state, or one from another network, input, seed or run, or ranges that overlap or leave
 * a gap, is refused with CorruptFileError. Merging all the shards of a run equals the unsplit run to
 * rounding (about 1e-15 relative in the moments); the same shards give the same bits.
 */
export function mergeEnsembleStates(states: readonly Uint8Array[]): EnsembleStats & { state: Buffer; sampleRange: [number, number] } {
  const where = 'mergeEnsembleStates';
  if (!Array.isArray(states)) throw invalid(where, 'states', 'an array of Buffers or Uint8Arrays (the `state` of ensembleStats results)', states);
  const n = states.length;
  if (n === 0) throw new InvalidArgumentError(`${where}: give at least one state`);
  if (n > MAX_MERGED_STATES) throw new InvalidArgumentError(`${where}: ${n} states, more than ${MAX_MERGED_STATES} in one call; merge them in groups`);
  const decoded: EnsembleState[] = [];
  for (let k = 0; k < n; k++) {
    const s: unknown = states[k]; // read once: an index getter could answer differently a second time
    if (typedArrayKind(s) !== 'Uint8Array') throw invalid(where, `states[${k}]`, 'a Buffer or Uint8Array', s);
    decoded.push(decodeState(`${where}: states[${k}]`, checkTypedArray(where, `states[${k}]`, s, Uint8Array)));
  }
  const merged = mergeStates(where, decoded);
  return { ...deriveStats(merged.header, merged.moments, false), state: encodeState(merged.header, merged.moments), sampleRange: [...merged.header.range] };
}

/** What an ensemble state says about itself, once its bytes have passed every check. */
export interface EnsembleStateInfo {
  /** SHA-256 (hex) of the network (description without seed, threads and backend; weights; biases) and of the input. */
  model: string;
  input: string;
  seed: number;
  /** The size of the run the state is a shard of. */
  samples: number;
  /** The subnetworks [start, end) of that run it holds. */
  sampleRange: [number, number];
}

/**
 * Checks a state as mergeEnsembleStates would (format, version, checksum, header, size) and says
 * which run and range it belongs to, without deriving any statistics: cheap enough to vet every
 * shard as it arrives. Throws CorruptFileError for a corrupt state.
 */
export function ensembleStateInfo(state: Uint8Array): EnsembleStateInfo {
  const where = 'ensembleStateInfo';
  if (typedArrayKind(state) !== 'Uint8Array') throw invalid(where, 'state', 'a Buffer or Uint8Array', state);
  const { header } = decodeState(where, checkTypedArray(where, 'state', state, Uint8Array));
  return { model: header.model, input: header.input, seed: header.seed, samples: header.samples, sampleRange: [...header.range] };
}
