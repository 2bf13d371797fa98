// The choice of backend for a Network or a kernel call: 'cpu', 'cuda', or 'auto' (CUDA when a
// usable GPU is present, else the CPU). Resolved in TypeScript before any native allocation, so
// asking for 'cuda' where it cannot run fails at once with the loader's reason.
import { UnsupportedError } from './errors.js';
import { info } from './info.js';
import { checkEnum } from './validate.js';

export type BackendChoice = 'cpu' | 'cuda' | 'auto';
export const BACKENDS = ['cpu', 'cuda', 'auto'] as const;

/**
 * The backend that will run: `requested` (validated as `name`), with 'auto' decided by info().
 * `unsupportedOnGpu` names a feature of the request the CUDA engine lacks (e.g. connection dropout):
 * 'cuda' then throws, 'auto' picks the CPU.
 */
export function resolveBackend(where: string, name: string, requested: unknown, unsupportedOnGpu?: string): 'cpu' | 'cuda' {
  const choice = checkEnum(where, name, requested, BACKENDS);
  if (choice === 'cpu') return 'cpu';
  const cuda = info().backends.cuda;
  if (choice === 'auto') return cuda.usable && !unsupportedOnGpu ? 'cuda' : 'cpu';
  if (!cuda.usable) throw new UnsupportedError(`${where}: ${name} "cuda" cannot be used here: ${cuda.reason ?? 'no usable GPU'}; use "cpu" or "auto"`);
  if (unsupportedOnGpu) throw new UnsupportedError(`${where}: ${name} "cuda": ${unsupportedOnGpu} is not available on the CUDA backend; use "cpu" or "auto"`);
  return 'cuda';
}
