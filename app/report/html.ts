// index.html: one self-contained page (no network, no scripts): the claims table, the figures
// (each SVG embedded as a data: image, so that the ids inside one figure cannot clash with another's),
// the settings and the timings.
import type { Results } from './results.js';
import { shortRunNote } from './claims.js';

export interface RenderedFigure {
  name: string;
  title: string;
  caption: string;
  svg: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : 'n/a');
const secs = (x: number) => (x >= 120 ? `${(x / 60).toFixed(1)} min` : `${x.toFixed(1)} s`);

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"/.exec(svg);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : { width: 800, height: 300 };
}

function figureHtml(f: RenderedFigure): string {
  const { width, height } = svgSize(f.svg);
  const src = `data:image/svg+xml;base64,${Buffer.from(f.svg, 'utf8').toString('base64')}`;
  return `<figure id="${esc(f.name)}">
<h3>${esc(f.title)}</h3>
<img class="figure" src="${src}" width="${width}" height="${height}" alt="${esc(f.title)}">
<figcaption>${esc(f.caption)}</figcaption>
</figure>`;
}

function claimsTable(res: Results): string {
  const rows = res.claims
    .map((c) => `<tr class="${c.agrees ? 'agrees' : 'differs'}"><td>${esc(c.paper)}</td><td>${esc(c.measured)}</td><td>${c.agrees ? 'agrees' : 'differs'}<br><small>${esc(c.criterion)}</small></td></tr>`)
    .join('\n');
  return `<table class="claims"><thead><tr><th>The paper says</th><th>We measured</th><th>Verdict</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/** The first hidden layer's own learning rate, when the run gave it one. */
function firstLayerStep(s: Results['settings']): string {
  const f = s.firstLayerLearningRateScale;
  return f !== undefined && f !== 1 ? `, the first hidden layer's weights and biases at ${f}× that learning rate (options.learningRateScale)` : '';
}

function settingsTable(res: Results): string {
  const s = res.settings;
  const lr = s.learningRate.length ? `${s.learningRate[0]!.toPrecision(3)} → ${s.learningRate[s.learningRate.length - 1]!.toPrecision(3)}` : 'n/a';
  const mom = s.momentum.length ? `${s.momentum[0]!.toPrecision(3)} → ${s.momentum[s.momentum.length - 1]!.toPrecision(3)}` : 'n/a';
  const rows: Array<[string, string]> = [
    ['network', `784-${s.hidden.join('-')}-10, logistic hidden units, softmax output`],
    ['keep (input / hidden)', `${s.inputKeep} / ${s.hiddenKeep}`],
    ['initial weights', s.init === 'small-uniform'
      ? 'small: every weight drawn from U(±1/√fan_in) (Section 5.3 assumes small initial weights, so that Figure 2a starts in its first phase)'
      : "the engine's default: Glorot-uniform ×4 for logistic units (larger weights: hidden units start near 0 or 1, so Figure 2a's first phase, at small weights, is not shown)"],
    ['training', `${s.trainCount} digits, ${s.epochs} epochs, batch ${s.batchSize}, ${s.warmupEpochs ? `${s.warmupEpochs} epoch${s.warmupEpochs === 1 ? '' : 's'} of adam then ` : ''}${s.optimizer}, learning rate ${lr}, momentum ${mom}${s.maxNorm > 0 ? `, max-norm ${s.maxNorm}` : ''}${firstLayerStep(s)}`],
    ['dropout masks in training', s.maskSharing === 'batch'
      ? 'one draw of unit gates per minibatch, shared by its examples (options.maskSharing "batch": each product skips the dropped units); the Monte Carlo statistics draw one independent subnetwork per sample'
      : 'fresh unit gates for every example (the paper\'s dropout)'],
    ['Monte Carlo', `${s.samples} subnetworks per input, ${s.inputs} fixed test inputs`],
    ['probes (Figure 2a)', `${s.probeInputs} input, every ${s.probeEvery} minibatches, ${s.probeSamples} subnetworks`],
    ['histograms (Figure 3)', `${s.histogramInputs} random test inputs`],
    ['Monte Carlo test error', `${s.monteCarloTestCount} test digits × ${s.monteCarloTestSamples} subnetworks`],
    ['seed / threads / backend', `${s.seed} / ${s.threads} / ${s.backend}`],
  ];
  return `<table class="settings"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>`;
}

function timingsTable(res: Results): string {
  const t = res.timings;
  const rows: Array<[string, number]> = [
    ['loading MNIST', t.loadSeconds], ['training (with probes)', t.trainSeconds], ['Monte Carlo statistics', t.monteCarloSeconds],
    ['histogram inputs', t.histogramSeconds], ['test error', t.testSeconds], ['report', t.reportSeconds], ['total', t.totalSeconds],
  ];
  return `<table class="timings"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${secs(v)}</td></tr>`).join('')}</tbody></table>`;
}

function historyTable(res: Results): string {
  const rows = res.training
    .map((e) => `<tr><td>${e.epoch}</td><td>${e.loss.toFixed(4)}</td><td>${pct(e.trainError)}</td><td>${e.testError === undefined ? '' : pct(e.testError)}</td><td>${e.learningRate.toPrecision(3)}</td><td>${e.momentum.toPrecision(3)}</td><td>${e.seconds.toFixed(1)}</td></tr>`)
    .join('');
  return `<table class="history"><thead><tr><th>epoch</th><th>loss</th><th>train error (dropout)</th><th>test error (O*)</th><th>learning rate</th><th>momentum</th><th>seconds</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const STYLE = `body{font:15px/1.45 Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}h3{font-size:1.05em;margin:.2em 0}
.banner{background:#fff4d6;border:1px solid #e8c35a;padding:.6em 1em;border-radius:4px}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ddd;padding:.35em .6em;vertical-align:top;text-align:left}
.claims td:first-child{width:32%}.claims tr.agrees td:last-child{color:#1a7f37}.claims tr.differs td:last-child{color:#b42318}
small{color:#666}figure{margin:1.5em 0}img.figure{max-width:100%;height:auto}figcaption{color:#444;font-size:.92em}`;

export function renderHtml(res: Results, figures: RenderedFigure[]): string {
  const s = res.settings;
  const banner = s.shortRun
    ? `<p class="banner"><strong>Short run.</strong> This report comes from the <code>${esc(s.preset)}</code> setting: ${s.epochs} training epoch${s.epochs === 1 ? '' : 's'} instead of the full recipe, so the network is not fully trained and the numbers are indicative only. Run <code>dropout-ensemble reproduce --full</code> for the paper's setting. ${esc(shortRunNote(res.claims)).replace(/`([^`]*)`/g, '<code>$1</code>')}</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Understanding Dropout — Section 6 reproduced</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Understanding Dropout — Section 6 reproduced</h1>
<p>Baldi &amp; Sadowski (NIPS 2013), simulated with dropout-ensemble on ${esc(res.environment.platform)}, Node ${esc(res.environment.node)}, ${res.environment.cpus} CPU${res.environment.cpus === 1 ? '' : 's'} (${esc(res.environment.cpuKernel)} kernel), ${esc(res.createdAt)}${res.environment.resumed ? ', resumed from a checkpoint' : ''}.</p>
${banner}
<p><strong>Test error:</strong> ${pct(res.testError.weightScaled.error)} weight-scaled (${res.testError.weightScaled.count} digits), ${pct(res.testError.monteCarlo.error)} Monte Carlo (${res.testError.monteCarlo.samples} subnetworks, ${res.testError.monteCarlo.count} digits). <strong>Total time:</strong> ${secs(res.timings.totalSeconds)}.</p>
<h2>The paper says / we measured</h2>
${claimsTable(res)}
<p><small>Relative errors are medians over the neurons (all fixed inputs) whose Monte Carlo E − NWGM exceeds two standard errors of E, ± a bootstrap standard error of the median. Eq. 20 expands around O = 0.5 and drops third-order terms as large as the one it keeps: it tends to 2E(1−E) times the true gap, so it falls short most for sparse units (E near 0). The delta-method estimate, an expansion in the moments of O, converges as the spread of O shrinks, and fails on saturated or widely spread units. The Gaussian-S estimate uses that NWGM = f(E(S)) for a logistic unit: the gap is E[f(S)] − f(E(S)), taken for S Gaussian with its sampled mean and variance.</small></p>
<h2>Figures</h2>
${figures.map(figureHtml).join('\n')}
<h2>Settings</h2>
${settingsTable(res)}
<h2>Training</h2>
${historyTable(res)}
<h2>Timings</h2>
${timingsTable(res)}
<p><small>Every number behind these figures is in <code>results.json</code>; the figures are also in <code>figures/*.svg</code>.</small></p>
</body>
</html>
`;
}
