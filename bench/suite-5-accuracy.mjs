// Time to accuracy: the --full recipe trained here (bench/accuracy.mjs), the seconds until the
// weight-scaled test error first reached 2% and 1.3%, beside PyTorch running the same network and
// recipe (SGD with momentum and max-norm 15, fresh masks per example; bench/peers/torch_train.py)
// in the same run: its measured examples/s × the examples our run needed. Assumes PyTorch needs the
// same epochs for the same recipe (it trains the same model with the same kind of masks). Long: the
// whole recipe, about 15 minutes on 2 cores. `--epochs N` shortens the recipe (for a smoke run).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL_EPOCHS } from '../dist/app/report/presets.js';
import { timeToAccuracy } from './accuracy.mjs';
import { fmt } from './util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHONS = [process.env.DE_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
const TRAINING_DIGITS = 60000;

function torchExamplesPerSecond(seconds) {
  for (const py of PYTHONS) {
    if (spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) continue;
    const r = spawnSync(py, [join(here, 'peers', 'torch_train.py'), '--seconds', String(seconds), '--recipe', 'sgd'], { encoding: 'utf8' });
    if (r.status !== 0) return { skipped: `torch_train.py failed: ${r.stderr.trim().split('\n').pop()}` };
    return JSON.parse(r.stdout.trim().split('\n').pop());
  }
  return { skipped: 'PyTorch is not importable (Debian: apt-get install python3-torch)' };
}

export async function run({ log, epochs = Number(process.env.DE_ACCURACY_EPOCHS ?? FULL_EPOCHS) }) {
  const ours = await timeToAccuracy({ recipe: 'full', epochs, every: 1, log: (s) => log(s) });
  const torch = torchExamplesPerSecond(20);
  const out = { recipe: 'full', epochs, ours, torch, targets: {} };
  if (torch.skipped) log(`PyTorch: skipped (${torch.skipped})`);
  else log(`PyTorch ${torch.torch}, same recipe: ${fmt(torch.best.examplesPerSecond, 0)} examples/s at its best thread setting (${torch.best.torchThreads})`);
  for (const target of [0.02, 0.013]) {
    const hit = ours.reached[target];
    const label = `${(100 * target).toFixed(1)}%`;
    if (!hit) {
      log(`time to ${label}: not reached in ${epochs} epochs`);
      out.targets[label] = null;
      continue;
    }
    const torchSeconds = torch.skipped ? null : (hit.epoch * TRAINING_DIGITS) / torch.best.examplesPerSecond;
    out.targets[label] = { epoch: hit.epoch, seconds: hit.seconds, torchSeconds, ratio: torchSeconds === null ? null : torchSeconds / hit.seconds };
    log(`time to ${label}: ${fmt(hit.seconds, 0)} s (epoch ${hit.epoch})` +
      (torchSeconds === null ? '' : `; PyTorch ${fmt(torchSeconds, 0)} s for the same epochs: ${fmt(torchSeconds / hit.seconds, 1)}× (target ≥ 3×)`));
  }
  return out;
}
