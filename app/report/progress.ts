// What the pipeline tells about its progress. The command line draws it as a bar on stderr; tests
// pass a silent sink.

export interface ProgressSink {
  /** A new phase with `total` units of work (examples, subnetworks, inputs…). */
  phase(name: string, total: number, unit: string): void;
  /** `done` of the phase's total so far, with an optional short detail (current loss…). */
  update(done: number, detail?: string): void;
  /** The phase is over; `summary` is printed on its line. */
  finish(summary?: string): void;
  /** A line of its own (results of a phase, notes). */
  log(line: string): void;
}

export const silentProgress: ProgressSink = {
  phase() {},
  update() {},
  finish() {},
  log() {},
};
