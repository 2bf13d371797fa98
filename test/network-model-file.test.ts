// The model file format and the atomic write: round trips are bit-exact, every kind of damage is
// refused with CorruptFileError before any allocation sized by the file. Pure TypeScript.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { CorruptFileError } from '../src/errors.js';
import { writeFileAtomic } from '../src/network/atomic-write.js';
import type { ModelContents } from '../src/network/model-file.js';
import { HEADER_BYTES, decodeModel, encodeModel, parameterCount, readModelFile } from '../src/network/model-file.js';
import { resolveSpec, unitsOf, weightPairs } from '../src/network/spec.js';

const spec = resolveSpec('t', {
  inputs: 5,
  inputKeep: Float32Array.of(0.8, 0.9, 1, 0.5, 1 / 3),
  dropout: 'connections',
  layers: [
    { units: 4, activation: { kind: 'logistic', c: 2, lambda: 0.5 }, keep: 0.5 },
    { units: 3, activation: 'tanh', keep: [0.25, 0.5, 0.75], from: [0, 1] },
    { units: 2, activation: 'softmax', from: [2, 1] },
  ],
  seed: 123456789,
  threads: 1,
});

/** Values that exercise every bit: negative zero, subnormals, extremes. */
function floats(n: number, salt: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 12.9898 + salt) * 10 ** ((i % 7) - 3);
  if (n > 2) {
    a[0] = -0;
    a[1] = 1.4e-45;
    a[2] = 3.4e38;
  }
  return a;
}

const contents = (withTraining: boolean): ModelContents => ({
  spec,
  weights: weightPairs(spec).map(([h, l], i) => floats(unitsOf(spec, h) * unitsOf(spec, l), i)),
  biases: spec.layers.map((l, i) => floats(l.units, 100 + i)),
  ...(withTraining
    ? { training: { optimizer: 'adam' as const, step: 1234, epoch: 3, position: 57, m: floats(parameterCount(spec), 7), v: floats(parameterCount(spec), 8).map(Math.abs) } }
    : {}),
});

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const expectSameModel = (a: ModelContents, b: ModelContents) => {
  expect(b.spec).toEqual(a.spec);
  expect(b.weights.map(bitsOf)).toEqual(a.weights.map(bitsOf));
  expect(b.biases.map(bitsOf)).toEqual(a.biases.map(bitsOf));
  expect(b.training?.step).toEqual(a.training?.step);
  if (a.training) {
    expect({ ...b.training, m: bitsOf(b.training!.m), v: bitsOf(b.training!.v) }).toEqual({ ...a.training, m: bitsOf(a.training.m), v: bitsOf(a.training.v) });
  }
};

/** Rewrites the CRC so that a deliberate edit is judged on its own merits, not by the checksum. */
function resealed(buf: Buffer): Buffer {
  const b = Buffer.from(buf);
  b.writeUInt32LE(crc32(b.subarray(0, b.length - 4)) >>> 0, b.length - 4);
  return b;
}

const corruptMessage = (bytes: Uint8Array): string => {
  try {
    decodeModel('m.bin', bytes, 1);
  } catch (e) {
    expect(e).toBeInstanceOf(CorruptFileError);
    return (e as Error).message;
  }
  throw new Error('decodeModel accepted a damaged model');
};

describe('model file', () => {
  it.each([false, true])('round-trips bit-exact (training state: %s)', (withTraining) => {
    const m = contents(withTraining);
    const buf = encodeModel(m);
    expectSameModel(m, decodeModel('m.bin', buf, 1));
    // Unaligned copies decode the same.
    const shifted = new Uint8Array(buf.length + 1).subarray(1);
    shifted.set(buf);
    expectSameModel(m, decodeModel('m.bin', shifted, 1));
  });

  const good = encodeModel(contents(true));
  const jsonBytes = good.readUInt32LE(16);
  const tableAt = HEADER_BYTES + jsonBytes + ((4 - (jsonBytes % 4)) % 4);

  it('rejects truncation at every length, with a message naming the sizes', () => {
    for (let n = 0; n < good.length; n += n < 200 ? 1 : 97) corruptMessage(good.subarray(0, n));
    expect(corruptMessage(good.subarray(0, 10))).toBe('m.bin: not a dropout-ensemble model: 10 bytes, shorter than the 28-byte minimum');
    expect(corruptMessage(good.subarray(0, good.length - 8))).toMatch(/^m\.bin: truncated or corrupt: tensor \d+ declares \d+ floats, which would end at byte \d+, but the file holds \d+ bytes$/);
    expect(corruptMessage(Buffer.concat([good, Buffer.alloc(3)]))).toBe(`m.bin: has 3 unexpected bytes after the end of the model (${good.length} bytes)`);
  });

  it('refuses a description nested millions deep at once, without parsing it', () => {
    // 4 M levels in an 8 MB header with no tensors: JSON.parse alone would block for seconds.
    const depth = 4_000_000;
    const json = Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    const b = Buffer.alloc(HEADER_BYTES + json.length + 4);
    good.copy(b, 0, 0, 16);
    b.writeUInt32LE(json.length, 16);
    b.writeUInt32LE(0, 20);
    json.copy(b, HEADER_BYTES);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(corruptMessage(resealed(b))).toBe('m.bin: the description nests more than 64 levels deep; no network description does');
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
    // A string full of brackets is not nesting.
    const deepString = JSON.stringify({ spec: { note: '['.repeat(1000) } });
    expect(corruptMessage(resealed(Buffer.concat([good.subarray(0, 16), Buffer.from(Uint32Array.of(deepString.length, 0).buffer), Buffer.from(deepString), Buffer.alloc(4)])))).not.toMatch(/levels deep/);
  });

  it('rejects every single-bit flip (a sample of positions across all sections)', () => {
    for (let pos = 0; pos < good.length; pos += 13) {
      const b = Buffer.from(good);
      b[pos]! ^= 1 << (pos % 8);
      corruptMessage(b);
    }
    const b = Buffer.from(good);
    b[good.length - 100]! ^= 0x10;
    expect(corruptMessage(b)).toMatch(/^m\.bin: checksum mismatch \(stored CRC-32 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\): the file is damaged$/);
  });

  it('rejects wrong magic, version and flags', () => {
    const magic = Buffer.from(good);
    magic[1] = 0x45;
    expect(corruptMessage(magic)).toBe('m.bin: not a dropout-ensemble model (wrong magic number)');
    const version = Buffer.from(good);
    version.writeUInt32LE(2, 8);
    expect(corruptMessage(resealed(version))).toBe('m.bin: unsupported model format version 2 (this library reads version 1)');
    const flags = Buffer.from(good);
    flags.writeUInt32LE(4, 12);
    expect(corruptMessage(resealed(flags))).toBe('m.bin: reserved flags are 0x4, expected 0');
  });

  it('rejects huge declared sizes before allocating', () => {
    const json = Buffer.from(good);
    json.writeUInt32LE(0xffffffff, 16);
    expect(corruptMessage(json)).toBe('m.bin: declares a 4294967295-byte description, more than the limit of 16777216');
    const json2 = Buffer.from(good);
    json2.writeUInt32LE(16 * 2 ** 20, 16);
    expect(corruptMessage(json2)).toMatch(/^m\.bin: truncated or corrupt: declares a 16777216-byte description and \d+ tensors \(at least \d+ bytes\), but holds \d+ bytes$/);
    const tensors = Buffer.from(good);
    tensors.writeUInt32LE(0xffffffff, 20);
    expect(corruptMessage(tensors)).toMatch(/^m\.bin: declares 4294967295 tensors, more than any model holds \(\d+\)$/);
    const count = Buffer.from(good);
    count.writeUInt32LE(0xffffffff, tableAt + 12);
    expect(corruptMessage(count)).toMatch(/^m\.bin: truncated or corrupt: tensor 0 declares 4294967295 floats, which would end at byte \d+, but the file holds \d+ bytes$/);
  });

  it('rejects a well-formed file whose table or description does not hold together', () => {
    // Swap the (h, l) of the first table entry: sizes still add up, the checksum is resealed.
    const swapped = Buffer.from(good);
    swapped.writeUInt32LE(7, tableAt + 4);
    expect(corruptMessage(resealed(swapped))).toBe('m.bin: tensor 0 is W(7,0) with 20 floats, but the description needs W(1,0) with 20');
    // Edit the JSON in place (same length): a keep of 5 instead of 0.5.
    const edit = (from: string, to: string) => {
      const b = Buffer.from(good);
      const at = b.indexOf(from, HEADER_BYTES);
      expect(at).toBeGreaterThan(0);
      b.write(to, at);
      return resealed(b);
    };
    expect(corruptMessage(edit('"keep":0.5', '"keep":5.0'))).toBe(
      'm.bin: invalid description (description: spec.layers[0].keep must be a number >= 0 and <= 1, got 5)',
    );
    expect(corruptMessage(edit('"spec"', '"spek"'))).toBe('m.bin: the header must be a JSON object { spec, training? }');
    expect(corruptMessage(edit('{"spec"', '["spec"'))).toMatch(/^m\.bin: the description is not valid JSON/);
    expect(corruptMessage(edit('"step":1234', '"step":-123'))).toBe('m.bin: invalid training state: step must be an integer >= 0, got -123');
    expect(corruptMessage(edit('"moments":["m","v"]', '"moments":["v","m"]'))).toBe('m.bin: invalid training state: moments ["v","m"] for optimizer adam');
    // A non-finite weight, resealed.
    const nan = Buffer.from(good);
    nan.writeFloatLE(NaN, tableAt + 16 * (weightPairs(spec).length + spec.layers.length + 2) + 8);
    expect(corruptMessage(resealed(nan))).toBe('m.bin: tensor 0 holds a non-finite value at index 2');
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'de-model-'));

  it('writes atomically: replaces the old file, leaves no temporary file', async () => {
    const path = join(dir, 'model.bin');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, encodeModel(contents(false)));
    expect(readdirSync(dir)).toEqual(['model.bin']);
    expectSameModel(contents(false), await readModelFile(path, 1));
  });

  it('a failed write leaves the old file and no temporary file', async () => {
    const path = join(dir, 'missing-dir', 'model.bin');
    await expect(writeFileAtomic(path, Uint8Array.of(1))).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(dir, 'missing-dir'))).toBe(false);
  });

  it('readModelFile checks the exact length from the header before reading the rest', async () => {
    const path = join(dir, 'bad.bin');
    writeFileSync(path, Buffer.concat([encodeModel(contents(true)), Buffer.alloc(5)]));
    await expect(readModelFile(path, 1)).rejects.toThrow(CorruptFileError);
    writeFileSync(path, readFileSync(join(dir, 'model.bin')).subarray(0, 100));
    await expect(readModelFile(path, 1)).rejects.toThrow(/^.*bad\.bin: truncated or corrupt/);
    writeFileSync(path, 'hello');
    await expect(readModelFile(path, 1)).rejects.toThrow(`${path}: not a dropout-ensemble model: 5 bytes, shorter than the 28-byte minimum`);
  });
});
