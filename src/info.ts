// info(): what this build runs with. Extended by the CUDA backend work with backend usability.
import { callNative } from './errors.js';
import { native, nativePath } from './native.js';

export interface Info {
  /** The CPU micro-kernel chosen at load by cpuid (override with DE_CPU_KERNEL=ref|avx2). */
  cpuKernel: string;
  /** Threads used by default (all cores). */
  hardwareThreads: number;
  /** The addon file in use. */
  addon: string;
}

export function info(): Info {
  const raw = callNative(() => native().info());
  return { cpuKernel: raw.cpuKernel, hardwareThreads: raw.hardwareThreads, addon: nativePath() };
}
