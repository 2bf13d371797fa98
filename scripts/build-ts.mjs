#!/usr/bin/env node
// Compiles the TypeScript: the library (src/ → dist/) and then the application (app/ → dist/app/),
// which imports the library by its package name and is typed against the library's emitted .d.ts.
// dist/ is emptied first, so that a moved or deleted source never leaves a stale module behind.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const project of ['tsconfig.build.json', 'tsconfig.app.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
}
