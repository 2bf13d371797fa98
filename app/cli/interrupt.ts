// Ctrl-C handling: the first SIGINT (or SIGTERM) aborts the work cleanly — the engine stops within
// a minibatch and the caller saves a checkpoint; a second one quits at once.
import type { ProgressSink } from '../report/progress.js';

export async function withInterrupt<T>(progress: ProgressSink, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      process.stderr.write('\nstopped without saving\n');
      process.exit(130);
    }
    progress.log('\ninterrupt: stopping after the current step and saving a checkpoint (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
