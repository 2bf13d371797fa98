// info(): what this build runs with — the CPU kernel chosen at load, the thread count, and which
// backends are built and usable here (native/addon/info_binding.cpp). The CUDA backend is looked for
// (libde_cuda.so next to the addon, or $DE_CUDA_LIB) and its GPU probed on the first call.
import { callNative } from './errors.js';
import { native, nativePath } from './native.js';

export interface BackendStatus {
  /** Compiled into this installation (for CUDA: libde_cuda.so was found and offers this API version). */
  built: boolean;
  /** Can run here (for CUDA: a GPU, its driver and cuBLAS answered the probe). */
  usable: boolean;
  /** Why not usable, when `usable` is false. */
  reason?: string;
  /** The GPU's name and compute capability, when usable (CUDA only). */
  device?: string;
  /** The backend library's path, when built (CUDA only). */
  library?: string;
}

export interface Info {
  /**
   * The CPU micro-kernel of the products, chosen at load by cpuid (override with
   * DE_CPU_KERNEL=ref|avx2|avx512): 'avx512', 'avx2-fma' or 'reference'. The two vector kernels
   * give bit-identical products.
   */
  cpuKernel: string;
  /**
   * The moment accumulator's block kernel, chosen by cpuid: 'avx512' (16 neurons per step, where the
   * CPU has AVX-512F), 'avx2' or 'portable' (also under DE_CPU_KERNEL=ref). They agree to float rounding.
   */
  momentsKernel: 'avx512' | 'avx2' | 'portable';
  /**
   * The products of `train(data, { precision: 'bf16' })`: `native` where the CPU has AVX512-BF16
   * (vdpbf16ps, kernel 'avx512-bf16'); elsewhere the same bf16 product, bit for bit, emulated by the
   * fp32 kernel over bf16-rounded operands (kernel '<cpuKernel>-bf16-emulated'), with no speed-up.
   */
  bf16: { native: boolean; kernel: string };
  /** Threads a Network uses by default (the cores available). */
  threads: number;
  /** Same as `threads` (kept for earlier callers). */
  hardwareThreads: number;
  backends: { cpu: BackendStatus; cuda: BackendStatus };
  /** What `backend: 'auto'` picks here: 'cuda' when a usable GPU is present, else 'cpu'. */
  auto: 'cpu' | 'cuda';
  /** The addon file in use. */
  addon: string;
}

export function info(): Info {
  const raw = callNative(() => native().info());
  const c = raw.cuda;
  const cuda: BackendStatus = {
    built: c.built,
    usable: c.usable,
    ...(c.usable ? { device: c.device } : { reason: c.reason }),
    ...(c.built ? { library: c.library } : {}),
  };
  return {
    cpuKernel: raw.cpuKernel,
    momentsKernel: raw.momentsKernel as Info['momentsKernel'],
    bf16: { native: raw.bf16Native, kernel: raw.bf16Kernel },
    threads: raw.hardwareThreads,
    hardwareThreads: raw.hardwareThreads,
    backends: { cpu: { built: true, usable: true }, cuda },
    auto: c.usable ? 'cuda' : 'cpu',
    addon: nativePath(),
  };
}
