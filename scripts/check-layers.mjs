#!/usr/bin/env node
// The native layers and the one rule between them: a file includes only its own layer or lower ones,
//   common < cpu < core < cuda < addon
// (the binding picks a backend, the CUDA host side drives the engine's types, the engine calls the
// CPU kernels through one dispatch table, and everything shares common). The tools and the tests may
// include any layer; no layer includes them. native/core holds no CUDA host code.
// Exits 1 listing every offending include.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAYERS = ['common', 'cpu', 'core', 'cuda', 'addon'];
const ANY = new Set(['tools', 'tests']);

/** The layer of a path under native/ ('cuda/host/x.h' is in 'cuda'), or null for none. */
export function layerOf(path) {
  return path.split('/')[0] ?? null;
}

/** C++ text without its comments (a comment may name the CUDA engine; code may not use it). */
function withoutComments(text) {
  return text.replace(/\/\*[^]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

/**
 * The violations in a set of files: [{ file, line, include, why }]. `files` maps a path relative to
 * native/ to its text.
 */
export function checkLayers(files) {
  const bad = [];
  for (const [file, text] of Object.entries(files)) {
    const from = layerOf(file);
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      const m = /^\s*#\s*include\s+"([^"]+)"/.exec(line);
      if (!m) return;
      const to = layerOf(m[1]);
      const at = { file, line: i + 1, include: m[1] };
      if (ANY.has(to) && !ANY.has(from)) bad.push({ ...at, why: `the library includes ${to}/` });
      else if (!ANY.has(from) && LAYERS.includes(from) && LAYERS.includes(to) && LAYERS.indexOf(to) > LAYERS.indexOf(from)) {
        bad.push({ ...at, why: `${from}/ is below ${to}/` });
      } else if (!LAYERS.includes(to) && !ANY.has(to)) bad.push({ ...at, why: `${to}/ is not a layer` });
    });
    if (from === 'core' && /\bcuda[A-Z_]|cuda_|libde_cuda|CudaBackend|dlopen/.test(withoutComments(text))) {
      bad.push({ file, line: 0, include: '', why: 'CUDA host code in native/core (it belongs in native/cuda/host)' });
    }
  }
  return bad;
}

function sources(dir, base = dir) {
  const out = {};
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) Object.assign(out, sources(p, base));
    else if (/\.(h|cpp|cu|cuh)$/.test(e.name)) out[relative(base, p)] = readFileSync(p, 'utf8');
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const native = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
  const bad = checkLayers(sources(native));
  for (const b of bad) console.error(`native/${b.file}${b.line ? `:${b.line}` : ''}: ${b.include ? `#include "${b.include}": ` : ''}${b.why}`);
  if (bad.length) process.exit(1);
  console.log(`native/: includes run one way (${LAYERS.join(' < ')}); tools and tests apart`);
}
