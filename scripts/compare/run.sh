#!/usr/bin/env bash
# Dendrite against the reference programs, on this machine, in one run: the book's NumPy program
# (dropout wired correctly) on B1, B2 and B4, PyTorch 2 (CPU, eager, 2 threads, float32) on
# B1-B7, I1 and I2, and Dendrite's criterion benches (training, inference, and the float32 FMA
# peak of one and two cores); prints one markdown table of medians and ratios, with the
# GEMM-bound workloads (B3, B7, I2) as a fraction of the FMA peak (scripts/compare/table.py).
#
#   bash scripts/compare/run.sh            # default features (single-threaded)
#   FEATURES=threading bash scripts/compare/run.sh
#
# It installs its Python needs (numpy, torch) into a virtual environment of its own
# (target/compare-venv, or $VENV) and is not part of CI. Every timing is the median of 3 runs
# (criterion's median for Dendrite).
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-target/compare-venv}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet numpy torch
fi
PY="$VENV/bin/python"
out=target/compare
mkdir -p "$out"
features=()
if [ -n "${FEATURES:-}" ]; then features=(--features "$FEATURES"); fi
benches=(--bench peak --bench training --bench inference)

echo "== Dendrite: building the benches" >&2
cargo bench "${features[@]}" "${benches[@]}" --no-run >&2
# The peak first, while nothing else of this script has warmed the cores.
echo "== FMA peak (criterion)" >&2
cargo bench "${features[@]}" --bench peak -- --warm-up-time 1 --measurement-time 3 >&2

echo "== NumPy (the book's program)" >&2
"$PY" scripts/compare/numpy_spiral.py --hidden 64 --epochs 1001 --runs 3 > "$out/numpy_b1.json"
"$PY" scripts/compare/numpy_spiral.py --hidden 512 --epochs 201 --runs 3 > "$out/numpy_b2.json"
"$PY" scripts/compare/numpy_spiral.py --hidden 128 --classes 8 --l2 0 --epochs 201 --runs 3 > "$out/numpy_b4.json"
echo "== PyTorch" >&2
torch() { "$PY" scripts/compare/torch_bench.py --workload "$1" --runs 3 "${@:2}" > "$out/torch_$1.json"; }
torch b1 --epochs 1001
torch b2 --epochs 201
torch b3
torch b4 --epochs 201
torch b5
torch b6
torch b7
torch b7step --steps 50
torch i1
torch i2
echo "== Dendrite (criterion)" >&2
cargo bench "${features[@]}" --bench training -- --warm-up-time 2 --measurement-time 5 >&2
cargo bench "${features[@]}" --bench inference -- --warm-up-time 2 --measurement-time 5 >&2

"$PY" scripts/compare/table.py "$out" target/criterion "${FEATURES:-}"
