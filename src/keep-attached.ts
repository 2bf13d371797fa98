// Typed arrays that native threads read in place while an asynchronous call runs (train's inputs
// and targets, predict's inputs, ensembleStats' input and masks) must stay attached and unchanged
// in size until the call settles. Moving their ArrayBuffer to a worker (postMessage /
// structuredClone with a transfer list) would free the memory the native threads are reading and
// crash the process (a use-after-free, found by test/reliability-concurrency.test.ts). Copying
// every input would double the memory of a training set, so the buffers are pinned instead: marked
// untransferable, a later transfer copies them rather than moving them (Node's documented behaviour
// of worker_threads.markAsUntransferable; the mark is permanent, and documented on the methods that
// set it). Where the platform can also detach a buffer by ArrayBuffer.prototype.transfer() (newer
// V8s), which the mark does not stop, the call reads a copy instead. Views over resizable or shared
// buffers are copies already (validate.ts, checkTypedArray).
import { markAsUntransferable } from 'node:worker_threads';
import { checkFinite, checkTypedArray } from './validate.js';

const detachableInPlace = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

/** `a` made safe for native threads to read until the call settles: pinned, or a copy where it cannot be. */
export function ownedByCall<T extends Float32Array | Uint8Array | Int32Array>(a: T): T {
  if (detachableInPlace) return a.slice() as T;
  if (a.buffer instanceof ArrayBuffer) markAsUntransferable(a.buffer);
  return a;
}

/** A Float32Array argument that native threads read during the call: checked (kind, length, every value finite) and owned by the call. */
export function ownedFloat32(where: string, name: string, v: unknown, length: number): Float32Array {
  const a = ownedByCall(checkTypedArray(where, name, v, Float32Array, length));
  checkFinite(where, name, a);
  return a;
}
