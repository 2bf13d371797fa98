// Typed arrays that native threads read in place while an asynchronous call runs (train's inputs,
// predict's inputs, ensembleStats' input and masks) must not be detached under them: moving their
// ArrayBuffer to a worker (postMessage / structuredClone with a transfer list) would free the
// memory the native threads are reading, and crash the process (a use-after-free, found by
// test/reliability-concurrency.test.ts). Copying instead would double the memory of a training set
// and stall the event loop, so the buffers are marked untransferable: a later transfer copies them
// instead of moving them (Node's documented behaviour of worker_threads.markAsUntransferable).
// The mark is permanent, and documented on the methods that set it.
import { markAsUntransferable } from 'node:worker_threads';

/** Marks the ArrayBuffers behind `arrays` as untransferable (SharedArrayBuffers cannot be detached anyway). */
export function keepAttached(...arrays: ReadonlyArray<ArrayBufferView | null | undefined>): void {
  for (const a of arrays) {
    if (a && a.buffer instanceof ArrayBuffer) markAsUntransferable(a.buffer);
  }
}
