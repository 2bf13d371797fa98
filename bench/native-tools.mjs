// The benchmarks' native peers (the FMA peak, OpenBLAS) live in C++ tools of native/tools, not in
// the addon. This builds them once with CMake in build-tools/ (CPU only) and runs them for JSON.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build-tools');

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr || r.stdout}`);
  return r.stdout;
}

/** The path of a tool of native/tools, built (or brought up to date) in build-tools/. */
export function nativeTool(name) {
  if (!existsSync(join(buildDir, 'CMakeCache.txt'))) {
    run('cmake', ['-S', '.', '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DDE_CUDA=OFF', '-DDE_BUILD_TESTS=OFF', '-DDE_BUILD_TOOLS=ON']);
  }
  run('cmake', ['--build', buildDir, '--target', name, '-j2']);
  return join(buildDir, name);
}

/** Runs a tool and parses the JSON line it prints. */
export function runTool(name, args, env = {}) {
  const out = run(nativeTool(name), args, env).trim().split('\n');
  return JSON.parse(out[out.length - 1]);
}
