#!/usr/bin/env node
// Builds the C++ test executable with CMake in build-tests/ and runs it through ctest.
import { spawnSync } from 'node:child_process';

const steps = [
  ['cmake', ['-S', '.', '-B', 'build-tests', '-DCMAKE_BUILD_TYPE=Release', ...process.argv.slice(2)]],
  ['cmake', ['--build', 'build-tests', '-j2']],
  ['ctest', ['--test-dir', 'build-tests', '--output-on-failure']],
];
for (const [cmd, args] of steps) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
