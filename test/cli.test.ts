// The command line, run as users run it: `node dist/app/cli/main.js` (built by `npm run prepare`;
// rebuilt first when a source file of the library or the application is newer). Every failure must be one line on stderr, a non-zero exit
// code, and never a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../src/data/mnist.js';
import { Network } from '../src/network/network.js';
import { idxFile } from './helpers/idx-file.js';
import { ensureBuiltCli, MAIN, ROOT } from './helpers/built-cli.js';


function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DE_DEBUG: '' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr naming the problem, non-zero exit, no stack trace. */
function expectOneLineError(r: ReturnType<typeof cli>, code: number, pattern: RegExp) {
  expect(r.code).toBe(code);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^dropout-ensemble: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
const images = join(dir, 'images.idx.gz');
const labels = join(dir, 'labels.idx');

beforeAll(async () => {
  await ensureBuiltCli();
  // 300 MNIST digits as a gzipped images file and a plain labels file.
  const m = await loadMnist();
  const n = 300;
  const pixels = Uint8Array.from(m.train.inputs.subarray(0, n * 784), (x) => Math.round(x * 255));
  writeFileSync(images, gzipSync(idxFile(0x08, [n, 28, 28], pixels)));
  writeFileSync(labels, idxFile(0x08, [n], m.train.targets.subarray(0, n)));
}, 180_000);

describe('dropout-ensemble: usage errors', () => {
  it('rejects an unknown command, an unknown flag and a bad value with exit code 2', () => {
    expectOneLineError(cli('frobnicate'), 2, /unknown command "frobnicate"/);
    expectOneLineError(cli('reproduce', '--bogus'), 2, /reproduce: Unknown option '--bogus'/);
    expectOneLineError(cli('reproduce', '--epochs', 'ten'), 2, /--epochs must be an integer in \[1, 100000\], got "ten"/);
    expectOneLineError(cli('reproduce', '--quick', '--full'), 2, /exclude each other/);
    expectOneLineError(cli('reproduce', '--backend', 'tpu'), 2, /--backend must be one of cpu, cuda, auto/);
    expectOneLineError(cli('train', '--images', images), 2, /--labels is required/);
    expectOneLineError(cli('stats'), 2, /give the model file/);
  });

  it('prints help with exit code 0', () => {
    const r = cli('reproduce', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--resume');
  });
});

describe('dropout-ensemble: bad files', () => {
  it('a missing IDX file', () => {
    expectOneLineError(cli('train', '--images', join(dir, 'nope.idx'), '--labels', labels, '--out', join(dir, 'm.bin')), 1, /cannot read .*nope\.idx \(ENOENT\)/);
  });

  it('a corrupt IDX file: wrong magic, truncated, lying gzip', () => {
    const wrong = join(dir, 'wrong.idx');
    writeFileSync(wrong, Buffer.from('not an idx file at all'));
    expectOneLineError(cli('train', '--images', wrong, '--labels', labels, '--out', join(dir, 'm.bin')), 1, /wrong\.idx: not a valid IDX file: wrong magic/);
    const truncated = join(dir, 'truncated.idx');
    writeFileSync(truncated, idxFile(0x08, [300, 28, 28], new Uint8Array(1000)));
    expectOneLineError(cli('train', '--images', truncated, '--labels', labels, '--out', join(dir, 'm.bin')), 1, /truncated: the header declares 300 × 28 × 28 uint8 values/);
    const huge = join(dir, 'huge.idx.gz');
    writeFileSync(huge, gzipSync(idxFile(0x08, [60000, 28, 28], new Uint8Array(100))));
    expectOneLineError(cli('train', '--images', huge, '--labels', labels, '--out', join(dir, 'm.bin')), 1, /huge\.idx\.gz: not a valid IDX file/);
  });

  it('labels that do not match the images', () => {
    const short = join(dir, 'short-labels.idx');
    writeFileSync(short, idxFile(0x08, [10], new Uint8Array(10)));
    expectOneLineError(cli('train', '--images', images, '--labels', short, '--out', join(dir, 'm.bin')), 1, /10 labels for 300 examples/);
  });

  it('a corrupt model file and a model of the wrong shape', async () => {
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.alloc(100, 7));
    expectOneLineError(cli('stats', junk, '--input', images), 1, /junk\.bin/);
    const small = new Network({ inputs: 20, layers: [{ units: 5, keep: 0.5 }, { units: 3, activation: 'softmax' }], seed: 1, threads: 1 });
    const model = join(dir, 'small.bin');
    await small.save(model);
    expectOneLineError(cli('stats', model, '--input', images), 1, /the model reads 20 inputs per example but .*images\.idx\.gz has 784/);
  });
});

describe('dropout-ensemble: train and stats on IDX files', () => {
  it('trains a network from flags, saves it, and reports per-neuron statistics as JSON', () => {
    const model = join(dir, 'trained.bin');
    const t = cli('train', '--images', images, '--labels', labels, '--hidden', '16,16', '--epochs', '2', '--batch-size', '50', '--seed', '4', '--threads', '1', '--out', model);
    expect(t.stderr).not.toMatch(/\n\s+at /);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain(`model: ${model}`);
    const s = cli('stats', model, '--input', images, '--index', '0,7', '--samples', '200', '--json', '-');
    expect(s.code, s.stderr).toBe(0);
    const json = JSON.parse(s.stdout);
    expect(json.inputs.map((i: { index: number }) => i.index)).toEqual([0, 7]);
    const layer1 = json.inputs[0].stats.layers[0];
    expect(layer1.mean).toHaveLength(16);
    for (const k of ['mean', 'variance', 'std', 'nwgm', 'deterministic', 'secondOrder', 'deltaMethod', 'bound']) {
      expect(layer1[k].every((x: number | null) => typeof x === 'number' && Number.isFinite(x)), k).toBe(true);
    }
    // Training continues from the saved model: its epochs count on, its description is its own.
    const more = cli('train', '--images', images, '--labels', labels, '--from', model, '--epochs', '1', '--batch-size', '50', '--threads', '1', '--out', join(dir, 'more.bin'));
    expect(more.code, more.stderr).toBe(0);
    expect(more.stderr).toMatch(/epoch 3: loss/);
    const scaled = cli('train', '--images', images, '--labels', labels, '--from', model, '--epochs', '1', '--batch-size', '50', '--threads', '1', '--learning-rate-scale', '3,1,1', '--out', join(dir, 'scaled.bin'));
    expect(scaled.code, scaled.stderr).toBe(0);
    expectOneLineError(cli('train', '--images', images, '--labels', labels, '--from', model, '--learning-rate-scale', '3,x', '--out', join(dir, 'x.bin')), 2, /--learning-rate-scale must be a number >= 0, got "x"/);
    const wrongCount = cli('train', '--images', images, '--labels', labels, '--from', model, '--learning-rate-scale', '3,1', '--out', join(dir, 'x.bin'));
    expect(wrongCount.code).toBe(1);
    expect(wrongCount.stderr).toMatch(/learningRateScale must hold one factor per layer \(3\), got 2/);
    expect(cli('train', '--images', images, '--labels', labels, '--from', model, '--hidden', '8', '--out', join(dir, 'x.bin')).stderr).toMatch(/--hidden cannot be combined with --from/);
    const printed = cli('stats', model, '--input', images, '--samples', '100');
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/input 0 \(100 subnetworks\)/);
    expect(printed.stdout.trim().split('\n')).toHaveLength(2 + 3);
    // The Eq. 22 bound is for logistic units: the softmax layer's column says n/a, not 0.0%.
    const top = printed.stdout.trim().split('\n').at(-1)!;
    expect(top.trim().split(/\s+/).at(-2)).toBe('n/a');
    // Every input: the summary is the mean over them; the JSON holds each, in order.
    const all = cli('stats', model, '--input', images, '--all', '--samples', '20', '--json', join(dir, 'all.json'));
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/mean over 300 inputs \(20 subnetworks each\)/);
    const every = JSON.parse(readFileSync(join(dir, 'all.json'), 'utf8'));
    expect(every.inputs.map((i: { index: number }) => i.index)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(every.inputs[299].stats.samples).toBe(20);
    expect(cli('stats', model, '--input', images, '--all', '--index', '3').stderr).toMatch(/--index or --all, not both/);
  });
});

describe('dropout-ensemble: habits of a command line', () => {
  it('prints its version', () => {
    const r = cli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('suggests the command or flag a typo meant', () => {
    expectOneLineError(cli('reproduec'), 2, /unknown command "reproduec" \(did you mean "reproduce"\?\)/);
    expectOneLineError(cli('reproduce', '--epoch', '3'), 2, /Unknown option '--epoch' \(did you mean "--epochs"\?\)/);
  });

  it('refuses an --out folder that does not exist before it trains', () => {
    const r = cli('train', '--images', images, '--labels', labels, '--epochs', '1000', '--out', join(dir, 'missing', 'm.bin'));
    expectOneLineError(r, 2, /--out .*the folder .*missing does not exist/);
  });
});

/** Starts `train` for practically ever, sends SIGINT once training has begun, and again `again` ms later. */
async function interruptTraining(out: string, again?: number) {
  const child = spawn(process.execPath, [MAIN, 'train', '--images', images, '--labels', labels, '--hidden', '200,200', '--epochs', '100000', '--out', out],
    { cwd: ROOT, env: { ...process.env, DE_DEBUG: '' } });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number }>((resolve) => {
    let t0 = 0;
    const started = () => {
      if (t0 || !/epoch 2:/.test(output)) return;
      t0 = Date.now();
      child.kill('SIGINT');
      if (again !== undefined) setTimeout(() => child.kill('SIGINT'), again);
    };
    child.stdout.on('data', (d) => { output += d; started(); });
    child.stderr.on('data', (d) => { output += d; started(); });
    child.on('exit', (code, signal) => resolve({ code, signal, seconds: (Date.now() - t0) / 1000 }));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);  // a hang shows as SIGKILL
  const r = await exited;
  clearTimeout(timer);
  return { ...r, output };
}

describe('dropout-ensemble: Ctrl-C', () => {
  it('the first Ctrl-C stops training after the current minibatch and saves a model that loads', async () => {
    const out = join(dir, 'interrupted.bin');
    const r = await interruptTraining(out);
    expect(r.signal, r.output).toBeNull();
    expect(r.code, r.output).toBe(130);
    expect(r.seconds).toBeLessThan(10);
    expect(r.output).toContain('interrupted: saved at the last completed minibatch');
    const net = await Network.load(out);
    expect(net.spec.layers.map((l) => l.units)).toEqual([200, 200, 10]);
    expect(net.getWeights(1, 0)).toHaveLength(200 * 784);
  }, 70_000);

  it('a second Ctrl-C quits at once, whenever it comes, and leaves no partial file', async () => {
    for (const [i, again] of [0, 30, 150, 400].entries()) {
      const out = join(dir, `twice-${i}.bin`);
      const r = await interruptTraining(out, again);
      // Quit by the handler (130, "stopped without saving") or, when the first stop has already
      // finished its save, by the signal's default action; never a hang (SIGKILL after 60 s).
      expect(r.signal === null ? r.code : r.signal, r.output).toBeOneOf([130, 'SIGINT']);
      expect(r.seconds, r.output).toBeLessThan(10);
      if (existsSync(out)) await Network.load(out);  // whatever was written is whole
    }
    expect(readdirSync(dir).filter((f) => f.includes('.tmp') || f.startsWith('.')), 'no temporary files left').toEqual([]);
  }, 240_000);
});
