// The package as a dependency: import and require both give the library (require through Node's
// require(esm), Node >= 20.19), and the tarball carries its licence.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'de-consumer-'));
  writeFileSync(join(dir, 'package.json'), '{ "name": "consumer", "private": true }');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'dropout-ensemble'), 'dir');
  return dir;
}

describe('the package as a dependency', () => {
  it('import and require both load the library (dist/, built by the test suite for the CLI tests)', () => {
    const dir = project();
    const script = 'const ns = %s; console.log(typeof ns.Network, ns.limits.maxLayers)';
    const viaImport = execFileSync(process.execPath, ['--input-type=module', '-e', `const ns = await import('dropout-ensemble'); ${script.slice(script.indexOf(';') + 2)}`], { cwd: dir, encoding: 'utf8' });
    const viaRequire = execFileSync(process.execPath, ['-e', script.replace('%s', "require('dropout-ensemble')")], { cwd: dir, encoding: 'utf8' });
    expect(viaImport.trim()).toBe('function 2047');
    expect(viaRequire.trim()).toBe('function 2047');
  });

  it('says which Node it needs (zlib.crc32 arrived in 20.15) and ships a licence', () => {
    expect(pkg.engines.node).toBe('>=20.15');
    expect(pkg.license).toBe('MIT');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(pkg.files).toContain('LICENSE');
  });
});
