// Runs a TypeScript fixture (test/fixtures/*.ts) in a child Node process through vite-node, so a
// crash, abort or leak in the addon takes down the child, not the test runner. The fixture reads its
// parameters from the environment variable DE_CHILD_ARGS (JSON) and reports on stdout; the last
// line that parses as JSON is its result.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const viteNode = join(root, 'node_modules', 'vite-node', 'vite-node.mjs');

export interface ChildResult<T> {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last JSON line of stdout, or undefined if there was none. */
  result: T | undefined;
}

export interface ChildOptions {
  /** Flags for node itself (e.g. --expose-gc). */
  nodeFlags?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** Kill the child (SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
  /** Called once the child is spawned (to kill it on purpose, for example). */
  onSpawn?: (child: ChildProcess) => void;
}

export function fixturePath(name: string): string {
  return join(root, 'test', 'fixtures', name);
}

/** Spawns `node [flags] vite-node <fixture>` with DE_CHILD_ARGS = JSON of `args`. */
export function runFixture<T>(name: string, args: unknown, options: ChildOptions = {}): Promise<ChildResult<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), viteNode, fixturePath(name)], {
      cwd: root,
      env: { ...process.env, ...options.env, DE_CHILD_ARGS: JSON.stringify(args) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, result: lastJson<T>(stdout) });
    });
    options.onSpawn?.(child);
  });
}

function lastJson<T>(out: string): T | undefined {
  const lines = out.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      // not the result line
    }
  }
  return undefined;
}

/** The arguments a fixture was started with. */
export function childArgs<T>(): T {
  return JSON.parse(process.env.DE_CHILD_ARGS ?? '{}') as T;
}

/** True when the addon runs under AddressSanitizer (scripts/sanitize.sh): timings and RSS mean nothing. */
export const sanitized = process.env.DE_SANITIZED === '1';

/** DE_LONG_TESTS=1 selects the long versions of the reliability tests. */
export const longTests = process.env.DE_LONG_TESTS === '1';
