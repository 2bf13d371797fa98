// The report's figures as vega-lite specifications, compiled by vega-lite and rendered to SVG by
// vega's headless renderer. Each spec carries its own data, so a spec is also a complete record.
import type { TopLevelSpec } from 'vega-lite';
import { loadVega } from './vega.js';
import type { Results } from './results.js';

export interface Figure {
  /** File name without extension (figures/<name>.svg). */
  name: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const ACTIVE_COLOR = '#d62728';
const INACTIVE_COLOR = '#1f77b4';
const FONT = 'Helvetica, Arial, sans-serif';
const CONFIG = { aria: false, font: FONT, view: { stroke: '#ccc' }, axis: { labelFontSize: 10, titleFontSize: 11 }, legend: { labelFontSize: 10, titleFontSize: 11, labelLimit: 260 } };
/** Ticks of a symmetric-log axis: decades on both sides of 0. */
const SYMLOG_TICKS = [-0.1, -0.01, -0.001, -0.0001, 0, 0.0001, 0.001, 0.01, 0.1];

/** Rounds to 5 significant digits: keeps the embedded data (and the SVG) small, loses nothing visible. */
const r = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(5)) : null);
const layerName = (h: number) => `hidden layer ${h}`;

/** Figure 1, left: E − NWGM, Eq. 20, the delta method, the Gaussian-S and sampling-free estimates and the Eq. 22 bound against E, per layer. */
export function figure1Left(res: Results): Figure {
  const points: Array<Record<string, unknown>> = [];
  const curve: Array<Record<string, unknown>> = [];
  for (const l of res.figure1.layers) {
    l.mean.forEach((E, i) => {
      points.push({ layer: layerName(l.layer), E: r(E), series: 'E − NWGM (Monte Carlo)', value: r(l.gap[i]!) });
      points.push({ layer: layerName(l.layer), E: r(E), series: 'Eq. 20 (second order)', value: r(l.secondOrder[i]!) });
      points.push({ layer: layerName(l.layer), E: r(E), series: 'delta method', value: r(l.deltaMethod[i]!) });
      points.push({ layer: layerName(l.layer), E: r(E), series: 'Gaussian S', value: r(l.gaussianGap[i]!) });
      points.push({ layer: layerName(l.layer), E: r(E), series: 'sampling-free (covariance)', value: r(l.propagatedGap[i]!) });
    });
    // Eq. 22 depends on E alone: drawn as a curve over the range of E seen in the layer.
    for (let k = 0; k <= 100; k++) {
      const E = k / 100;
      curve.push({ layer: layerName(l.layer), E, series: 'Eq. 22 bound', value: r(2 * E * (1 - E) * (1 - 2 * E)) }); // Eq. 22 bounds |E − NWGM|; drawn with the sign of 1 − 2E, the side the gap lies on
    }
  }
  const colors = { domain: ['E − NWGM (Monte Carlo)', 'Eq. 20 (second order)', 'delta method', 'Gaussian S', 'sampling-free (covariance)', 'Eq. 22 bound'], range: ['#000000', '#ff7f0e', '#2ca02c', '#1f77b4', '#d62728', '#9467bd'] };
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values: [...points, ...curve] },
    facet: { column: { field: 'layer', type: 'nominal', title: null } },
    spec: {
      width: 200,
      height: 200,
      layer: [
        {
          transform: [{ filter: "datum.series !== 'Eq. 22 bound' && isValid(datum.value)" }],
          mark: { type: 'square', size: 5, opacity: 0.55 },
          encoding: {
            x: { field: 'E', type: 'quantitative', title: 'E(O)', scale: { domain: [0, 1] } },
            y: { field: 'value', type: 'quantitative', title: 'E − NWGM and its estimates (symlog)', scale: { type: 'symlog', constant: 1e-4 }, axis: { values: SYMLOG_TICKS, format: '~g' } },
            color: { field: 'series', type: 'nominal', title: null, scale: colors },
          },
        },
        {
          transform: [{ filter: "datum.series === 'Eq. 22 bound'" }],
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: {
            x: { field: 'E', type: 'quantitative' },
            y: { field: 'value', type: 'quantitative' },
            color: { field: 'series', type: 'nominal', scale: colors },
          },
        },
      ],
    },
  };
  return {
    name: 'figure1-left',
    title: 'Figure 1 (left): E − NWGM, its estimates, and the bound',
    caption: `For test digit #${res.figure1.input}, every neuron of each hidden layer: the Monte Carlo E − NWGM (${res.settings.samples} subnetworks), Eq. 20's second-order estimate, the delta-method estimate, the library's Gaussian-S estimate (E[f(S)] − f(E(S)) for S Gaussian with the sample's mean and variance of S), and the bound of Eq. 22 (a bound on |E − NWGM|, drawn with the sign of 1 − 2E, the side on which the gap lies), against E(O). The y axis is symmetric-logarithmic so that both the small gaps and the bound are visible.`,
    spec,
  };
}

/** Figure 1, right: E − O* against O*, per layer; active units (O* > 0.1) in red. */
export function figure1Right(res: Results): Figure {
  const values = res.figure1.layers.flatMap((l) =>
    l.mean.map((E, i) => ({ layer: layerName(l.layer), O: r(l.deterministic[i]!), diff: r(E - l.deterministic[i]!), state: l.deterministic[i]! > 0.1 ? 'active (O* > 0.1)' : 'inactive' })),
  );
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'layer', type: 'nominal', title: null } },
    spec: {
      width: 200,
      height: 200,
      mark: { type: 'square', size: 5, opacity: 0.6 },
      encoding: {
        x: { field: 'O', type: 'quantitative', title: 'O* (weight-scaled network)', scale: { domain: [0, 1] } },
        y: { field: 'diff', type: 'quantitative', title: 'E(O) − O*' },
        color: { field: 'state', type: 'nominal', title: null, scale: { domain: ['active (O* > 0.1)', 'inactive'], range: [ACTIVE_COLOR, INACTIVE_COLOR] } },
      },
    },
  };
  return {
    name: 'figure1-right',
    title: 'Figure 1 (right): E − O* per hidden layer',
    caption: `The difference between the ensemble average E(O) (Monte Carlo) and the weight-scaled output O*, for every neuron at test digit #${res.figure1.input}.`,
    spec,
  };
}

/** Figure 2a: std(O) during training at a probe input, active and inactive units, per layer. */
export function figure2a(res: Results): Figure {
  const bands: Array<Record<string, unknown>> = [];
  const typical: Array<Record<string, unknown>> = [];
  for (const l of res.figure2a.layers) {
    l.at.forEach((at, k) => {
      for (const [group, b] of [['active', l.active[k]], ['inactive', l.inactive[k]]] as const) {
        if (b && b.count > 0) bands.push({ layer: layerName(l.layer), at: r(at), group, mean: r(b.mean), p5: r(b.p5), p95: r(b.p95) });
      }
      if (l.typicalActive) typical.push({ layer: layerName(l.layer), at: r(at), group: 'active', std: r(l.typicalActive.std[k]!) });
      if (l.typicalInactive) typical.push({ layer: layerName(l.layer), at: r(at), group: 'inactive', std: r(l.typicalInactive.std[k]!) });
    });
  }
  const color = { field: 'group', type: 'nominal' as const, title: null, scale: { domain: ['active', 'inactive'], range: [ACTIVE_COLOR, INACTIVE_COLOR] } };
  const x = { field: 'at', type: 'quantitative' as const, title: 'training (epochs)' };
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values: [...bands.map((b) => ({ ...b, kind: 'band' })), ...typical.map((t) => ({ ...t, kind: 'typical' }))] },
    facet: { column: { field: 'layer', type: 'nominal', title: null } },
    spec: {
      width: 200,
      height: 180,
      layer: [
        { transform: [{ filter: "datum.kind === 'band'" }], mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'p5', type: 'quantitative', title: 'std(O)' }, y2: { field: 'p95' }, color } },
        { transform: [{ filter: "datum.kind === 'band'" }], mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
        { transform: [{ filter: "datum.kind === 'typical'" }], mark: { type: 'line', strokeWidth: 1, strokeDash: [4, 3] }, encoding: { x, y: { field: 'std', type: 'quantitative' }, color } },
      ],
    },
  };
  return {
    name: 'figure2a',
    title: 'Figure 2a: the three phases of learning',
    caption: `Monte Carlo std(O) (${res.settings.probeSamples} subnetworks per probe) at test digit #${res.figure2a.probeInput}, recorded during training. Solid: mean over the layer's active (red; O* > 0.1 after training) and inactive (blue) neurons, with the 5%–95% band; dashed: a typical neuron of each group (median final std(O)). Initial weights: ${res.settings.init === 'small-uniform' ? 'small, U(±1/√fan_in), as Section 5.3 assumes' : "the engine's default (Glorot-uniform ×4, larger than Section 5.3 assumes)"}.`,
    spec,
  };
}

/** Figure 2b: mean std(O) of active neurons per layer, with the 5% and 95% percentiles. */
export function figure2b(res: Results): Figure {
  const values = res.figure2b.layers.map((l) => ({ layer: l.layer, mean: r(l.mean), p5: r(l.p5), p95: r(l.p95), count: l.count }));
  const x = { field: 'layer', type: 'ordinal' as const, title: 'hidden layer', axis: { labelAngle: 0 } };
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    width: 260,
    height: 200,
    data: { values },
    layer: [
      { mark: { type: 'rule', strokeWidth: 1.5, color: ACTIVE_COLOR }, encoding: { x, y: { field: 'p5', type: 'quantitative', title: 'std(O) of active neurons' }, y2: { field: 'p95' } } },
      { mark: { type: 'point', filled: true, size: 60, color: ACTIVE_COLOR }, encoding: { x, y: { field: 'mean', type: 'quantitative' } } },
    ],
  };
  return {
    name: 'figure2b',
    title: 'Figure 2b: consistency in each layer',
    caption: `Mean std(O) of the active neurons (O* > 0.1) of each hidden layer, with the 5% and 95% percentiles, over ${res.figure2b.inputs} fixed test digits and ${res.settings.samples} subnetworks each.`,
    spec,
  };
}

/** Figure 3: histograms of O* per hidden layer, totalled over the histogram inputs. */
export function figure3(res: Results): Figure {
  const values = res.figure3.layers.flatMap((l) => l.counts.map((count, i) => ({ layer: layerName(l.layer), lo: r(l.edges[i]!), hi: r(l.edges[i + 1]!), count })));
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'layer', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 200,
      height: 160,
      mark: { type: 'bar', color: '#555', stroke: 'white', strokeWidth: 0.5 },
      encoding: {
        x: { field: 'lo', type: 'quantitative', title: 'O*', scale: { domain: [0, 1] } },
        x2: { field: 'hi' },
        y: { field: 'count', type: 'quantitative', title: 'neurons' },
        y2: { datum: 0 },
      },
    },
  };
  return {
    name: 'figure3',
    title: 'Figure 3: sparse, skewed activations',
    caption: `Histograms of the weight-scaled activations O* of every neuron in each hidden layer, totalled over ${res.figure3.inputs} random test digits.`,
    spec,
  };
}

export function allFigures(res: Results): Figure[] {
  return [figure1Left(res), figure1Right(res), figure2a(res), figure2b(res), figure3(res)];
}

/**
 * Compiles a vega-lite spec and renders it to an SVG string with vega's headless renderer. Rejects
 * with MissingDependencyError when vega or vega-lite is not installed.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = await loadVega();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
