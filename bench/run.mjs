#!/usr/bin/env node
// `npm run bench [-- --json] [-- suite ...]`: runs the benchmark suites (all by default) against the
// built package (dist/), each reporting ratios to peers measured in the same run.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const wanted = args.filter((a) => !a.startsWith('--'));
if (!existsSync(join(here, '..', 'dist', 'index.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first.');
  process.exit(1);
}
const suites = readdirSync(here).filter((f) => /^suite-.*\.mjs$/.test(f)).sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)));
const results = {};
for (const f of suites) {
  const name = f.replace(/^suite-|\.mjs$/g, '');
  if (!json) console.log(`\n## ${name}`);
  const mod = await import(pathToFileURL(join(here, f)).href);
  results[name] = await mod.run({ json, log: json ? () => {} : (...a) => console.log(...a) });
}
if (json) console.log(JSON.stringify(results, null, 2));
