// Progress on stderr: on a terminal, one bar per phase redrawn in place with the rate's ETA; when
// stderr is a file or a pipe, plain lines (at most one per ten percent or five seconds).
import type { ProgressSink } from '../report/progress.js';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

interface Stream {
  write(s: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export class ProgressBar implements ProgressSink {
  #name = '';
  #total = 1;
  #unit = '';
  #done = 0;
  #detail = '';
  #started = 0;
  #lastDraw = 0;
  #lastPlainFraction = -1;
  #active = false;
  readonly #out: Stream;
  readonly #tty: boolean;
  readonly #now: () => number;

  constructor(out: Stream = process.stderr, now: () => number = () => performance.now()) {
    this.#out = out;
    this.#tty = Boolean(out.isTTY);
    this.#now = now;
  }

  phase(name: string, total: number, unit: string): void {
    if (this.#active) this.finish();
    this.#name = name;
    this.#total = Math.max(1, total);
    this.#unit = unit;
    this.#done = 0;
    this.#detail = '';
    this.#started = this.#now();
    this.#lastDraw = 0;
    this.#lastPlainFraction = -1;
    this.#active = true;
    this.#draw(true);
  }

  update(done: number, detail?: string): void {
    if (!this.#active) return;
    this.#done = Math.min(done, this.#total);
    if (detail !== undefined) this.#detail = detail;
    this.#draw(false);
  }

  finish(summary?: string): void {
    if (!this.#active) return;
    this.#active = false;
    const took = formatDuration((this.#now() - this.#started) / 1000);
    const line = `${this.#name}: done in ${took}${summary ? ` — ${summary}` : ''}`;
    this.#out.write(this.#tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }

  log(line: string): void {
    this.#out.write(this.#tty && this.#active ? `\r\x1b[2K${line}\n` : `${line}\n`);
    if (this.#active && this.#tty) this.#draw(true);
  }

  /** The ETA extrapolates the phase's average rate so far. */
  #eta(): number {
    const elapsed = (this.#now() - this.#started) / 1000;
    if (this.#done <= 0) return NaN;
    return (elapsed / this.#done) * (this.#total - this.#done);
  }

  #draw(force: boolean): void {
    const now = this.#now();
    const fraction = this.#done / this.#total;
    if (this.#tty) {
      if (!force && now - this.#lastDraw < 100) return;
      this.#lastDraw = now;
      const width = 24;
      const filled = Math.round(fraction * width);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      let line = `${this.#name.padEnd(18)} ${bar} ${(100 * fraction).toFixed(0).padStart(3)}%  ${this.#done}/${this.#total} ${this.#unit}  ETA ${formatDuration(this.#eta())}${this.#detail ? `  ${this.#detail}` : ''}`;
      const cols = this.#out.columns ?? 100;
      if (line.length > cols - 1) line = line.slice(0, cols - 1);
      this.#out.write(`\r\x1b[2K${line}`);
      return;
    }
    // Plain lines: the start, every 10%, or every 5 s.
    const step = Math.floor(fraction * 10) / 10;
    if (!force && step <= this.#lastPlainFraction && now - this.#lastDraw < 5000) return;
    this.#lastPlainFraction = step;
    this.#lastDraw = now;
    this.#out.write(`${this.#name}: ${(100 * fraction).toFixed(0)}% (${this.#done}/${this.#total} ${this.#unit}), ETA ${formatDuration(this.#eta())}${this.#detail ? `, ${this.#detail}` : ''}\n`);
  }
}
