// The application (app/: the CLI and the report) is built on the library's public API only, and the
// library needs nothing the application brings: `import 'dropout-ensemble'` works without vega.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath, runFixture } from './helpers/child.js';

const ROOT = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Every module specifier a file imports or re-exports, statically or with import(). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of text.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

/** The application's own dependencies, all optional: the report's figures and the job queue. */
const APP_OPTIONAL = ['vega', 'vega-lite', 'bullmq', 'ioredis'];

describe('the application apart from the library', () => {
  it('app/ imports the library only by its package name', () => {
    const bad: string[] = [];
    for (const file of sources(join(ROOT, 'app'))) {
      for (const s of specifiers(file)) {
        const inside = s.startsWith('.') && !relative(join(ROOT, 'app'), join(file, '..', s)).startsWith('..');
        if (!(inside || s.startsWith('node:') || s === 'dropout-ensemble' || APP_OPTIONAL.includes(s))) bad.push(`${relative(ROOT, file)}: ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('src/ imports neither the application nor its dependencies', () => {
    const bad: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      for (const s of specifiers(file)) {
        if (APP_OPTIONAL.some((d) => s === d || s.startsWith(`${d}/`)) || (s.startsWith('.') && relative(join(ROOT, 'src'), join(file, '..', s)).startsWith('..'))) bad.push(`${relative(ROOT, file)}: ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the checks above see the imports they are about', () => {
    expect(specifiers(join(ROOT, 'app', 'cli', 'train.ts'))).toContain('dropout-ensemble');
    expect(specifiers(join(ROOT, 'app', 'report', 'vega.ts'))).toEqual(expect.arrayContaining(['vega', 'vega-lite']));
    expect(specifiers(join(ROOT, 'app', 'queue', 'redis.ts'))).toEqual(expect.arrayContaining(['bullmq', 'ioredis']));
  });

  it('the library lists no application dependency; those of the application are optional', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const d of APP_OPTIONAL) expect(Object.keys(pkg.dependencies)).not.toContain(d);
    expect(Object.keys(pkg.optionalDependencies)).toEqual(expect.arrayContaining(APP_OPTIONAL));
  });

  it('without vega installed, the library imports and computes, and the report says what to install', async () => {
    const child = await runFixture<{ vegaHidden: boolean; predicted: number; render: unknown }>('without-vega.ts', {}, {
      nodeFlags: ['--import', fixturePath('no-vega.mjs')],
      timeoutMs: 60_000,
    });
    expect(child.code, child.stderr).toBe(0);
    expect(child.result).toEqual({
      vegaHidden: true,
      predicted: 2,
      render: { name: 'MissingDependencyError', code: 'ERR_MISSING_DEPENDENCY', message: expect.stringMatching(/'vega'.*npm install vega vega-lite/) },
    });
  });
});
