// The native layers: includes run one way (common < cpu < core < cuda < addon), tools and tests
// apart, no CUDA host code in the engine; and the published package carries the library only.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without type declarations
import { checkLayers } from '../scripts/check-layers.mjs';

const ROOT = join(import.meta.dirname, '..');

describe('native layers', () => {
  it('the tree keeps the rule (scripts/check-layers.mjs)', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'scripts', 'check-layers.mjs')], { encoding: 'utf8' });
    expect(out).toMatch(/includes run one way/);
  });

  it('the check sees an include that runs upward, a tool in the library, and CUDA host code in core', () => {
    const bad = checkLayers({
      'cpu/a.cpp': '#include "cpu/b.h"\n#include "core/network.h"\n',
      'core/c.cpp': '#include "tools/fma_peak.h"\n// cuda_network.h is mentioned here only\n',
      'core/d.cpp': 'void f() { load_cuda_backend(nullptr); }\n',
      'addon/e.cpp': '#include "cuda/host/cuda_loader.h"\n#include "common/status.h"\n',
      'tools/f.cpp': '#include "addon/common.h"\n',
    }) as Array<{ file: string; line: number; why: string }>;
    expect(bad.map((b) => `${b.file}:${b.line}`)).toEqual(['cpu/a.cpp:2', 'core/c.cpp:1', 'core/d.cpp:0']);
  });

  it('npm pack ships no tests, tools, benchmarks or build outputs', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }));
    const files: string[] = pack.files.map((f: { path: string }) => f.path);
    expect(files.filter((f) => /^(native\/(tests|tools)|test|bench|build[^/]*|scripts\/(check-layers|error-table))\//.test(f) || /^native\/.*\/(bench|recipe)/.test(f))).toEqual([]);
    for (const needed of ['native/sources.json', 'native/cpu/dispatch.cpp', 'native/common/philox.h', 'native/cuda/cuda_api.h', 'CMakeLists.txt', 'binding.gyp', 'dist/index.js', 'dist/app/cli/main.js']) {
      expect(files).toContain(needed);
    }
  });
});
