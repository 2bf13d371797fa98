// What `import { kernels } from 'dropout-ensemble'` holds.
export { maskedMatmul, bernoulliMask, philox4x32, MomentAccumulator } from './kernels.js';
export type { MaskedMatmulArgs, BernoulliMaskArgs, MomentAccumulatorJSON } from './kernels.js';
