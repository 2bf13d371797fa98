// Command-line parsing on node:util parseArgs, with errors that name the flag and what it needs.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line: printed as one line with a hint, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Edit distance (insertions, deletions, substitutions) between two short strings. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** ` (did you mean "x"?)` for the closest of `known` within two edits of `given`, else ''. */
export function didYouMean(given: string, known: readonly string[], prefix = ''): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(given, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best === undefined ? '' : ` (did you mean ${JSON.stringify(prefix + best)}?)`;
}

/** Parses `args` strictly: unknown flags, missing values and stray arguments are UsageErrors. */
export function parse(command: string, args: string[], options: Options, maxPositionals = 0): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    // parseArgs' messages are good but long; keep the first sentence.
    const msg = (e as Error).message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '');
    const unknown = /Unknown option '--([^']+)'/.exec(msg);
    throw new UsageError(`${command}: ${msg}${unknown ? didYouMean(unknown[1]!, Object.keys(options), '--') : ''}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${command}: unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`);
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

export function intFlag(command: string, name: string, v: string | boolean | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${command}: --${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function numberFlag(command: string, name: string, v: string | boolean | undefined, min = -Infinity, max = Infinity): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    const range = [min > -Infinity ? `>= ${min}` : '', max < Infinity ? `<= ${max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(`${command}: --${name} must be a number${range ? ` ${range}` : ''}, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** A comma-separated list of numbers, each checked as numberFlag checks one. */
export function numberListFlag(command: string, name: string, v: string | boolean | undefined, min = -Infinity, max = Infinity): number[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`${command}: --${name} needs a comma-separated list of numbers`);
  return v.split(',').map((part) => numberFlag(command, name, part.trim(), min, max)!);
}

/** A comma-separated list of integers, e.g. `--hidden 800,800` or `--index 0,5,9`. */
export function intListFlag(command: string, name: string, v: string | boolean | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`${command}: --${name} needs a comma-separated list of integers`);
  return v.split(',').map((part) => intFlag(command, name, part.trim(), min, max)!);
}

export function enumFlag<T extends string>(command: string, name: string, v: string | boolean | undefined, values: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new UsageError(`${command}: --${name} must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

export function stringFlag(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function requireFlag(command: string, name: string, v: string | boolean | undefined): string {
  if (typeof v !== 'string' || v === '') throw new UsageError(`${command}: --${name} is required`);
  return v;
}
