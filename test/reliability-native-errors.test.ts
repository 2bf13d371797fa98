// "No abort, ever": a C++ exception escaping a synchronous binding method (std::bad_alloc
// above all) must become a JS error, and src/errors.ts must type it, never std::terminate → abort.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { callNative, fromNative, InternalError, OutOfMemoryError } from '../src/errors.js';
import { nativePath } from '../src/native.js';
import { fixturePath, sanitized } from './helpers/child.js';

describe('native exceptions', () => {
  it.skipIf(sanitized)('an allocation failure in a synchronous binding call is an error, not an abort', () => {
    // 6 GB of address space: enough for node, not for 8.5 GB of weights.
    const r = spawnSync('bash', ['-c', `ulimit -v 6000000 && exec "${process.execPath}" "${fixturePath('oom-raw.cjs')}" "${nativePath()}"`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { network: { message: string }; after: number[] };
    expect(out.network.message).toMatch(/bad_alloc/);
    expect(out.after).toEqual([0, 0]);
    // What the public API makes of it:
    expect(fromNative(Object.assign(new Error(out.network.message)))).toBeInstanceOf(OutOfMemoryError);
  });

  it('code-less errors out of native calls are typed: OutOfMemoryError or InternalError', () => {
    const oom = fromNative(new Error('std::bad_alloc'));
    expect(oom).toBeInstanceOf(OutOfMemoryError);
    expect((oom as OutOfMemoryError).code).toBe('ERR_OUT_OF_MEMORY');
    expect(fromNative(new RangeError('Array buffer allocation failed'))).toBeInstanceOf(OutOfMemoryError);
    const internal = fromNative(new Error('A native exception was thrown'));
    expect(internal).toBeInstanceOf(InternalError);
    expect((internal as InternalError).code).toBe('ERR_INTERNAL');
    expect(() => callNative(() => { throw new Error('vector::_M_range_check'); })).toThrow(InternalError);
    // Errors that carry a code keep it: Node's file-system errors pass through.
    const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', syscall: 'open' });
    expect(fromNative(enoent)).toBe(enoent);
  });
});
