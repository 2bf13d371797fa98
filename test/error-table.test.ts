// The README's table of error codes is generated from src/errors.ts; it must list every error class
// the library exports, and the README must hold the table as generated.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors.js';
// @ts-expect-error: a plain ESM script without type declarations
import { errorClasses, errorTable, withTable } from '../scripts/error-table.mjs';

type Row = { code: string; name: string; base: string; when: string };
const source = readFileSync(new URL('../src/errors.ts', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const rows: Row[] = errorClasses(source);

describe('the error table', () => {
  it('has one row per exported error class, with its code and base class', () => {
    const exported = Object.entries(errors).filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error);
    expect(rows.map((r) => r.name).sort()).toEqual(exported.map(([k]) => k).sort());
    for (const r of rows) {
      const Ctor = (errors as unknown as Record<string, new (m: string) => Error & { code: string }>)[r.name]!;
      const e = new Ctor('x');
      expect(e.code).toBe(r.code);
      expect(e).toBeInstanceOf((globalThis as unknown as Record<string, new () => Error>)[r.base]!);
      expect(r.when.length).toBeGreaterThan(10);
    }
  });

  it('is in the README as generated (node scripts/error-table.mjs)', () => {
    expect(withTable(readme, errorTable(rows))).toBe(readme);
  });

  it('notices a class whose description changed', () => {
    const changed = source.replace('/** An invariant broke inside the library', '/** Something else broke');
    expect(withTable(readme, errorTable(errorClasses(changed)))).not.toBe(readme);
  });
});
