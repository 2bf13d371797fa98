// A throwaway redis-server for the queue tests: on a free port, no persistence, stopped after.
// Tests skip (with a line saying why) where Debian's redis-server is not installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export const REDIS_BINARY = ['/usr/bin/redis-server', 'redis-server'].find((b) => spawnSync(b, ['--version']).status === 0);
export const SKIP_REASON = 'redis-server is not installed (apt-get install redis-server; scripts/ci-system-deps.sh does it in CI)';

export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  await once(s, 'close');
  return port;
}

export class RedisServer {
  #proc: ChildProcess | undefined;
  constructor(readonly port: number) {}
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  /** Starts (or restarts) the server on its port and waits until it accepts connections. */
  async start(): Promise<void> {
    const p = spawn(REDIS_BINARY!, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#proc = p;
    let text = '';
    await new Promise<void>((resolve, reject) => {
      p.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        if (/Ready to accept connections/.test(text)) resolve();
      });
      p.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${text}`)));
    });
    p.stdout!.resume();
  }
  /** Kills the server at once (SIGKILL): whatever it held is gone. */
  async kill(): Promise<void> {
    const p = this.#proc;
    if (!p || p.exitCode !== null) return;
    const exited = once(p, 'exit');
    p.kill('SIGKILL');
    await exited;
  }
}
