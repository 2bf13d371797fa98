// The mergeable state of a Monte Carlo run (ensembleStats with returnState) and the exact merge of
// shards: subnetworks are a function of (seed, sample index), so the ranges [start, end) of one run
// can be drawn in different processes or machines and combined here into the statistics of the
// whole range, as if one process had drawn it.
//
// Format version 1. Integers little-endian; floats IEEE-754 binary64 LE.
//
//   offset   size   field
//   0        8      magic 89 44 45 53 0D 0A 1A 0A ("\x89DES\r\n\x1a\n")
//   8        4      format version (u32) = 1
//   12       4      n = byte length of the JSON header (u32), at most MAX_HEADER_BYTES
//   16       n      JSON (UTF-8): { model, input: SHA-256 hex of the network (its description
//                   without seed, threads and backend, then every weight and bias) and of the input;
//                   seed; samples: the run's size; range: [start, end); layers: [{ units, activation }] }
//   16+n     pad    zeros up to a multiple of 8
//   …        8·8·U  per layer, per column, the units' values: mean, variance, third, meanLogO,
//                   meanLog1mO, meanS, varianceS, deterministic (the moments of the range; variance
//                   and third are central moments over the range's subnetworks) — U = Σ units
//   end−4    4      CRC-32 (IEEE 802.3, as zlib) of every byte before it
//
// Merging follows Chan et al. and Pébay for the mean and the second and third central moments; the
// log sums add. Shards are merged in the order of their ranges, so the result does not depend on the
// order they arrived in, and one shard comes back exactly as it went in.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { CorruptFileError, InvalidArgumentError } from '../errors.js';
import { limits } from '../limits.js';
import type { RawEnsembleLayer, RawEnsembleMoments } from '../native.js';
import type { Activation } from '../network/spec.js';
import { isPlainObject, jsonTooDeep } from '../validate.js';

export const STATE_MAGIC = Uint8Array.of(0x89, 0x44, 0x45, 0x53, 0x0d, 0x0a, 0x1a, 0x0a);
export const STATE_VERSION = 1;
const PREFIX_BYTES = 16;
/** The JSON header names a few hashes and the layers' shapes: 1 MiB is far beyond any real one. */
export const MAX_HEADER_BYTES = 2 ** 20;
/** The per-unit columns of a state, in stored order. */
export const STATE_COLUMNS = ['mean', 'variance', 'third', 'meanLogO', 'meanLog1mO', 'meanS', 'varianceS', 'deterministic'] as const;

/** What a state says about the run it belongs to; shards merge only when all of it agrees. */
export interface StateHeader {
  model: string;
  input: string;
  seed: number;
  samples: number;
  range: [number, number];
  layers: Array<{ units: number; activation: Activation }>;
}

export interface EnsembleState {
  header: StateHeader;
  moments: RawEnsembleMoments;
}

const pad8 = (n: number) => (8 - (n % 8)) % 8;

/** SHA-256 of the bytes of a float32 array (its own bytes, not its buffer's). */
export function hashFloats(hash: ReturnType<typeof createHash>, a: Float32Array): void {
  hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** SHA-256 hex of one input row. */
export function inputFingerprint(input: Float32Array): string {
  const h = createHash('sha256');
  hashFloats(h, input);
  return h.digest('hex');
}

export function encodeState(header: StateHeader, moments: RawEnsembleMoments): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const units = header.layers.reduce((s, l) => s + l.units, 0);
  const dataAt = PREFIX_BYTES + json.length + pad8(PREFIX_BYTES + json.length);
  const total = dataAt + 8 * STATE_COLUMNS.length * units + 4;
  const out = Buffer.alloc(total);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(STATE_MAGIC, 0);
  view.setUint32(8, STATE_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, PREFIX_BYTES);
  let off = dataAt;
  moments.layers.forEach((layer) => {
    for (const c of STATE_COLUMNS) {
      for (const x of layer[c]) {
        view.setFloat64(off, x, true);
        off += 8;
      }
    }
  });
  view.setUint32(total - 4, crc32(out.subarray(0, total - 4)) >>> 0, true);
  return out;
}

function corrupt(where: string, what: string): CorruptFileError {
  return new CorruptFileError(`${where}: ${what}`);
}

function checkActivation(a: unknown): a is Activation {
  if (typeof a === 'string') return ['logistic', 'linear', 'softmax', 'relu', 'tanh'].includes(a);
  if (!isPlainObject(a) || a.kind !== 'logistic') return false;
  const c = a.c;
  const lambda = a.lambda;
  return typeof c === 'number' && Number.isFinite(c) && c > 0 && typeof lambda === 'number' && Number.isFinite(lambda) && lambda !== 0;
}

function checkHeader(where: string, h: unknown): StateHeader {
  const bad = (what: string) => corrupt(where, `not an ensemble state: ${what}`);
  if (!isPlainObject(h)) throw bad('the header is not an object');
  const { model, input, seed, samples, range, layers } = h;
  const hex = (s: unknown) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
  if (!hex(model) || !hex(input)) throw bad('the model or input hash is missing');
  const int = (x: unknown, max: number): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= max;
  if (!int(seed, Number.MAX_SAFE_INTEGER)) throw bad('the seed is not an integer');
  if (!int(samples, 2 ** 40) || samples < 1) throw bad('the run size is not a positive integer');
  if (!Array.isArray(range) || range.length !== 2 || !int(range[0], samples) || !int(range[1], samples) || range[0] >= range[1]) {
    throw bad(`the range is not [start, end) with 0 <= start < end <= ${samples}`);
  }
  if (!Array.isArray(layers) || layers.length < 1 || layers.length > limits.maxLayers) throw bad('the layers are missing');
  const checked = layers.map((l: unknown) => {
    if (!isPlainObject(l) || !int(l.units, limits.maxUnits) || l.units < 1 || !checkActivation(l.activation)) throw bad('a layer is malformed');
    return { units: l.units, activation: l.activation };
  });
  return { model: model as string, input: input as string, seed, samples, range: [range[0], range[1]], layers: checked };
}

/** Decodes and checks a state: length, magic, version, checksum, header, then the data's size. */
export function decodeState(where: string, bytes: Uint8Array): EnsembleState {
  const n = bytes.byteLength;
  if (n < PREFIX_BYTES + 4) throw corrupt(where, `not an ensemble state: ${n} bytes, shorter than the ${PREFIX_BYTES + 4}-byte minimum`);
  for (let i = 0; i < STATE_MAGIC.length; i++) if (bytes[i] !== STATE_MAGIC[i]) throw corrupt(where, 'not an ensemble state (wrong magic number)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  const version = view.getUint32(8, true);
  if (version !== STATE_VERSION) throw corrupt(where, `unsupported ensemble state version ${version} (this library reads version ${STATE_VERSION})`);
  const jsonBytes = view.getUint32(12, true);
  if (jsonBytes > MAX_HEADER_BYTES || PREFIX_BYTES + jsonBytes + 4 > n) throw corrupt(where, `truncated or corrupt: declares a ${jsonBytes}-byte header in ${n} bytes`);
  const stored = view.getUint32(n - 4, true);
  if ((crc32(bytes.subarray(0, n - 4)) >>> 0) !== stored) throw corrupt(where, 'checksum mismatch: the state is corrupt');
  let parsed: unknown;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + PREFIX_BYTES, jsonBytes).toString('utf8');
  if (jsonTooDeep(text)) throw corrupt(where, 'not an ensemble state: the header nests too deep');
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt(where, 'the header is not JSON');
  }
  const header = checkHeader(where, parsed);
  const units = header.layers.reduce((s, l) => s + l.units, 0);
  const dataAt = PREFIX_BYTES + jsonBytes + pad8(PREFIX_BYTES + jsonBytes);
  const expected = dataAt + 8 * STATE_COLUMNS.length * units + 4;
  if (expected !== n) throw corrupt(where, `the header's layers need ${expected} bytes, the state has ${n}`);
  let off = dataAt;
  const layers = header.layers.map((l) => {
    const layer = {} as RawEnsembleLayer;
    for (const c of STATE_COLUMNS) {
      const a = new Float64Array(l.units);
      for (let i = 0; i < l.units; i++, off += 8) a[i] = view.getFloat64(off, true);
      layer[c] = a;
    }
    return layer;
  });
  return { header, moments: { samples: header.range[1] - header.range[0], gates: 0, layers } };
}

function sameRun(a: StateHeader, b: StateHeader): string | null {
  if (a.model !== b.model) return 'a different network (weights or description)';
  if (a.input !== b.input) return 'a different input';
  if (a.seed !== b.seed) return `seed ${b.seed}, not ${a.seed}`;
  if (a.samples !== b.samples) return `a run of ${b.samples} subnetworks, not ${a.samples}`;
  if (JSON.stringify(a.layers) !== JSON.stringify(b.layers)) return 'different layers';
  return null;
}

/** Adds shard b (count nb) into a (count na), column by column, in float64. */
function mergeLayer(a: RawEnsembleLayer, na: number, b: RawEnsembleLayer, nb: number, where: string): void {
  const n = na + nb;
  for (let i = 0; i < a.mean.length; i++) {
    if (a.deterministic[i] !== b.deterministic[i] && !(Number.isNaN(a.deterministic[i]!) && Number.isNaN(b.deterministic[i]!))) {
      throw corrupt(where, 'mismatched shard: its weight-scaled outputs O* differ from the others\' (not the same network and input)');
    }
    const d = b.mean[i]! - a.mean[i]!;
    const m2a = a.variance[i]! * na;
    const m2b = b.variance[i]! * nb;
    const m3 = a.third[i]! * na + b.third[i]! * nb + ((d * d * d * na * nb * (na - nb)) / (n * n)) + (3 * d * (na * m2b - nb * m2a)) / n;
    const m2 = m2a + m2b + (d * d * na * nb) / n;
    a.mean[i] = a.mean[i]! + (d * nb) / n;
    a.variance[i] = m2 / n;
    a.third[i] = m3 / n;
    a.meanLogO[i] = (a.meanLogO[i]! * na + b.meanLogO[i]! * nb) / n;
    a.meanLog1mO[i] = (a.meanLog1mO[i]! * na + b.meanLog1mO[i]! * nb) / n;
    const dS = b.meanS[i]! - a.meanS[i]!;
    a.varianceS[i] = (a.varianceS[i]! * na + b.varianceS[i]! * nb + (dS * dS * na * nb) / n) / n;
    a.meanS[i] = a.meanS[i]! + (dS * nb) / n;
  }
}

/**
 * Checks that the shards belong to one run and that their ranges, in order, tile one interval
 * [start, end) without gap or overlap; merges them in that order. Throws CorruptFileError otherwise.
 */
export function mergeStates(where: string, states: EnsembleState[]): EnsembleState {
  if (states.length === 0) throw new InvalidArgumentError(`${where}: give at least one state`);
  const sorted = [...states].sort((x, y) => x.header.range[0] - y.header.range[0]);
  const first = sorted[0]!;
  for (const [k, s] of sorted.entries()) {
    const why = sameRun(first.header, s.header);
    if (why) throw corrupt(where, `mismatched shard: the shard for subnetworks [${s.header.range.join(', ')}) is from ${why}`);
    if (k > 0 && s.header.range[0] !== sorted[k - 1]!.header.range[1]) {
      const prev = sorted[k - 1]!.header.range;
      throw corrupt(where, `mismatched shard: subnetworks [${prev.join(', ')}) and [${s.header.range.join(', ')}) ${s.header.range[0] < prev[1] ? 'overlap' : 'leave a gap'}; the shards must tile one range`);
    }
  }
  if (sorted.length === 1) return first;
  const copy = (l: RawEnsembleLayer): RawEnsembleLayer => Object.fromEntries(STATE_COLUMNS.map((c) => [c, Float64Array.from(l[c])])) as unknown as RawEnsembleLayer;
  const layers = first.moments.layers.map(copy);
  let count = first.moments.samples;
  for (const s of sorted.slice(1)) {
    layers.forEach((l, k) => mergeLayer(l, count, s.moments.layers[k]!, s.moments.samples, where));
    count += s.moments.samples;
  }
  const range: [number, number] = [first.header.range[0], sorted[sorted.length - 1]!.header.range[1]];
  return { header: { ...first.header, range }, moments: { samples: count, gates: 0, layers } };
}
