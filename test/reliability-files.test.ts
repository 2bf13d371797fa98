// Hostile model and IDX files. Real files (a saved model with its Adam state, MNIST's IDX
// files, gzipped or not) are truncated at every prefix length, bit-flipped at random positions, and
// given header fields that declare sizes far beyond the file or overflowing 32 and 64 bits (with a
// valid checksum, so that only the size checks stand between the file and an allocation). Each must
// be rejected with CorruptFileError (IDX bit flips inside the pixel data are legitimately valid),
// and the process's RSS must not jump: nothing is allocated at a declared size before it is checked.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptFileError } from '../src/errors.js';
import { loadIdx, parseIdx } from '../src/data/idx.js';
import { mnistDataDir } from '../src/data/mnist.js';
import { Network } from '../src/network/network.js';
import { HEADER_BYTES, TABLE_ENTRY_BYTES } from '../src/network/model-file.js';
import { longTests, sanitized } from './helpers/child.js';
import { idxFile } from './helpers/idx-file.js';
import { randomFloats, rng } from './helpers/random.js';

/** RSS may not grow by more than this while hostile files are parsed. */
const RSS_BUDGET = 200 * 2 ** 20;

// A real gzip bomb: 64 MiB of zeros (compresses to ~64 KiB) behind a header that declares 100 bytes.
// Built before the RSS baseline is taken: the 64 MiB are the test's, not the parser's.
const gzipBomb = gzipSync(Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, 100]), Buffer.alloc(64 * 2 ** 20)]));

let rssStart = 0;
let rssPeak = 0;
let sampler: NodeJS.Timeout | undefined;
const sampleRss = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss));
beforeAll(() => {
  rssStart = process.memoryUsage().rss;
  rssPeak = rssStart;
  sampler = setInterval(sampleRss, 5);
});
afterAll(() => clearInterval(sampler));


function rejection(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectCorrupt(fn: () => unknown, what: string): void {
  const e = rejection(fn);
  if (!(e instanceof CorruptFileError) || e.code !== 'ERR_CORRUPT') {
    throw new Error(`${what}: expected CorruptFileError, got ${e === undefined ? 'success' : String(e)}`);
  }
  sampleRss();
}

/** The model file with its CRC-32 recomputed, so that only the field checks can reject it. */
function withCrc(bytes: Uint8Array): Uint8Array {
  const b = Uint8Array.from(bytes);
  new DataView(b.buffer).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)) >>> 0, true);
  return b;
}

const flipsPerFile = longTests ? 5000 : 400;

describe('model files', () => {
  let model: Uint8Array;
  let dir: string;
  beforeAll(async () => {
    const net = new Network({ inputs: 12, inputKeep: 0.8, layers: [{ units: 9, activation: 'logistic', keep: 0.5 }, { units: 7, activation: 'tanh', keep: 0.5, from: [0, 1] }, { units: 3, activation: 'softmax' }], seed: 4, threads: 1 });
    const count = 30;
    await net.train({ inputs: randomFloats(count * 12, 1, 0, 1), targets: Uint8Array.from({ length: count }, (_, i) => i % 3), count }, { epochs: 1, batchSize: 10 });
    model = net.toBuffer();
    dir = mkdtempSync(join(tmpdir(), 'de-files-'));
  });

  it('the unmodified file loads (the mutations below start from a valid model)', () => {
    expect(Network.fromBuffer(model).spec.layers).toHaveLength(3);
  });

  it('is rejected when truncated at every prefix length', () => {
    for (let n = 0; n < model.length; n++) expectCorrupt(() => Network.fromBuffer(model.subarray(0, n)), `prefix ${n}`);
    expectCorrupt(() => Network.fromBuffer(Buffer.concat([model, Uint8Array.of(0)])), 'one byte appended');
  });

  it('is rejected from disk when truncated (a sample of prefix lengths, through Network.load)', async () => {
    const path = join(dir, 'truncated.bin');
    const r = rng(7);
    for (let i = 0; i < 40; i++) {
      const n = i < 30 ? i : Math.floor(r() * model.length);
      writeFileSync(path, model.subarray(0, n));
      await expect(Network.load(path), `prefix ${n}`).rejects.toBeInstanceOf(CorruptFileError);
    }
  });

  it('is rejected with any bit flipped', () => {
    const r = rng(11);
    for (let i = 0; i < flipsPerFile; i++) {
      const b = Uint8Array.from(model);
      const at = Math.floor(r() * b.length);
      b[at] ^= 1 << Math.floor(r() * 8);
      expectCorrupt(() => Network.fromBuffer(b), `bit flip at byte ${at}`);
    }
  });

  it('is rejected, before any allocation, when header fields declare huge or overflowing sizes (valid checksum)', () => {
    const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const jsonBytes = view(model).getUint32(16, true);
    const tensors = view(model).getUint32(20, true);
    const tableAt = HEADER_BYTES + jsonBytes + ((4 - (jsonBytes % 4)) % 4);
    const edits: Array<[string, (v: DataView) => void]> = [
      ['json length 2^32 − 1', (v) => v.setUint32(16, 0xffffffff, true)],
      ['json length 16 MiB + 1', (v) => v.setUint32(16, 16 * 2 ** 20 + 1, true)],
      ['tensor count 2^32 − 1', (v) => v.setUint32(20, 0xffffffff, true)],
      ['tensor count 2^28', (v) => v.setUint32(20, 2 ** 28, true)],
      ['tensor count + 1', (v) => v.setUint32(20, tensors + 1, true)],
      ['tensor count 0', (v) => v.setUint32(20, 0, true)],
      ['version 2', (v) => v.setUint32(8, 2, true)],
      ['flags 1', (v) => v.setUint32(12, 1, true)],
    ];
    for (let t = 0; t < tensors; t++) {
      const at = tableAt + TABLE_ENTRY_BYTES * t;
      edits.push(
        [`tensor ${t} count 2^32 − 1`, (v) => v.setUint32(at + 12, 0xffffffff, true)],
        [`tensor ${t} count 2^30 (4 GiB of floats)`, (v) => v.setUint32(at + 12, 2 ** 30, true)],
        [`tensor ${t} count + 1`, (v) => v.setUint32(at + 12, v.getUint32(at + 12, true) + 1, true)],
        [`tensor ${t} kind 99`, (v) => v.setUint32(at, 99, true)],
        [`tensor ${t} h 2^31`, (v) => v.setUint32(at + 4, 2 ** 31, true)],
      );
    }
    for (const [what, edit] of edits) {
      const b = Uint8Array.from(model);
      edit(view(b));
      expectCorrupt(() => Network.fromBuffer(withCrc(b)), what);
    }
  });

  it('is rejected when its description declares absurd sizes (rebuilt file, valid checksum)', () => {
    const view = new DataView(model.buffer, model.byteOffset, model.byteLength);
    const jsonBytes = view.getUint32(16, true);
    const json = Buffer.from(model.subarray(HEADER_BYTES, HEADER_BYTES + jsonBytes)).toString('utf8');
    const rest = model.subarray(HEADER_BYTES + jsonBytes + ((4 - (jsonBytes % 4)) % 4));
    const rebuild = (text: string) => {
      const j = Buffer.from(text, 'utf8');
      const pad = (4 - (j.length % 4)) % 4;
      const b = new Uint8Array(HEADER_BYTES + j.length + pad + rest.length);
      b.set(model.subarray(0, HEADER_BYTES));
      new DataView(b.buffer).setUint32(16, j.length, true);
      b.set(j, HEADER_BYTES);
      b.set(rest, HEADER_BYTES + j.length + pad);
      return withCrc(b);
    };
    expect(Network.fromBuffer(rebuild(json)).spec.inputs).toBe(12); // the rebuild itself is sound
    const hostile = [
      json.replace('"inputs":12', '"inputs":4294967297'),
      json.replace('"inputs":12', '"inputs":16777216').replace('"units":9', '"units":16777216'),
      json.replace('"units":9', '"units":1e300'),
      json.replace('"units":9', '"units":-9'),
      json.replace('"units":9', '"units":9.5'),
      json.replace('"units":9', '"units":"9"'),
      json.replace('"inputs":12', '"inputs":NaN'),
      json.replace('"seed":4', '"seed":18446744073709551616'),
      json.replace('"from":[0,1]', '"from":[0,1,1]'),
      json.replace('"from":[0,1]', '"from":[5]'),
      json.slice(0, -1),
      '{}', '[]', 'null', '{"spec":{}}', `{"spec":${'['.repeat(5000)}}`,
    ];
    hostile.forEach((text, i) => {
      expect(text, `hostile description ${i} must differ from the original`).not.toBe(json);
      expectCorrupt(() => Network.fromBuffer(rebuild(text)), `hostile description ${i}`);
    });
  });
});

describe('IDX files', () => {
  const mnist = (name: string) => readFileSync(join(mnistDataDir(), name));
  let labels: Buffer;
  let images: Buffer;
  beforeAll(() => {
    labels = mnist('t10k-labels-idx1-ubyte');
    images = mnist('t10k-images-idx3-ubyte').subarray(0, 16 + 784 * 200);
    // A consistent 200-image file: the header says 200.
    images = Buffer.from(images);
    images.writeUInt32BE(200, 4);
  });

  it('rejects every truncation of the labels file (plain and gzipped)', () => {
    expect(parseIdx(labels).dims).toEqual([10000]);
    for (let n = 0; n < labels.length; n += n < 64 ? 1 : 97) expectCorrupt(() => parseIdx(labels.subarray(0, n)), `labels prefix ${n}`);
    const gz = gzipSync(labels);
    expect(parseIdx(gz).dims).toEqual([10000]);
    for (let n = 0; n < gz.length; n++) expectCorrupt(() => parseIdx(gz.subarray(0, n)), `gzipped labels prefix ${n}`);
  });

  it('bit flips either leave a valid file of the same size or are rejected with CorruptFileError', () => {
    const r = rng(5);
    let rejected = 0;
    for (const file of [labels, images, gzipSync(images)]) {
      for (let i = 0; i < flipsPerFile / 4; i++) {
        const b = Uint8Array.from(file);
        // Half the flips in the header, where they matter most.
        const at = r() < 0.5 ? Math.floor(r() * 24) % b.length : Math.floor(r() * b.length);
        b[at] ^= 1 << Math.floor(r() * 8);
        const e = rejection(() => parseIdx(b));
        sampleRss();
        if (e === undefined) continue;
        if (!(e instanceof CorruptFileError)) throw new Error(`bit flip at ${at}: ${String(e)}`);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('rejects declared sizes far beyond the file and products overflowing 32 and 64 bits', () => {
    const header = (type: number, dims: number[]) => idxFile(type, dims, new Uint8Array(64));
    const cases: Array<[number, number[]]> = [
      [0x08, [0xffffffff]], [0x08, [0x10000, 0x10000]], [0x08, [0xffffffff, 0xffffffff, 0xffffffff]],
      [0x0e, [2 ** 28, 2]], [0x0d, [60000, 28, 28]], [0x08, [0, 5]],
      [0x08, Array.from({ length: 255 }, () => 0xffffffff)], [0x0c, [3, 0x55555556]],
    ];
    for (const [type, dims] of cases) {
      const b = header(type, dims);
      expectCorrupt(() => parseIdx(b), `dims ${dims.slice(0, 4).join('×')}`);
      expectCorrupt(() => parseIdx(gzipSync(b)), `gzipped dims ${dims.slice(0, 4).join('×')}`);
    }
    expectCorrupt(() => parseIdx(gzipBomb), 'gzip bomb');
  });

  it('loadIdx rejects damaged files on disk the same way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'de-idx-'));
    const path = join(dir, 'bad.idx');
    for (const n of [0, 3, 7, 8, 100, labels.length - 1]) {
      writeFileSync(path, labels.subarray(0, n));
      await expect(loadIdx(path)).rejects.toBeInstanceOf(CorruptFileError);
    }
  });

  // Under AddressSanitizer (scripts/sanitize.sh) freed memory sits in quarantine: RSS means nothing.
  it.skipIf(sanitized)(`RSS grew by less than ${RSS_BUDGET / 2 ** 20} MB while hostile files were parsed`, () => {
    sampleRss();
    const growth = rssPeak - rssStart;
    console.log(`reliability-files: RSS start ${(rssStart / 2 ** 20).toFixed(0)} MB, peak growth ${(growth / 2 ** 20).toFixed(1)} MB`);
    expect(growth).toBeLessThan(RSS_BUDGET);
  });
});
