#!/usr/bin/env bash
# The C++ tests and a vitest subset under AddressSanitizer + UndefinedBehaviorSanitizer.
#
#   1. build-asan/: de_tests with -DDE_SANITIZE=ON -DDE_CUDA=OFF, run with halt_on_error and, where
#      LeakSanitizer can run (it needs ptrace; some containers forbid it), detect_leaks=1.
#   2. build-asan-addon/: the Node addon with the same flags (cmake-js), loaded through DE_ADDON_PATH
#      into a node that has libasan preloaded; the reliability tests and the network API tests run
#      against it. Node itself is not built with ASan and leaks by design at exit, so detect_leaks=0
#      there: leaks of the addon are caught by step 1 and by test/reliability-leaks.test.ts.
#
# Usage: bash scripts/sanitize.sh [--cpp-only | --node-only]. About 5 minutes on 2 cores from scratch.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-all}"
jobs="${DE_JOBS:-2}"
step() { printf '\n---- sanitize: %s ----\n' "$*"; }

# LeakSanitizer works by ptrace-attaching to the process; where that is forbidden it dies with
# "LeakSanitizer has encountered a fatal error". Probe once with a tiny leaking program.
lsan_works() {
  local dir
  dir="$(mktemp -d)"
  printf '#include <stdlib.h>\nint main(){ void* p = malloc(7); p = 0; return 0; }\n' > "$dir/leak.c"
  if ! cc -fsanitize=address -o "$dir/leak" "$dir/leak.c" 2>/dev/null; then rm -rf "$dir"; return 1; fi
  local out rc=0
  out="$(ASAN_OPTIONS=detect_leaks=1 "$dir/leak" 2>&1)" || rc=$?
  rm -rf "$dir"
  # Working LSan reports the 7-byte leak and exits non-zero; a broken one prints a fatal error.
  [ "$rc" -ne 0 ] && grep -q 'detected memory leaks' <<<"$out"
}

ubsan_opts="print_stacktrace=1:halt_on_error=1"

if [ "$mode" != "--node-only" ]; then
  step "configure + build de_tests (build-asan/)"
  cmake -S . -B build-asan -DDE_SANITIZE=ON -DDE_CUDA=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-asan -j"$jobs" --target de_tests
  if lsan_works; then leaks=1; else
    leaks=0
    echo "sanitize: LeakSanitizer cannot run in this environment (ptrace not permitted); running with detect_leaks=0"
  fi
  step "de_tests under ASan+UBSan (detect_leaks=$leaks)"
  ASAN_OPTIONS="halt_on_error=1:detect_leaks=$leaks:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1" \
  UBSAN_OPTIONS="$ubsan_opts" \
    build-asan/de_tests
fi

if [ "$mode" != "--cpp-only" ]; then
  step "build the addon with sanitizers (build-asan-addon/)"
  cli="$(node -p "require('path').join(require('path').dirname(require.resolve('cmake-js/package.json')),'bin','cmake-js')")"
  node "$cli" compile --out build-asan-addon --parallel "$jobs" --CDDE_SANITIZE=ON --CDDE_CUDA=OFF >/dev/null
  addon="build-asan-addon/Release/dropout_ensemble.node"
  libasan="$(cc -print-file-name=libasan.so)"
  step "vitest subset with $addon (LD_PRELOAD=$libasan)"
  # DE_SANITIZED tells the tests that timing and RSS numbers are meaningless under ASan.
  DE_ADDON_PATH="$PWD/$addon" DE_SANITIZED=1 LD_PRELOAD="$libasan" \
  ASAN_OPTIONS="halt_on_error=1:detect_leaks=0:abort_on_error=0" UBSAN_OPTIONS="$ubsan_opts" \
    npx vitest run test/reliability-fuzz.test.ts test/reliability-files.test.ts \
      test/reliability-concurrency.test.ts test/network-api.test.ts test/kernels-moments.test.ts
fi
step "clean"
