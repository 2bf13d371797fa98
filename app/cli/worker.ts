// `dropout-ensemble worker --redis URL`: serves the queue's jobs (statistics shards, training runs)
// until interrupted; Ctrl-C finishes the job in hand first, a second Ctrl-C quits at once.
import { limits } from 'dropout-ensemble';
import { intFlag, parse, requireFlag, stringFlag, UsageError } from './args.js';
import { DEFAULT_QUEUE } from '../queue/protocol.js';
import { startWorker } from '../queue/worker.js';

export const WORKER_USAGE = `dropout-ensemble worker --redis URL [options]

Serves jobs from a BullMQ queue on Redis: Monte Carlo statistics shards (\`stats --redis\`) and
training runs (\`sweep --redis\`). Run one worker per machine (or per GPU); each uses all its cores.
Models and inputs are fetched once per worker and kept. A killed worker's job is taken again by
another worker once its lock lapses.

  --redis URL      the Redis server, e.g. redis://localhost:6379
  --queue NAME     queue name (default ${DEFAULT_QUEUE})
  --threads T      network threads (default: all cores)
  --backend B      cpu, cuda or auto (default auto: the GPU when a usable one is present)
  --lock-ms MS     job lock duration; a killed worker's job is retried after about this long (default 30000)
  --quiet          no log lines`;

export async function workerCommand(args: string[]): Promise<number> {
  const cmd = 'worker';
  const { values } = parse(cmd, args, {
    redis: { type: 'string' }, queue: { type: 'string' }, threads: { type: 'string' }, backend: { type: 'string' }, 'lock-ms': { type: 'string' },
    quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${WORKER_USAGE}\n`);
    return 0;
  }
  const redis = requireFlag(cmd, 'redis', values.redis);
  const queue = stringFlag(values.queue) ?? DEFAULT_QUEUE;
  const threads = intFlag(cmd, 'threads', values.threads, 1, limits.maxThreads);
  const lockMs = intFlag(cmd, 'lock-ms', values['lock-ms'], 1000, 3_600_000);
  const backend = stringFlag(values.backend);
  if (backend !== undefined && backend !== 'cpu' && backend !== 'cuda' && backend !== 'auto') throw new UsageError(`${cmd}: --backend must be cpu, cuda or auto, got ${JSON.stringify(backend)}`);
  const log = values.quiet ? undefined : (line: string) => process.stderr.write(`${new Date().toISOString()} worker ${process.pid}: ${line}\n`);
  const worker = await startWorker({ redis, queue, ...(threads ? { threads } : {}), ...(backend ? { backend } : {}), ...(lockMs ? { lockMs } : {}), ...(log ? { log } : {}) });
  log?.(`serving queue ${queue} on ${redis}`);
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) process.exit(130);
      stopping = true;
      log?.('stopping after the job in hand (Ctrl-C again to quit at once)');
      worker.close().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log?.(`stopped after ${worker.counters.jobs} jobs`);
  return 0;
}
