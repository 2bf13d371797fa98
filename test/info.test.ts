// info(): the CPU kernel, the thread count, and which backends are built and usable here — and the
// reason when one is not. On a machine without a GPU (CI, this one) CUDA must be reported unusable
// with a reason, never crash the addon.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { info } from '../src/info.js';

describe('info()', () => {
  const i = info();

  it('names the CPU kernel chosen at load and the thread count', () => {
    expect(['avx512', 'avx2-fma', 'reference']).toContain(i.cpuKernel);
    expect(['avx512', 'avx2', 'portable']).toContain(i.momentsKernel);
    if (i.cpuKernel === 'reference') expect(i.momentsKernel).toBe('portable');
    expect(Number.isInteger(i.threads) && i.threads >= 1).toBe(true);
    expect(i.threads).toBe(availableParallelism());
    expect(i.hardwareThreads).toBe(i.threads);
    expect(i.addon).toMatch(/dropout_ensemble\.node$/);
  });

  it('reports the CPU backend built and usable', () => {
    expect(i.backends.cpu).toEqual({ built: true, usable: true });
  });

  it.runIf(!i.backends.cuda.usable)('says why CUDA is not usable here, and auto picks the CPU', () => {
    const c = i.backends.cuda;
    expect(c.usable).toBe(false);
    expect(c.device).toBeUndefined();
    // Not built: the loader's message; built without a GPU: the probe's.
    expect(c.reason).toMatch(
      c.built ? /^the CUDA backend cannot run here: .+/ : /^the CUDA backend library \(libde_cuda\.so\) is not available: .+/,
    );
    if (c.built) expect(c.library).toMatch(/libde_cuda\.so$/);
    else expect(c.library).toBeUndefined();
    expect(i.auto).toBe('cpu');
  });

  it.runIf(i.backends.cuda.usable)('names the GPU when CUDA is usable, and auto picks it', () => {
    const c = i.backends.cuda;
    expect(c.built).toBe(true);
    expect(c.device).toMatch(/\S/);
    expect(c.reason).toBeUndefined();
    expect(i.auto).toBe('cuda');
  });

  it('gives the same answer on every call (the probe runs once)', () => {
    expect(info()).toEqual(i);
  });
});
