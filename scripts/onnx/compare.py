"""ONNX Runtime against `dendrite predict`, for the models of scripts/onnx/check.sh.

    python compare.py DIR NAME...

For each NAME, DIR holds NAME.onnx (from `dendrite export --onnx`), NAME.csv (the raw input rows),
NAME.values.txt (`dendrite predict --probabilities`: the output values) and NAME.classes.txt
(`dendrite predict`: one class per row for a classifier). Each file must pass
`onnx.checker.check_model(..., full_check=True)` and declare IR version 8, opset 17 and Dendrite's
metadata; ONNX Runtime's `output` must match the values to TOLERANCE (absolute) and its `classes`
the classes exactly, except rows on a knife edge that float32 rounding may tip either way (a
probability within EDGE of 0.5, or two largest outputs within EDGE of each other), which are
excused and counted. Prints one line per model and exits 1 on any miss.
"""
import pathlib
import sys

import numpy as np
import onnx
import onnxruntime as ort

TOLERANCE = 1e-5
EDGE = 1e-6
IR_VERSION = 8
OPSET = 17
METADATA = {"format_version", "loss", "accuracy", "preprocessing"}
REGRESSION = {"MeanSquaredError", "MeanAbsoluteError"}


def metadata(model):
    return {p.key: p.value for p in model.metadata_props}


def structure_problems(model):
    """What is wrong with the file's header: IR version, opset, metadata."""
    problems = []
    if model.ir_version != IR_VERSION:
        problems.append(f"ir_version {model.ir_version}")
    opsets = {o.domain: o.version for o in model.opset_import}
    if opsets != {"": OPSET}:
        problems.append(f"opset_import {opsets}")
    missing = METADATA - metadata(model).keys()
    if missing:
        problems.append(f"metadata without {sorted(missing)}")
    return problems


def read_classes(path):
    """One class index per line (`dendrite predict` prints floats for a 0/1 column)."""
    return np.array([int(float(line)) for line in path.read_text().split()], dtype=np.int64)


def knife_edge(values):
    """Rows whose class float32 rounding may decide."""
    if values.shape[1] == 1:
        return np.abs(values[:, 0] - 0.5) <= EDGE
    top2 = np.sort(values, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0] <= EDGE


def compare(out, name):
    """One row of the table and whether it passes."""
    path = out / f"{name}.onnx"
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    problems = structure_problems(model)

    x = np.loadtxt(out / f"{name}.csv", delimiter=",", dtype=np.float32, ndmin=2)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    results = dict(zip(names, session.run(None, {"input": x})))

    want = np.loadtxt(out / f"{name}.values.txt", delimiter=",", dtype=np.float64, ndmin=2)
    got = results["output"].astype(np.float64)
    if got.shape != want.shape:
        problems.append(f"output shape {got.shape}, dendrite predict gives {want.shape}")
        diff = float("inf")
    else:
        diff = float(np.max(np.abs(got - want)))
    if not diff <= TOLERANCE:
        problems.append(f"max |diff| {diff:.3g} above {TOLERANCE:g}")

    mismatches = excused = 0
    classes = "-"
    if "classes" in results:
        classes = "argmax" if want.shape[1] > 1 else "p > 0.5"
        want_classes = read_classes(out / f"{name}.classes.txt")
        got_classes = results["classes"]
        if got_classes.shape != want_classes.shape:
            problems.append(f"classes shape {got_classes.shape}, dendrite predict gives {want_classes.shape}")
        else:
            differ = got_classes != want_classes
            edge = differ & knife_edge(want)
            excused = int(edge.sum())
            mismatches = int((differ & ~edge).sum())
            if mismatches:
                rows = np.flatnonzero(differ & ~edge)[:5].tolist()
                problems.append(f"{mismatches} class mismatches (rows {rows}...)")
    elif metadata(model).get("loss") not in REGRESSION:
        problems.append("a classifier without a classes output")

    shape = "x".join(str(d) for d in got.shape)
    row = f"{name:<12} {x.shape[0]:>5} {shape:>8} {diff:>11.3e} {classes:>8} {mismatches:>10} {excused:>7}  "
    row += "ok" if not problems else "FAIL: " + "; ".join(problems)
    return row, not problems


def main():
    out = pathlib.Path(sys.argv[1])
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, numpy {np.__version__}; "
          f"tolerance {TOLERANCE:g} (absolute), knife edge {EDGE:g}")
    print(f"{'model':<12} {'rows':>5} {'output':>8} {'max |diff|':>11} {'classes':>8} {'mismatches':>10} "
          f"{'excused':>7}  checker, ONNX Runtime")
    passed = True
    for name in sys.argv[2:]:
        try:
            row, ok = compare(out, name)
        except Exception as e:  # the checker's or ONNX Runtime's error, as one line
            row, ok = f"{name:<12} FAIL: {type(e).__name__}: {e}".splitlines()[0], False
        print(row)
        passed &= ok
    if not passed:
        print("ONNX check failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
