#!/usr/bin/env bash
# Dendrite against the reference programs, on this machine, in one run: the book's NumPy program
# (dropout wired correctly) on B1 and B2, PyTorch 2 (CPU, eager, 2 threads) on B1-B3, and
# Dendrite's criterion benches; prints a markdown table of medians (ms per epoch) and ratios.
#
#   bash scripts/compare/run.sh            # default features (single-threaded)
#   FEATURES=threading bash scripts/compare/run.sh
#
# It installs its Python needs (numpy, torch) into a virtual environment of its own
# (target/compare-venv, or $VENV) and is not part of CI. Every timing is the median of 3 runs.
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

echo "== NumPy (the book's program)" >&2
"$PY" scripts/compare/numpy_spiral.py --hidden 64 --epochs 1001 --runs 3 > "$out/numpy_b1.json"
"$PY" scripts/compare/numpy_spiral.py --hidden 512 --epochs 201 --runs 3 > "$out/numpy_b2.json"
echo "== PyTorch" >&2
"$PY" scripts/compare/torch_bench.py --workload b1 --epochs 1001 --runs 3 > "$out/torch_b1.json"
"$PY" scripts/compare/torch_bench.py --workload b2 --epochs 201 --runs 3 > "$out/torch_b2.json"
"$PY" scripts/compare/torch_bench.py --workload b3 --runs 3 > "$out/torch_b3.json"
echo "== Dendrite (criterion)" >&2
features=()
if [ -n "${FEATURES:-}" ]; then features=(--features "$FEATURES"); fi
cargo bench "${features[@]}" --bench training -- --warm-up-time 2 --measurement-time 5 >&2

"$PY" - "$out" <<'PYEOF'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
def ms(name):
    return json.loads((out / f"{name}.json").read_text())["ms_per_epoch"]
def criterion(bench):
    path = pathlib.Path("target/criterion/training") / bench / "new/estimates.json"
    return json.loads(path.read_text())["median"]["point_estimate"] / 1e6
rows = [
    ("B1 spiral64", ms("numpy_b1"), ms("torch_b1"), criterion("B1 spiral64 epoch")),
    ("B2 spiral512", ms("numpy_b2"), ms("torch_b2"), criterion("B2 spiral512 epoch")),
    ("B3 mnist-shape", None, ms("torch_b3"), criterion("B3 mnist-shape epoch (60000, batch 128, shuffled)")),
    ("B3, a fit of one epoch", None, ms("torch_b3"), criterion("B3 mnist-shape fit of one epoch")),
]
torch_version = json.loads((out / "torch_b1.json").read_text())["torch"]
print(f"| workload | NumPy ms/epoch | PyTorch {torch_version} ms/epoch | Dendrite ms/epoch | vs NumPy | vs PyTorch |")
print("| --- | --- | --- | --- | --- | --- |")
for name, numpy, torch, ours in rows:
    np_cell = f"{numpy:.2f}" if numpy else "—"
    np_ratio = f"{numpy / ours:.1f}x" if numpy else "—"
    print(f"| {name} | {np_cell} | {torch:.2f} | {ours:.3f} | {np_ratio} | {torch / ours:.1f}x |")
PYEOF
