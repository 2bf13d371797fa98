// IDX files (the format of MNIST: http://yann.lecun.com/exdb/mnist/), plain or gzipped.
//
// Layout: 2 zero bytes, a type byte, the number of dimensions n, then n big-endian uint32 sizes,
// then the values, big-endian, row-major. Every size is checked against the bytes that are really
// there BEFORE anything of the declared size is allocated, so a hostile header cannot make us
// allocate gigabytes; gzip input is inflated with a hard cap at the size the header declares.
import { constants } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { CorruptFileError, InvalidArgumentError, OutOfRangeError } from '../errors.js';
import { MAX_ELEMENTS, checkInteger, checkOptions, checkPath, checkTypedArray, invalid, typedArrayKind } from '../validate.js';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  /** Element type, from the third byte of the magic number. */
  type: IdxType;
  /** Sizes, outermost first (for MNIST images: [count, rows, cols]). */
  dims: number[];
  /** The values in native byte order, row-major. */
  data: IdxData;
}

interface TypeInfo { type: IdxType; bytes: number }
const TYPES: Record<number, TypeInfo> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

/** deflate cannot expand data by more than about 1032:1; anything claiming more is a lie. */
const MAX_DEFLATE_RATIO = 1032;

interface Header { info: TypeInfo; dims: number[]; headerBytes: number; dataBytes: number; elements: number }

function corrupt(source: string, problem: string): CorruptFileError {
  return new CorruptFileError(`${source}: not a valid IDX file: ${problem}`);
}

/** Reads the magic number and sizes from `bytes` (which may be only a prefix of the file). */
function readHeader(bytes: Uint8Array, source: string): Header | 'need-more' {
  if (bytes.length < 4) return 'need-more';
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw corrupt(source, `wrong magic number 0x${hex(bytes, 0, 4)} (expected 0x0000 followed by a type byte and a dimension count)`);
  }
  const info = TYPES[bytes[2]!];
  if (!info) throw corrupt(source, `unknown element type byte 0x${hex(bytes, 2, 1)} (known: 08 uint8, 09 int8, 0b int16, 0c int32, 0d float32, 0e float64)`);
  const ndims = bytes[3]!;
  if (ndims === 0) throw corrupt(source, 'the header declares 0 dimensions');
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) return 'need-more';
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims: number[] = [];
  // BigInt: the product of up to 255 uint32 sizes overflows any fixed-width integer.
  let elements = 1n;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    elements *= BigInt(d);
  }
  if (elements > BigInt(MAX_ELEMENTS)) {
    throw corrupt(source, `the header declares ${dims.join(' × ')} = ${elements} elements, more than the limit of ${MAX_ELEMENTS}`);
  }
  const n = Number(elements);
  return { info, dims, headerBytes, dataBytes: n * info.bytes, elements: n };
}

function hex(bytes: Uint8Array, start: number, count: number): string {
  return Array.from(bytes.subarray(start, start + count), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Converts the big-endian payload into a native typed array (copying, so the file buffer can go). */
function decodeValues(payload: Uint8Array, h: Header): IdxData {
  const n = h.elements;
  if (h.info.type === 'uint8') return new Uint8Array(payload.subarray(0, n));
  if (h.info.type === 'int8') return new Int8Array(payload.buffer.slice(payload.byteOffset, payload.byteOffset + n));
  const view = new DataView(payload.buffer, payload.byteOffset, h.dataBytes);
  switch (h.info.type) {
    case 'int16': { const a = new Int16Array(n); for (let i = 0; i < n; i++) a[i] = view.getInt16(2 * i, false); return a; }
    case 'int32': { const a = new Int32Array(n); for (let i = 0; i < n; i++) a[i] = view.getInt32(4 * i, false); return a; }
    case 'float32': { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = view.getFloat32(4 * i, false); return a; }
    default: { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = view.getFloat64(8 * i, false); return a; }
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses an uncompressed IDX image: header, then exactly the declared number of bytes. */
function parseRaw(bytes: Uint8Array, source: string): IdxArray {
  const h = readHeader(bytes, source);
  if (h === 'need-more') throw corrupt(source, `truncated header (${bytes.length} bytes)`);
  const expected = h.headerBytes + h.dataBytes;
  if (bytes.length < expected) {
    throw corrupt(source, `truncated: the header declares ${h.dims.join(' × ')} ${h.info.type} values (${expected} bytes with the header) but the data has ${bytes.length} bytes`);
  }
  if (bytes.length > expected) {
    throw corrupt(source, `${bytes.length - expected} unexpected bytes after the ${h.dims.join(' × ')} ${h.info.type} values the header declares`);
  }
  return { type: h.info.type, dims: h.dims, data: decodeValues(bytes.subarray(h.headerBytes), h) };
}

/** Inflates at most `limit` bytes of a (possibly truncated) gzip stream; null if it yields more. */
function inflatePrefix(gz: Uint8Array, limit: number, source: string): Buffer | null {
  try {
    // Z_SYNC_FLUSH: accept a stream cut short (we only want its beginning here).
    return gunzipSync(gz, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: limit });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return null;
    throw corrupt(source, `gzip data is damaged (${(e as Error).message})`);
  }
}

/** Options of loadIdx and parseIdx. */
export interface IdxOptions {
  /**
   * The most bytes a file may hold once decompressed (header and values), checked before anything
   * of that size is allocated or inflated. Default 2^30 (1 GiB; MNIST's training images are 47 MB):
   * a 2 MB gzip may legitimately declare 2 GB, which would cost several times that in memory.
   */
  maxBytes?: number;
}

/** Default of IdxOptions.maxBytes. */
export const DEFAULT_IDX_MAX_BYTES = 2 ** 30;

function checkIdxOptions(where: string, options: unknown): number {
  const o = checkOptions<IdxOptions>(where, 'options', options, ['maxBytes']);
  return o.maxBytes === undefined ? DEFAULT_IDX_MAX_BYTES : checkInteger(where, 'options.maxBytes', o.maxBytes, 1);
}

function tooLarge(source: string, bytes: number, maxBytes: number): OutOfRangeError {
  return new OutOfRangeError(`${source}: holds ${bytes} bytes of IDX data, more than options.maxBytes (${maxBytes}); pass a larger maxBytes to read it`);
}

/** Parses a gzipped IDX file, never inflating more than the header declares (+1 byte to detect excess). */
function parseGzip(gz: Uint8Array, source: string, maxBytes: number): IdxArray {
  // 1. The header: inflate growing prefixes of the compressed stream until it is complete.
  let header: Header | 'need-more' = 'need-more';
  for (let prefix = 1024; header === 'need-more'; prefix *= 4) {
    const part = gz.subarray(0, Math.min(prefix, gz.length));
    const out = inflatePrefix(part, part.length * MAX_DEFLATE_RATIO + 65536, source);
    if (out === null) throw corrupt(source, 'gzip data expands beyond what deflate allows');
    header = readHeader(out, source);
    if (header === 'need-more' && part.length === gz.length) throw corrupt(source, `truncated header (${out.length} bytes after decompression)`);
  }
  const expected = header.headerBytes + header.dataBytes;
  // 2. A declared size no gzip of this length could hold is rejected before inflating anything big.
  if (expected > gz.length * MAX_DEFLATE_RATIO + 65536) {
    throw corrupt(source, `the header declares ${header.dims.join(' × ')} ${header.info.type} values (${expected} bytes) but ${gz.length} bytes of gzip cannot hold that much`);
  }
  if (expected > maxBytes) throw tooLarge(source, expected, maxBytes);
  // 3. The whole stream, capped one byte past the declared size so that excess is detected.
  let whole: Buffer;
  try {
    whole = gunzipSync(gz, { maxOutputLength: expected + 1 });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw corrupt(source, `decompresses to more than the ${expected} bytes its header declares`);
    if (code === 'Z_BUF_ERROR') {
      const got = inflatePrefix(gz, expected + 1, source);
      throw corrupt(source, `truncated gzip stream: the header declares ${expected} bytes, ${got?.length ?? 'fewer'} could be decompressed`);
    }
    throw corrupt(source, `gzip data is damaged (${(e as Error).message})`);
  }
  return parseRaw(whole, source);
}

/**
 * Parses an IDX file held in memory, gzipped (detected by its 1f 8b signature) or not.
 * @param source a name for error messages (the path, usually).
 * @throws CorruptFileError (code ERR_CORRUPT) naming the problem.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX buffer', options?: IdxOptions): IdxArray {
  if (typedArrayKind(bytes) !== 'Uint8Array') throw invalid('parseIdx', 'bytes', 'a Uint8Array or Buffer', bytes);
  if (typeof source !== 'string') throw invalid('parseIdx', 'source', 'a string (a name for error messages)', source);
  bytes = checkTypedArray('parseIdx', 'bytes', bytes, Uint8Array); // its true length, whatever it claims
  if (bytes.length === 0) throw corrupt(source, 'the file is empty');
  const maxBytes = checkIdxOptions('parseIdx', options);
  if (isGzip(bytes)) return parseGzip(bytes, source, maxBytes);
  if (bytes.length > maxBytes) throw tooLarge(source, bytes.length, maxBytes);
  return parseRaw(bytes, source);
}

/**
 * The first bytes of a file, before it is read whole: a gzip signature (true) or an IDX magic
 * number (0, 0, type, dimensions); anything else is refused at once, not after reading a large file.
 */
async function checkStart(path: string): Promise<boolean> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
    if (bytesRead === 0) throw corrupt(path, 'the file is empty');
    readHeader(head.subarray(0, bytesRead), path); // throws on a wrong magic number, type or dimension count
    return false;
  } finally {
    await fh.close();
  }
}

/** The largest file loadIdx will read: the largest legal payload (float64) plus a header. */
const MAX_FILE_BYTES = MAX_ELEMENTS * 8 + 4 + 4 * 255;

/**
 * Reads an IDX file (images or labels), gzipped or not, validating the magic number and the
 * declared dimensions against the bytes present before allocating anything of that size.
 */
export async function loadIdx(path: string, options?: IdxOptions): Promise<IdxArray> {
  checkPath('loadIdx', 'path', path);
  const maxBytes = checkIdxOptions('loadIdx', options);
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new InvalidArgumentError(`loadIdx: ${path} is not a file`);
    size = s.size;
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw e;
    throw new InvalidArgumentError(`loadIdx: cannot read ${path} (${(e as { code?: string }).code ?? (e as Error).message})`);
  }
  if (size > MAX_FILE_BYTES) throw corrupt(path, `${size} bytes is larger than any IDX file this library accepts`);
  const gzip = await checkStart(path);
  if (!gzip && size > maxBytes) throw tooLarge(path, size, maxBytes);
  return parseIdx(await readFile(path), path, { maxBytes });
}
