// Ensemble statistics vs the bare products and PyTorch (see ensemble.mjs, which also runs on its own).
export { run } from './ensemble.mjs';
