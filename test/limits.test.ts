// The limits and defaults the TypeScript checks apply are the engine's: a size accepted here is one
// the addon accepts, and a default documented here is the one the engine uses.
import { describe, expect, it } from 'vitest';
import { OutOfRangeError } from '../src/errors.js';
import { limits } from '../src/limits.js';
import { Network } from '../src/network/network.js';
import { native } from '../src/native.js';

describe('limits', () => {
  it('is frozen', () => {
    expect(Object.isFrozen(limits)).toBe(true);
  });

  it('equals the addon’s limits, key by key', () => {
    const engine = native().limits;
    expect(Object.isFrozen(engine)).toBe(true);
    expect({ ...engine }).toEqual({ ...limits });
  });

  it('lets the engine build the deepest network the checks accept, and refuses one layer more', () => {
    const layers = (n: number) => Array.from({ length: n }, () => ({ units: 1, activation: 'linear' as const }));
    const deepest = new Network({ inputs: 1, layers: layers(limits.maxLayers), seed: 1, threads: 1 });
    expect(deepest.spec.layers).toHaveLength(limits.maxLayers);
    expect(() => new Network({ inputs: 1, layers: layers(limits.maxLayers + 1), seed: 1, threads: 1 })).toThrow(OutOfRangeError);
  });
});
