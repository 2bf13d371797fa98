#!/usr/bin/env node
// The package's install step: uses the prebuilt binary shipped in prebuilds/ when it loads here,
// else builds the native addon with no download: cmake-js from CMakeLists.txt when cmake is on PATH
// (the build that also carries the CUDA backend and the C++ tests), else node-gyp from binding.gyp.
// Usage: node scripts/build-addon.mjs [--cmake | --gyp] [--debug]; --cmake, --gyp, DE_BUILD or
// npm's --build-from-source always compile.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { usablePrebuild } from './prebuilds.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const jobs = String(Math.max(1, Math.min(4, (await import('node:os')).availableParallelism())));

function run(cmd, argv, env = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function haveCmake() {
  const r = spawnSync('cmake', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

function buildCmake() {
  const cli = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  const cuda = process.env.DE_CUDA ?? 'AUTO';
  return run(process.execPath, [cli, 'compile', '--out', 'build-cmake', '--parallel', jobs,
    `--CDDE_CUDA=${cuda}`, ...(args.has('--debug') ? ['--debug'] : [])]);
}

// node-gyp must use the headers of the running Node (never download them): npm passes its
// `nodedir` setting when it runs us; otherwise take the prefix of this node binary when its
// headers are installed there (e.g. /usr/include/node).
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined;
}

function buildGyp() {
  const cli = join(dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
  const dir = nodeDir();
  return run(process.execPath, [cli, 'rebuild', '--jobs', jobs, ...(dir ? [`--nodedir=${dir}`] : []),
    ...(args.has('--debug') ? ['--debug'] : [])]);
}

function haveCompiler() {
  return ['c++', 'g++', 'clang++'].some((cxx) => spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status === 0);
}

const fromSource = args.has('--gyp') || args.has('--cmake') || process.env.DE_BUILD || process.env.npm_config_build_from_source === 'true';
if (!fromSource) {
  const prebuilt = usablePrebuild(root);
  if (prebuilt.ok) {
    console.log(`dropout-ensemble: using the prebuilt binary ${prebuilt.path}`);
    process.exit(0);
  }
  if (existsSync(join(root, 'prebuilds'))) console.log(`dropout-ensemble: ${prebuilt.why}; compiling from source`);
  if (!haveCompiler()) {
    console.error(`dropout-ensemble: ${prebuilt.why}, and no C++ compiler is on the PATH to build it from source. Install a C++17 compiler (g++ or clang++) and cmake (or python3 and make for node-gyp), then run \`npm rebuild dropout-ensemble\`.`);
    process.exit(1);
  }
}

let ok;
if (args.has('--gyp') || process.env.DE_BUILD === 'gyp') ok = buildGyp();
else if (args.has('--cmake') || process.env.DE_BUILD === 'cmake') ok = buildCmake();
else ok = haveCmake() ? buildCmake() : buildGyp();
if (!ok) {
  console.error('dropout-ensemble: the native addon failed to build (see the compiler output above).');
  process.exit(1);
}
