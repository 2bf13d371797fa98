// Checkpoints of a reproduction: the network with its optimizer state (epoch, position in the
// epoch, step, Adam/momentum moments; the masks and shuffles are functions of seed and position, so
// that is the whole random state) plus what the pipeline has finished. Written on Ctrl-C and after
// each phase; `--resume` continues from it and ends with the same results as an uninterrupted run.
//
// Crash safety: the model goes to a new file first, then state.json (written atomically) names it,
// then the old model file is removed. A crash at any point leaves a state.json that names a
// complete model file.
import { readFile, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptFileError, type Network, writeFileAtomic } from 'dropout-ensemble';
import { LAYER_COLUMN_NAMES, type LayerColumns } from './analysis.js';
import type { StoredProbe } from './probed-training.js';
import type { EpochRecord, RunSettings, Timings } from './results.js';

export interface CheckpointState {
  version: 1;
  settings: RunSettings;
  /** File name (inside the checkpoint folder) of the model with its training state. */
  model: string;
  trainingDone: boolean;
  history: EpochRecord[];
  /** Figure 2a's probes so far: training progress and, per hidden layer, O* and std(O), the Eq. 28/30 term and sparsity. */
  probes: Array<{ at: number; step: number; layers: Array<{ deterministic: ArrayLike<number>; std: ArrayLike<number> }>; weightDecayTerm: number[]; sparsity: number[] }>;
  /**
   * Monte Carlo statistics of the fixed inputs done so far, in order. A checkpoint written before a
   * column was added lacks it: such an input is measured again (completeColumns).
   */
  monteCarlo: Array<Array<Record<keyof LayerColumns, number[]>>>;
  timings: Timings;
}

const STATE = 'state.json';
export const checkpointDir = (outDir: string) => join(outDir, 'checkpoint');

export function serializeColumns(layers: LayerColumns[]): Array<Record<keyof LayerColumns, number[]>> {
  return layers.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)])) as Record<keyof LayerColumns, number[]>);
}

export function deserializeColumns(layers: Array<Record<keyof LayerColumns, number[]>>): LayerColumns[] {
  // JSON turns NaN into null; bring it back.
  const col = (a: Array<number | null>) => Float64Array.from(a, (x) => (x === null ? NaN : x));
  return layers.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, col(v)])) as unknown as LayerColumns);
}

/** One stored input's columns, or null when a layer lacks a column the analysis reads (an older checkpoint). */
export function completeColumns(layers: Array<Partial<Record<keyof LayerColumns, number[]>>>): LayerColumns[] | null {
  const complete = layers.every((c) => LAYER_COLUMN_NAMES.every((k) => Array.isArray(c[k])));
  return complete ? deserializeColumns(layers as Array<Record<keyof LayerColumns, number[]>>) : null;
}

export function serializeProbe(p: CheckpointState['probes'][number] | StoredProbe): CheckpointState['probes'][number] {
  return {
    at: p.at,
    step: p.step,
    layers: p.layers.map((l) => ({ deterministic: Array.from(l.deterministic), std: Array.from(l.std) })),
    weightDecayTerm: [...p.weightDecayTerm],
    sparsity: [...p.sparsity],
  };
}

/** Saves the network (with its training state) and the pipeline state. */
export async function saveCheckpoint(outDir: string, net: Network, state: Omit<CheckpointState, 'model' | 'version'>): Promise<void> {
  const dir = checkpointDir(outDir);
  await mkdir(dir, { recursive: true });
  const previous = await readState(dir).catch(() => null);
  const model = `model-${Date.now().toString(36)}-${process.pid}.bin`;
  await net.save(join(dir, model), { trainingState: true });
  const full: CheckpointState = { version: 1, model, ...state, probes: state.probes.map(serializeProbe) };
  await writeFileAtomic(join(dir, STATE), Buffer.from(JSON.stringify(full)));
  if (previous && previous.model !== model) await rm(join(dir, previous.model), { force: true });
}

async function readState(dir: string): Promise<CheckpointState> {
  const text = await readFile(join(dir, STATE), 'utf8');
  let s: CheckpointState;
  try {
    s = JSON.parse(text) as CheckpointState;
  } catch {
    throw new CorruptFileError(`${join(dir, STATE)}: not valid JSON; delete the folder and start afresh`);
  }
  if (s.version !== 1 || typeof s.model !== 'string' || !/^model-[\w-]+\.bin$/.test(s.model) || typeof s.settings !== 'object') {
    throw new CorruptFileError(`${join(dir, STATE)}: not a checkpoint of this version; delete the folder and start afresh`);
  }
  return s;
}

/** The checkpoint in `outDir`, or null when there is none. Corrupt checkpoints are errors. */
export async function loadCheckpoint(outDir: string): Promise<{ state: CheckpointState; modelPath: string } | null> {
  const dir = checkpointDir(outDir);
  let state: CheckpointState;
  try {
    state = await readState(dir);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    throw e;
  }
  return { state, modelPath: join(dir, state.model) };
}

export async function removeCheckpoint(outDir: string): Promise<void> {
  await rm(checkpointDir(outDir), { recursive: true, force: true });
}
