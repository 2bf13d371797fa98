// vega and vega-lite render the report's figures. They are optional dependencies: the library never
// needs them, and an install with `--omit=optional` leaves them out. They are imported on first use,
// so that only writing a report requires them, and their absence is a typed error that says how to
// install them rather than a module-resolution failure from deep inside the report.

export class MissingDependencyError extends Error {
  readonly code = 'ERR_MISSING_DEPENDENCY' as const;
  override name = 'MissingDependencyError';
}

export interface Vega {
  vega: typeof import('vega');
  vegaLite: typeof import('vega-lite');
}

let loaded: Promise<Vega> | undefined;

async function importOptional<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const err = new MissingDependencyError(
        `writing the report needs the optional package '${name}', which is not installed; install it with \`npm install vega vega-lite\` (an install with --omit=optional leaves it out)`,
      );
      (err as { cause?: unknown }).cause = e;
      throw err;
    }
    throw e;
  }
}

/** vega and vega-lite, imported once. Rejects with MissingDependencyError when either is not installed. */
export function loadVega(): Promise<Vega> {
  if (!loaded) {
    loaded = (async () => ({
      vega: await importOptional('vega', () => import('vega')),
      vegaLite: await importOptional('vega-lite', () => import('vega-lite')),
    }))();
    loaded.catch(() => (loaded = undefined)); // a later call tries again (after an install, say)
  }
  return loaded;
}
