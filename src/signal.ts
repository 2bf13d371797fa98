// AbortSignals read through the platform's own methods, never through the object handed in: a
// signal whose `aborted`, `addEventListener` or `removeEventListener` has been replaced by a
// throwing or lying function, or a Proxy of a signal, could otherwise leave a network held forever
// or abort another call. Such a value is refused up front as an InvalidArgumentError.
import { types } from 'node:util';
import { invalid } from './validate.js';

const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
const listen = EventTarget.prototype.addEventListener;
const unlisten = EventTarget.prototype.removeEventListener;

/** `v` as an AbortSignal (brand-checked: a genuine signal, not an object that claims to be one). */
export function checkAbortSignal(where: string, name: string, v: unknown): AbortSignal {
  // A Proxy is refused outright: Node's signal methods would run its traps on every access.
  if (types.isProxy(v)) throw invalid(where, name, 'an AbortSignal (not a Proxy of one)', v);
  try {
    abortedOf.call(v);
  } catch {
    throw invalid(where, name, 'an AbortSignal', v);
  }
  return v as AbortSignal;
}

/** Whether a checked signal has fired. */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal !== undefined && abortedOf.call(signal) === true;
}

/** Calls `fn` once when a checked signal fires; returns the function that stops listening. */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return () => undefined;
  listen.call(signal, 'abort', fn, { once: true });
  return () => unlisten.call(signal, 'abort', fn);
}
