// Crash-safe file replacement: write a temporary file in the destination's directory, flush it to
// disk, then rename it over the destination (atomic on POSIX within one file system). A crash at
// any point leaves either the old file or the complete new one, never a torn file.
import { randomBytes } from 'node:crypto';
import { close, fsync, openSync, unlinkSync, write } from 'node:fs';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const writeFd = promisify(write);
const syncFd = promisify(fsync);
const closeFd = promisify(close);

/** Writes `data` to `path` atomically. Rejects with the file system's error; never leaves the temporary file behind. */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  // Same directory as the destination so the rename never crosses file systems; dot-prefixed and
  // unique so concurrent writers and directory listings do not trip over it.
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  removeInFlightAtExit();
  // Created synchronously and registered at once, so that an exit at any later point (a second
  // Ctrl-C's process.exit) finds the file and removes it: an asynchronous open runs on another
  // thread and could create the file after the exit listeners have looked for it.
  const fd = openSync(temp, 'wx', 0o644);
  inFlight.add(temp);
  try {
    try {
      let off = 0;
      while (off < data.length) {
        const { bytesWritten } = await writeFd(fd, data, off, data.length - off);
        off += bytesWritten;
      }
      await syncFd(fd); // the data is on disk before the name points at it
    } finally {
      await closeFd(fd);
    }
    await rename(temp, path);
    renamed = true;
    await syncDirectory(dir); // the rename itself survives a power cut
    await removeStaleTemporaries(dir, basename(path));
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
    inFlight.delete(temp);
  }
}

/**
 * The temporary files of writes still in progress. A process that exits in the middle of one
 * (process.exit from a signal handler, say: a second Ctrl-C while a checkpoint is written) would
 * leave its temporary file behind; 'exit' listeners still run then, and remove them.
 */
const inFlight = new Set<string>();
let exitListener = false;
function removeInFlightAtExit(): void {
  if (exitListener) return;
  exitListener = true;
  process.on('exit', () => {
    for (const temp of inFlight) {
      try {
        unlinkSync(temp);
      } catch {
        // already renamed or never created
      }
    }
  });
}

/**
 * A process killed mid-write (SIGKILL, power cut) leaves its temporary file behind. Each successful
 * write removes the temporaries of the same destination whose writer process no longer exists, so
 * they never accumulate: at most one per writer killed since the last successful write. (Writers
 * on other hosts sharing the directory over a network file system are not told apart by PID; such
 * setups should write to distinct names.)
 */
async function removeStaleTemporaries(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.`;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix) || !entry.endsWith('.tmp')) continue;
    const m = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(entry.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processExists(pid)) continue;
    await unlink(join(dir, entry)).catch(() => undefined);
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH'; // EPERM: it exists, owned by someone else
  }
}

/** fsync of a directory, where the platform allows it (not on Windows: there it is a no-op). */
async function syncDirectory(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some platforms and file systems cannot open or sync a directory; the data itself is synced.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
