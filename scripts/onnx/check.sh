#!/usr/bin/env bash
# ONNX export against ONNX Runtime, end to end: trains small models of every example (spiral,
# binary, sine, MNIST) and a network with every built-in activation (examples/onnx_models.rs),
# exports each with `dendrite export --onnx`, runs `dendrite predict` on 1,000 rows, and has
# scripts/onnx/compare.py check each file with `onnx.checker.check_model(..., full_check=True)`
# and compare ONNX Runtime's outputs and classes with Dendrite's to 1e-5. Prints a table of the
# largest differences; exits non-zero on any miss.
#
#   bash scripts/onnx/check.sh
#
# It installs onnx, onnxruntime and numpy (the versions of scripts/onnx/requirements.txt) into a
# virtual environment of its own (target/onnx-venv, or $VENV), reused while its versions match,
# and builds the `dendrite` command and the example in release once; with DENDRITE_BUILT=DIR it
# takes them from DIR instead (CI: target/debug, where `cargo test` built both, optimized).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
VENV=${VENV:-target/onnx-venv}
TARGET=${CARGO_TARGET_DIR:-target}
REQUIREMENTS=scripts/onnx/requirements.txt
OUT=$TARGET/onnx
MODELS=(spiral binary sine mnist activations)

# The environment, unless one with exactly these versions is there.
if ! cmp -s "$REQUIREMENTS" "$VENV/requirements.txt"; then
  echo "== virtual environment $VENV: $(grep -E '^(onnx|onnxruntime|numpy)==' "$REQUIREMENTS" | tr '\n' ' ')"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$VENV/requirements.txt"
fi

if [[ -n "${DENDRITE_BUILT:-}" ]]; then
  bin=$DENDRITE_BUILT
else
  echo "== building dendrite and examples/onnx_models.rs (release)"
  cargo build --release -p dendrite-cli
  cargo build --release --example onnx_models
  bin=$TARGET/release
fi
built=$SECONDS

rm -rf "$OUT"
echo "== training the models into $OUT"
"$bin/examples/onnx_models" --out "$OUT"
dendrite=$bin/dendrite
for name in "${MODELS[@]}"; do
  "$dendrite" export --model "$OUT/$name.dnd" --onnx "$OUT/$name.onnx"
  "$dendrite" predict --model "$OUT/$name.dnd" --input "$OUT/$name.csv" --probabilities --output "$OUT/$name.values.txt"
  "$dendrite" predict --model "$OUT/$name.dnd" --input "$OUT/$name.csv" --output "$OUT/$name.classes.txt"
done

echo "== onnx.checker (full_check) and ONNX Runtime against dendrite predict"
status=0
"$VENV/bin/python" scripts/onnx/compare.py "$OUT" "${MODELS[@]}" || status=$?
echo "ONNX check: $((SECONDS - start)) s in all, $((SECONDS - built)) s after the build"
exit "$status"
