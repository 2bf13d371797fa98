#!/usr/bin/env bash
# On a fresh GPU machine (CMake, nvcc, python3 with PyTorch; no Node.js): configure and build the
# CMake targets with the CUDA backend for sm_80 and sm_90, run the C++ tests (ctest), the C++ CUDA
# benchmark and the same workloads in PyTorch, and print the ratios. Everything goes to stdout; a copy
# of the log and a summary go to $OUT when it is set. Meant to finish in about 3–5 minutes.
set -u -o pipefail
cd "$(dirname "$0")/.."
OUT_DIR="${OUT:-}"
LOG=$(mktemp)
section() { echo; echo "=== $* ($(date +%T))"; }

main() {

section "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
nvcc --version | tail -1
# cuBLAS is opened at run time (native/cuda/device/cublas_dyn.cpp); find it where the toolkit or PyTorch keeps it.
if [ -z "${DE_CUBLAS_LIB:-}" ] && ! ldconfig -p | grep -q 'libcublas\.so\.13'; then
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
           $(python3 -c 'import nvidia.cublas, os; print(os.path.join(nvidia.cublas.__path__[0], "lib"))' 2>/dev/null); do
    f=$(ls "$d"/libcublas.so.1[0-9]* 2>/dev/null | head -1)
    if [ -n "$f" ]; then export DE_CUBLAS_LIB="$f"; export LD_LIBRARY_PATH="$d:${LD_LIBRARY_PATH:-}"; break; fi
  done
fi
echo "cuBLAS: ${DE_CUBLAS_LIB:-from the loader path}"

section "configure + build (sm_80, sm_90)"
BUILD=build-device
cmake -S . -B "$BUILD" -DDE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="80;90" -DCMAKE_BUILD_TYPE=Release \
  $(command -v ninja >/dev/null && echo -G Ninja) > "$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log"; return 1; }
grep -E "CUDA backend" "$BUILD.configure.log"
# The backend and its benchmark first, so a test file that does not compile cannot hide the benchmark.
time cmake --build "$BUILD" -j"$(nproc)" --target de_cuda de_bench_cuda 2>&1 | grep -E "error|warning: |FAILED" | head -40
time cmake --build "$BUILD" -j"$(nproc)" 2>&1 | grep -E "error|FAILED" | head -40
[ -f "$BUILD/libde_cuda.so" ] && [ -x "$BUILD/de_bench_cuda" ] || { echo "build of the CUDA backend failed"; return 1; }

section "C++ tests (ctest: every core test, the CUDA ones against the CPU)"
if [ -x "$BUILD/de_tests" ]; then
  (cd "$BUILD" && timeout 170 ctest -V --timeout 160 > ctest.log 2>&1; echo "ctest exit $?";
   grep -E "^(ok|FAILED|skipped) +cuda|FAILED|[0-9]+ passed|tests passed|tests failed" ctest.log | head -40)
else
  echo "de_tests did not build"
fi

section "C++ CUDA benchmark"
timeout 120 "$BUILD/de_bench_cuda" | tee bench-cuda.txt

section "PyTorch peer"
PYTHONUNBUFFERED=1 timeout 150 python3 bench/peers/torch_cuda.py | tee bench-torch.txt

section "summary (ms; ratio = PyTorch time / ours, > 1 means we are faster)"
python3 - <<'PY' | tee summary.txt
def read(path):
    out = {}
    try:
        for line in open(path):
            if line.startswith("RESULT "):
                _, name, value, _unit = line.split()
                out[name] = float(value)
    except FileNotFoundError:
        pass
    return out
ours, torch = read("bench-cuda.txt"), read("bench-torch.txt")
for name in sorted(set(ours) | set(torch)):
    a, b = ours.get(name), torch.get(name)
    ratio = f"{b / a:6.2f}x" if a and b else "   n/a"
    print(f"{name:22s} ours {a if a is not None else float('nan'):10.3f}  torch {b if b is not None else float('nan'):10.3f}  {ratio}")
PY
}

main 2>&1 | tee "$LOG"
if [ -n "$OUT_DIR" ]; then
  cp "$LOG" "$OUT_DIR/device-check.log"
  cp summary.txt bench-cuda.txt bench-torch.txt "$OUT_DIR/" 2>/dev/null || true
fi
rm -f bench-cuda.txt bench-torch.txt summary.txt
