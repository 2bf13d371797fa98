// The model file format, version 1. All integers little-endian; floats IEEE-754 binary32 LE.
//
//   offset      size   field
//   0           8      magic 89 44 45 4E 0D 0A 1A 0A ("\x89DEN\r\n\x1a\n": catches text-mode mangling, as PNG's)
//   8           4      format version (u32) = 1
//   12          4      flags (u32), reserved, must be 0
//   16          4      n = byte length of the JSON header (u32), at most MAX_JSON_BYTES
//   20          4      t = number of tensors (u32)
//   24          n      JSON (UTF-8): { "spec": <the description, see specToJSON>,
//                                      "training"?: { optimizer, step, epoch, position, moments } }
//   24+n        pad    zeros up to a multiple of 4
//   …           16·t   tensor table: kind (u32), h (u32), l (u32), count (u32); kind 1 = weights W(h,l),
//                      2 = bias b(h), 3 = optimizer first moment m, 4 = second moment v (h = l = 0)
//   …           4·Σ    the tensors' float32 data, in table order (W row-major [units_h × units_l])
//   end−4       4      CRC-32 (IEEE 802.3, as zlib) of every byte before it
//
// The tensors are exactly the description's W(h, l) in weightPairs() order, then b(1)..b(L), then
// the optimizer moments named in training.moments (each over all parameters, in the engine's flat
// layout). With the training state, a loaded network resumes training exactly where it was saved.
// Decoding checks every declared size against the buffer length before allocating anything, then
// the checksum, then the description, then that the table matches it.
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import { CorruptFileError, InvalidArgumentError, OutOfRangeError, UnsupportedError } from '../errors.js';
import { limits } from '../limits.js';
import { isPlainObject, jsonTooDeep, MAX_JSON_DEPTH } from '../validate.js';
import type { ResolvedSpec } from './spec.js';
import { resolveSpec, specFromJSON, specToJSON, unitsOf, weightPairs } from './spec.js';

export const MAGIC = Uint8Array.of(0x89, 0x44, 0x45, 0x4e, 0x0d, 0x0a, 0x1a, 0x0a);
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 24;
export const TABLE_ENTRY_BYTES = 16;
/**
 * The most tensors a model can hold: a weight matrix for every pair of layers l < h, a bias per
 * layer, and the optimizer's two moment vectors and spare entries. A larger count is refused before
 * the table is read (a sparse file declaring 100 M tensors would otherwise cost gigabytes).
 */
export const MAX_TENSORS = (limits.maxLayers * (limits.maxLayers + 1)) / 2 + limits.maxLayers + 4;
/** The JSON header is a description, not data: 16 MiB is far beyond any real one. */
export const MAX_JSON_BYTES = 16 * 2 ** 20;
const KIND_WEIGHTS = 1;
const KIND_BIAS = 2;
const KIND_M = 3;
const KIND_V = 4;

/** The contents of a model file. */
export interface ModelContents {
  spec: ResolvedSpec;
  /** W(h, l) in weightPairs(spec) order. */
  weights: Float32Array[];
  /** b(h) for h = 1..L. */
  biases: Float32Array[];
  /** Where training stands; absent = a fresh start. */
  training?: TrainingState;
}

/** The optimizer state of the engine (see native/core/optimizer.h); m and v are empty until used. */
export interface TrainingState {
  optimizer: 'sgd' | 'adam';
  step: number;
  epoch: number;
  position: number;
  m: Float32Array;
  v: Float32Array;
}

const TRAINING_KEYS = ['optimizer', 'step', 'epoch', 'position', 'moments'];

const pad4 = (n: number) => (4 - (n % 4)) % 4;
const littleEndian = endianness() === 'LE';

/** Number of parameters (weights and biases) of a description. */
export function parameterCount(spec: ResolvedSpec): number {
  let n = 0;
  for (const [h, l] of weightPairs(spec)) n += unitsOf(spec, h) * unitsOf(spec, l);
  for (const layer of spec.layers) n += layer.units;
  return n;
}

function tensorTable(spec: ResolvedSpec, moments: readonly string[]): Array<{ kind: number; h: number; l: number; count: number }> {
  const table = weightPairs(spec).map(([h, l]) => ({ kind: KIND_WEIGHTS, h, l, count: unitsOf(spec, h) * unitsOf(spec, l) }));
  spec.layers.forEach((layer, i) => table.push({ kind: KIND_BIAS, h: i + 1, l: 0, count: layer.units }));
  const n = parameterCount(spec);
  if (moments.includes('m')) table.push({ kind: KIND_M, h: 0, l: 0, count: n });
  if (moments.includes('v')) table.push({ kind: KIND_V, h: 0, l: 0, count: n });
  return table;
}

function momentsOf(t: TrainingState | undefined): string[] {
  if (!t) return [];
  return [...(t.m.length > 0 ? ['m'] : []), ...(t.v.length > 0 ? ['v'] : [])];
}

function putFloats(view: DataView, bytes: Uint8Array, off: number, a: Float32Array): void {
  if (littleEndian) {
    bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
  } else {
    for (let i = 0; i < a.length; i++) view.setFloat32(off + 4 * i, a[i]!, true);
  }
}

function getFloats(view: DataView, bytes: Uint8Array, off: number, count: number): Float32Array {
  const a = new Float32Array(count);
  if (littleEndian) {
    new Uint8Array(a.buffer).set(bytes.subarray(off, off + 4 * count));
  } else {
    for (let i = 0; i < count; i++) a[i] = view.getFloat32(off + 4 * i, true);
  }
  return a;
}

/** Serialises a model. The arrays must match the description (the Network guarantees it). */
export function encodeModel(m: ModelContents): Buffer {
  const moments = momentsOf(m.training);
  const table = tensorTable(m.spec, moments);
  const tensors = [...m.weights, ...m.biases, ...(moments.includes('m') ? [m.training!.m] : []), ...(moments.includes('v') ? [m.training!.v] : [])];
  if (tensors.length !== table.length || tensors.some((t, i) => t.length !== table[i]!.count)) {
    throw new InvalidArgumentError('encodeModel: the weights and biases do not match the description');
  }
  // decodeModel rejects non-finite values, so refuse to write them: a diverged network would
  // otherwise be saved without complaint and fail only when loaded.
  tensors.forEach((a, i) => {
    for (let j = 0; j < a.length; j++) {
      if (!Number.isFinite(a[j]!)) {
        const what = i < m.weights.length ? 'a weight' : i < m.weights.length + m.biases.length ? 'a bias' : 'an optimizer moment';
        throw new OutOfRangeError(`Network.save / toBuffer: ${what} of tensor ${i} is ${a[j]} at index ${j} (did training diverge? try a smaller learning rate); a model must be finite to be saved`);
      }
    }
  });
  const t = m.training;
  const training = t ? { optimizer: t.optimizer, step: t.step, epoch: t.epoch, position: t.position, moments } : undefined;
  const json = Buffer.from(JSON.stringify({ spec: specToJSON(m.spec), ...(training ? { training } : {}) }), 'utf8');
  if (json.length > MAX_JSON_BYTES) {
    throw new OutOfRangeError(`encodeModel: the description takes ${json.length} bytes of JSON, more than the format's limit of ${MAX_JSON_BYTES}`);
  }
  const tableAt = HEADER_BYTES + json.length + pad4(json.length);
  const dataAt = tableAt + TABLE_ENTRY_BYTES * table.length;
  const total = dataAt + 4 * table.reduce((s, t) => s + t.count, 0) + 4;
  const out = Buffer.alloc(total);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(MAGIC, 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, 0, true);
  view.setUint32(16, json.length, true);
  view.setUint32(20, table.length, true);
  out.set(json, HEADER_BYTES);
  let off = dataAt;
  table.forEach((t, i) => {
    const e = tableAt + TABLE_ENTRY_BYTES * i;
    view.setUint32(e, t.kind, true);
    view.setUint32(e + 4, t.h, true);
    view.setUint32(e + 8, t.l, true);
    view.setUint32(e + 12, t.count, true);
    putFloats(view, out, off, tensors[i]!);
    off += 4 * t.count;
  });
  view.setUint32(total - 4, crc32(out.subarray(0, total - 4)) >>> 0, true);
  return out;
}

/** The fixed-size header: what a reader needs to know the file's exact length before reading it all. */
export interface ModelHeader {
  jsonBytes: number;
  tensorCount: number;
}

function corrupt(source: string, what: string): CorruptFileError {
  return new CorruptFileError(`${source}: ${what}`);
}

/** Checks magic, version, flags and the JSON length against `available` bytes. `bytes` holds at least the header. */
export function decodeHeader(source: string, bytes: Uint8Array, available: number): ModelHeader {
  if (available < HEADER_BYTES + 4) {
    throw corrupt(source, `not a dropout-ensemble model: ${available} bytes, shorter than the ${HEADER_BYTES + 4}-byte minimum`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw corrupt(source, 'not a dropout-ensemble model (wrong magic number)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    throw corrupt(source, `unsupported model format version ${version} (this library reads version ${FORMAT_VERSION})`);
  }
  const flags = view.getUint32(12, true);
  if (flags !== 0) throw corrupt(source, `reserved flags are 0x${flags.toString(16)}, expected 0`);
  const jsonBytes = view.getUint32(16, true);
  const tensorCount = view.getUint32(20, true);
  if (jsonBytes > MAX_JSON_BYTES) throw corrupt(source, `declares a ${jsonBytes}-byte description, more than the limit of ${MAX_JSON_BYTES}`);
  if (tensorCount > MAX_TENSORS) throw corrupt(source, `declares ${tensorCount} tensors, more than any model holds (${MAX_TENSORS})`);
  const tableAt = HEADER_BYTES + jsonBytes + pad4(jsonBytes);
  const minimum = tableAt + TABLE_ENTRY_BYTES * tensorCount + 4;
  if (minimum > available) {
    throw corrupt(source, `truncated or corrupt: declares a ${jsonBytes}-byte description and ${tensorCount} tensors (at least ${minimum} bytes), but holds ${available} bytes`);
  }
  return { jsonBytes, tensorCount };
}

/** The exact file length implied by the header and tensor table; checks each declared size against `available`. */
function expectedLength(source: string, view: DataView, header: ModelHeader, available: number): number {
  const tableAt = HEADER_BYTES + header.jsonBytes + pad4(header.jsonBytes);
  let total = tableAt + TABLE_ENTRY_BYTES * header.tensorCount + 4;
  for (let i = 0; i < header.tensorCount; i++) {
    const count = view.getUint32(tableAt + TABLE_ENTRY_BYTES * i + 12, true);
    total += 4 * count; // ≤ 2^32 tensors × 2^34 bytes: far inside a double's exact integers
    if (total > available) {
      throw corrupt(source, `truncated or corrupt: tensor ${i} declares ${count} floats, which would end at byte ${total}, but the file holds ${available} bytes`);
    }
  }
  return total;
}

/** Parses and validates a whole model file held in memory. `threads` is the machine's choice, not the file's. */
export function decodeModel(source: string, bytes: Uint8Array, threads?: number): ModelContents {
  const header = decodeHeader(source, bytes, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = expectedLength(source, view, header, bytes.length);
  if (total !== bytes.length) throw corrupt(source, `has ${bytes.length - total} unexpected bytes after the end of the model (${total} bytes)`);
  const stored = view.getUint32(total - 4, true);
  const actual = crc32(bytes.subarray(0, total - 4)) >>> 0;
  if (stored !== actual) {
    throw corrupt(source, `checksum mismatch (stored CRC-32 0x${stored.toString(16).padStart(8, '0')}, computed 0x${actual.toString(16).padStart(8, '0')}): the file is damaged`);
  }
  let json: unknown;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + HEADER_BYTES, header.jsonBytes).toString('utf8');
  if (jsonTooDeep(text)) throw corrupt(source, `the description nests more than ${MAX_JSON_DEPTH} levels deep; no network description does`);
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw corrupt(source, `the description is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json) || !isPlainObject(json.spec)) throw corrupt(source, 'the header must be a JSON object { spec, training? }');
  for (const key of Object.keys(json)) if (key !== 'spec' && key !== 'training') throw corrupt(source, `unknown header field ${JSON.stringify(key)}`);
  const training = json.training === undefined ? undefined : checkTrainingHeader(source, json.training);
  if ('threads' in json.spec || 'backend' in json.spec || !('seed' in json.spec)) {
    throw corrupt(source, 'the description must hold a seed and no threads or backend');
  }
  let spec: ResolvedSpec;
  try {
    spec = resolveSpec('description', { ...(specFromJSON(json.spec) as object), ...(threads === undefined ? {} : { threads }) });
  } catch (e) {
    if (e instanceof InvalidArgumentError || e instanceof OutOfRangeError || e instanceof UnsupportedError) {
      throw corrupt(source, `invalid description (${e.message})`);
    }
    throw e;
  }
  const table = tensorTable(spec, training?.moments ?? []);
  if (table.length !== header.tensorCount) {
    throw corrupt(source, `holds ${header.tensorCount} tensors, but its description needs ${table.length}`);
  }
  const tableAt = HEADER_BYTES + header.jsonBytes + pad4(header.jsonBytes);
  table.forEach((t, i) => {
    const e = tableAt + TABLE_ENTRY_BYTES * i;
    const got = [view.getUint32(e, true), view.getUint32(e + 4, true), view.getUint32(e + 8, true), view.getUint32(e + 12, true)];
    if (got[0] !== t.kind || got[1] !== t.h || got[2] !== t.l || got[3] !== t.count) {
      const name = (k: number, h: number, l: number) => (k === KIND_WEIGHTS ? `W(${h},${l})` : k === KIND_BIAS ? `b(${h})` : `kind ${k}`);
      throw corrupt(source, `tensor ${i} is ${name(got[0]!, got[1]!, got[2]!)} with ${got[3]} floats, but the description needs ${name(t.kind, t.h, t.l)} with ${t.count}`);
    }
  });
  let off = tableAt + TABLE_ENTRY_BYTES * table.length;
  const tensors = table.map((t) => {
    const a = getFloats(view, bytes, off, t.count);
    off += 4 * t.count;
    return a;
  });
  tensors.forEach((a, i) => {
    for (let j = 0; j < a.length; j++) {
      if (!Number.isFinite(a[j]!)) throw corrupt(source, `tensor ${i} holds a non-finite value at index ${j}`);
    }
  });
  const nw = weightPairs(spec).length;
  const nb = spec.layers.length;
  const result: ModelContents = { spec, weights: tensors.slice(0, nw), biases: tensors.slice(nw, nw + nb) };
  if (training) {
    let k = nw + nb;
    const none = new Float32Array(0);
    const m = training.moments.includes('m') ? tensors[k++]! : none;
    const v = training.moments.includes('v') ? tensors[k++]! : none;
    result.training = { optimizer: training.optimizer, step: training.step, epoch: training.epoch, position: training.position, m, v };
  }
  return result;
}

interface TrainingHeader {
  optimizer: 'sgd' | 'adam';
  step: number;
  epoch: number;
  position: number;
  moments: string[];
}

function checkTrainingHeader(source: string, t: unknown): TrainingHeader {
  const bad = (what: string) => corrupt(source, `invalid training state: ${what}`);
  if (!isPlainObject(t)) throw bad('not an object');
  for (const key of Object.keys(t)) if (!TRAINING_KEYS.includes(key)) throw bad(`unknown field ${JSON.stringify(key)}`);
  if (t.optimizer !== 'sgd' && t.optimizer !== 'adam') throw bad(`optimizer ${JSON.stringify(t.optimizer)}`);
  for (const k of ['step', 'epoch', 'position'] as const) {
    if (!Number.isSafeInteger(t[k]) || (t[k] as number) < 0) throw bad(`${k} must be an integer >= 0, got ${JSON.stringify(t[k])}`);
  }
  const mo = t.moments;
  const allowed = t.optimizer === 'adam' ? [[], ['m', 'v']] : [[], ['m']]; // Adam keeps both moments or neither
  if (!Array.isArray(mo) || !allowed.some((a) => a.length === mo.length && a.every((x, i) => mo[i] === x))) {
    throw bad(`moments ${JSON.stringify(mo)} for optimizer ${t.optimizer}`);
  }
  return { optimizer: t.optimizer, step: t.step as number, epoch: t.epoch as number, position: t.position as number, moments: mo as string[] };
}

/**
 * Reads and decodes a model file. The header and tensor table are read first and the file's exact
 * length checked against them, so a hostile file never makes us read or allocate more than it holds.
 */
export async function readModelFile(path: string, threads?: number): Promise<ModelContents> {
  // Non-blocking open: opening a FIFO for reading would otherwise wait for a writer forever.
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new InvalidArgumentError(`Network.load: ${path} is not a regular file`);
    const size = st.size;
    const head = new Uint8Array(Math.min(size, HEADER_BYTES));
    await readFully(fh, head, 0);
    const header = decodeHeader(path, head, size);
    const prefix = new Uint8Array(HEADER_BYTES + header.jsonBytes + pad4(header.jsonBytes) + TABLE_ENTRY_BYTES * header.tensorCount);
    await readFully(fh, prefix, 0);
    const total = expectedLength(path, new DataView(prefix.buffer), header, size);
    if (total !== size) throw corrupt(path, `has ${size - total} unexpected bytes after the end of the model (${total} bytes)`);
    const all = Buffer.allocUnsafe(size);
    await readFully(fh, all, 0);
    return decodeModel(path, all, threads);
  } finally {
    await fh.close();
  }
}

async function readFully(fh: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < into.length) {
    const { bytesRead } = await fh.read(into, off, into.length - off, position + off);
    if (bytesRead === 0) throw new CorruptFileError(`the file shrank while being read (${off} of ${into.length} bytes)`);
    off += bytesRead;
  }
}
