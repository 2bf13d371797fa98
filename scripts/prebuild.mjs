#!/usr/bin/env node
// Builds the prebuilt binary the package ships (run by `npm pack` / `npm publish` through prepack):
// the addon built with cmake-js in Release — the CPU kernels are chosen at run time by cpuid, so one
// binary serves every x86-64 CPU — and the CUDA backend library beside it when nvcc is here.
// Both go to prebuilds/<platform>-<arch>/ with a manifest saying what they need (Node-API version,
// the C library and the glibc they were linked against). The install script uses them when they
// load, and compiles only otherwise.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePrebuild } from './prebuilds.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-addon.mjs'), '--cmake'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const { dir, manifest } = writePrebuild(root, join(root, 'build-cmake', 'Release'));
console.log(`prebuilt binary: ${dir} (${manifest.cuda ? 'CPU and CUDA' : 'CPU only'}, glibc ${manifest.glibc ?? 'n/a'})`);
