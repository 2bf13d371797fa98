// Writes a report folder: results.json, figures/*.svg (and each figure's vega-lite spec), index.html.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from 'dropout-ensemble';
import { allFigures, renderSvg } from './figures.js';
import { renderHtml, type RenderedFigure } from './html.js';
import type { Results } from './results.js';

export interface WrittenReport {
  dir: string;
  html: string;
  results: string;
  figures: string[];
}

/** Writes a file through a temporary name, so a reader never sees half of it. */
function writeAtomic(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, Buffer.from(text));
}

/** JSON with NaN/±Infinity written as null (JSON has no such numbers) and typed arrays as arrays. */
export function resultsToJson(res: Results): string {
  return JSON.stringify(res, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v), 2);
}

/**
 * Renders and writes the report. The time spent rendering the figures is added to
 * `res.timings.reportSeconds` and `totalSeconds` before results.json is written.
 */
export async function writeReport(dir: string, res: Results): Promise<WrittenReport> {
  const started = performance.now();
  const figDir = join(dir, 'figures');
  await mkdir(figDir, { recursive: true });
  const rendered: RenderedFigure[] = [];
  const figures: string[] = [];
  for (const f of allFigures(res)) {
    const svg = await renderSvg(f.spec);
    const path = join(figDir, `${f.name}.svg`);
    await writeAtomic(path, svg);
    await writeAtomic(join(figDir, `${f.name}.vl.json`), JSON.stringify(f.spec));
    figures.push(path);
    rendered.push({ name: f.name, title: f.title, caption: f.caption, svg });
  }
  const seconds = (performance.now() - started) / 1000;
  res.timings.reportSeconds += seconds;
  res.timings.totalSeconds += seconds;
  const results = join(dir, 'results.json');
  await writeAtomic(results, resultsToJson(res));
  const html = join(dir, 'index.html');
  await writeAtomic(html, renderHtml(res, rendered));
  return { dir, html, results, figures };
}
