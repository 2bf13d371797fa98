// The prebuilt binaries' place and test, shared by scripts/prebuild.mjs (which makes them) and
// scripts/build-addon.mjs (which uses them at install instead of compiling, when they load here).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** prebuilds/<platform>-<arch>/ under the package root. */
export function prebuildDir(root) {
  return join(root, 'prebuilds', `${process.platform}-${process.arch}`);
}

/** The running glibc's version ("2.36"), or undefined on another C library. */
export function glibcVersion() {
  return process.report?.getReport?.().header?.glibcVersionRuntime;
}

/**
 * Whether the shipped binary for this platform loads in this Node: { ok: true, path } or
 * { ok: false, why }. It is loaded in a child process, so a binary that cannot load here (another
 * C library, an older glibc, a missing symbol) costs a message, not this process.
 */
export function usablePrebuild(root) {
  const path = join(prebuildDir(root), 'dropout_ensemble.node');
  if (!existsSync(path)) return { ok: false, why: `no prebuilt binary for ${process.platform}-${process.arch}` };
  const probe = spawnSync(process.execPath, ['-e', `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(path)}); if (typeof m.exports.Network !== 'function') process.exit(3);`], { encoding: 'utf8' });
  if (probe.status === 0) return { ok: true, path };
  return { ok: false, why: `the prebuilt binary does not load here: ${(probe.stderr || `exit ${probe.status}`).trim().split('\n').find((l) => /Error|error/.test(l)) ?? 'unknown error'}` };
}

/**
 * Copies a Release build (dropout_ensemble.node, and libde_cuda.so when built) into
 * prebuilds/<platform>-<arch>/ under `root`, with a manifest of what it needs. Returns the manifest.
 */
export function writePrebuild(root, releaseDir) {
  const out = prebuildDir(root);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  copyFileSync(join(releaseDir, 'dropout_ensemble.node'), join(out, 'dropout_ensemble.node'));
  const cuda = existsSync(join(releaseDir, 'libde_cuda.so'));
  if (cuda) copyFileSync(join(releaseDir, 'libde_cuda.so'), join(out, 'libde_cuda.so'));
  const manifest = {
    platform: process.platform,
    arch: process.arch,
    napi: 8,
    libc: glibcVersion() ? 'glibc' : 'other',
    // Built against this glibc: it loads on this version and newer ones.
    glibc: glibcVersion() ?? null,
    cuda,
    builtWith: `node ${process.version}`,
  };
  writeFileSync(join(out, 'prebuild.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir: out, manifest };
}
