// The queue runner: Monte Carlo statistics on 1, 2 and 3 worker processes vs one process, and the queue's overhead per job (see queue.mjs).
export { run } from './queue.mjs';
