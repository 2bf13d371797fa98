// Training throughput vs PyTorch (see train.mjs, which also runs on its own).
export { run } from './train.mjs';
