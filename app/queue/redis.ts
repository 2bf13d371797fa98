// The queue's client libraries, BullMQ on ioredis. They are optional dependencies: only the
// queue-backed commands need them, so they are loaded when used and their absence is one clear line.
import type * as BullMQ from 'bullmq';
import type { Redis as RedisClient, RedisOptions } from 'ioredis';

export interface QueueLibrary {
  bullmq: typeof BullMQ;
  /** A new ioredis client for `url`; `blocking` clients wait for ever (BullMQ workers need that). */
  connect(url: string, options?: { blocking?: boolean }): RedisClient;
}

/** A failure of the queue runner that is not the library's: a missing dependency, a bad URL, a job that failed on every try. */
export class QueueError extends Error {
  override name = 'QueueError';
  readonly code = 'ERR_QUEUE';
}

let loaded: Promise<QueueLibrary> | undefined;

/** Whether this process has loaded the queue's clients (see main.ts: it then exits as soon as the command is done). */
export function queueLibraryLoaded(): boolean {
  return loaded !== undefined;
}

export function queueLibrary(): Promise<QueueLibrary> {
  loaded ??= (async () => {
    let bullmq: typeof BullMQ;
    let Redis: typeof import('ioredis').Redis;
    try {
      bullmq = await import('bullmq');
      Redis = (await import('ioredis')).Redis;
    } catch (e) {
      loaded = undefined;
      throw new QueueError(`the queue runner needs the optional dependencies bullmq and ioredis (npm install bullmq ioredis): ${(e as Error).message.split('\n')[0]}`);
    }
    return {
      bullmq,
      connect(url: string, options: { blocking?: boolean } = {}): RedisClient {
        checkRedisUrl(url);
        const o: RedisOptions = {
          // Commands wait through a restart of Redis instead of failing: the runner resumes after it.
          maxRetriesPerRequest: null,
          retryStrategy: (times) => Math.min(100 * times, 2000),
          lazyConnect: false,
        };
        if (!options.blocking) o.enableOfflineQueue = true;
        return new Redis(url, o);
      },
    };
  })();
  return loaded;
}

/** redis://[user:pass@]host[:port][/db] or rediss://…; anything else is refused before connecting. */
export function checkRedisUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(`not a Redis URL: ${JSON.stringify(url)} (expected redis://host:port)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new QueueError(`not a Redis URL: ${JSON.stringify(url)} (expected redis://host:port)`);
}

/** Closes a client politely (QUIT, then the socket), so the process can exit at once; drops it if Redis is gone. */
export async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([client.quit(), new Promise((_, reject) => setTimeout(reject, 1000).unref())]);
  } catch {
    client.disconnect();
  }
}
