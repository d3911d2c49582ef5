"""The markdown table of scripts/compare/run.sh, from the reference programs' JSON lines and
criterion's results.

    python table.py target/compare target/criterion [FEATURES]

Times are medians: NumPy and PyTorch over their runs, Dendrite criterion's median per iteration.
Floating-point operations count 2 per multiply-add of a row with the layers' weights (biases and
activations left out): 6 per multiply-add in a training step (forward, input gradient, weight
gradient), 2 in inference. The peak is the fastest kernel of criterion's `peak` group: of two
cores when FEATURES has `threading` (Dendrite's products and updates then use both), else of one.
"""
import json
import pathlib
import sys

MNIST_MACS = 784 * 128 + 128 * 128 + 128 * 10
WIDE_MACS = 784 * 1024 + 1024 * 10


def reference(out, name):
    """Milliseconds per epoch, step or call of a reference program's result, or None."""
    path = out / f"{name}.json"
    if not path.exists():
        return None
    line = json.loads(path.read_text())
    return next(line[k] for k in ("ms_per_epoch", "ms_per_step", "ms_per_call") if k in line)


def criterion_results(root):
    """{full id: (median seconds per iteration, elements of throughput or None)}."""
    results = {}
    for bench in root.glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        elements = (meta.get("throughput") or {}).get("Elements")
        results[meta["full_id"]] = (estimates["median"]["point_estimate"] / 1e9, elements)
    return results


def number(v):
    if v is None:
        return "—"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def main():
    out, root = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    threading = "threading" in (sys.argv[3] if len(sys.argv) > 3 else "")
    results = criterion_results(root)

    def peak(cores):
        rates = {bench.rsplit(", ", 1)[1]: elements / s for bench, (s, elements) in results.items()
                 if bench.startswith(f"peak/fma f32, {cores} core") and elements}
        return max(rates.items(), key=lambda kv: kv[1]) if rates else (None, None)

    (isa1, peak1), (isa2, peak2) = peak(1), peak(2)
    cores = 2 if threading else 1
    peak_used = peak2 if threading else peak1

    # (workload, NumPy result, PyTorch result, criterion id, unit, scale to the unit, flops)
    rows = [
        ("B1 spiral64: 3,000 points, 2 → 64 → 3, dropout, Adam, full batch", "numpy_b1", "torch_b1",
         "training/B1 spiral64 epoch", "ms/epoch", None),
        ("B2 spiral512: the same with 512 hidden units", "numpy_b2", "torch_b2",
         "training/B2 spiral512 epoch", "ms/epoch", None),
        ("B3 mnist-shape: 60,000 × 784, 784 → 128 → 128 → 10, batch 128, an epoch of a fit", None, "torch_b3",
         "training/B3 mnist-shape epoch (60000, batch 128, shuffled)", "ms/epoch", 6 * 60000 * MNIST_MACS),
        ("B3, a `fit` of one epoch (with the call's own work)", None, "torch_b3",
         "training/B3 mnist-shape fit of one epoch", "ms/epoch", 6 * 60000 * MNIST_MACS),
        ("B3, one step (batch 128)", None, None,
         "training/B3 mnist-shape step (batch 128)", "ms/step", 6 * 128 * MNIST_MACS),
        ("B4 spiral8: 8,000 points, 2 → 128 → 8, dropout, Adam, full batch", "numpy_b4", "torch_b4",
         "training/B4 spiral8 epoch", "ms/epoch", None),
        ("B5 deep: 20,000 × 8, 8 → 64 → 64 → 64 → 4, dropout, batch 32", None, "torch_b5",
         "training/B5 deep epoch (20000, batch 32, shuffled)", "ms/epoch", None),
        ("B6 regression: 5,000 × 13, 13 → 64 → 32 → 1, MSE, batch 16", None, "torch_b6",
         "training/B6 regression epoch (5000, batch 16, shuffled)", "ms/epoch", None),
        ("B7 mlp-wide: 20,000 × 784, 784 → 1024 → 10, batch 128", None, "torch_b7",
         "training/B7 mlp-wide epoch (20000, batch 128, shuffled)", "ms/epoch", 6 * 20000 * WIDE_MACS),
        ("B7, one step (batch 128)", None, "torch_b7step",
         "training/B7 mlp-wide step (batch 128)", "ms/step", 6 * 128 * WIDE_MACS),
        ("I1: one row through the B3 network (`predict_into`)", None, "torch_i1",
         "inference/I1 one row (predict_into)", "µs", None),
        ("I1, `predict` (allocates its workspace and output)", None, "torch_i1",
         "inference/I1 one row (predict)", "µs", None),
        ("I2: 100,000 rows through it (`predict_into`)", None, "torch_i2",
         "inference/I2 100000 rows (predict_into)", "ms", 2 * 100000 * MNIST_MACS),
        ("I2, `predict`", None, "torch_i2",
         "inference/I2 100000 rows (predict)", "ms", 2 * 100000 * MNIST_MACS),
        ("I2, `predict_batched` in batches of 1,024", None, "torch_i2",
         "inference/I2 100000 rows (predict_batched 1024)", "ms", 2 * 100000 * MNIST_MACS),
    ]
    torch_line = json.loads((out / "torch_b1.json").read_text()) if (out / "torch_b1.json").exists() else {}
    torch_version = torch_line.get("torch", "")
    if peak1:
        print(f"float32 FMA peak: {peak1 / 1e9:.0f} GFLOP/s on one core ({isa1}), "
              f"{peak2 / 1e9:.0f} on two ({isa2}); Dendrite's fractions are of the "
              f"{cores}-core peak ({'threading' if threading else 'default features'}).")
        print()
    print(f"| workload | unit | NumPy | PyTorch {torch_version} | Dendrite | vs NumPy | vs PyTorch "
          f"| Dendrite GFLOP/s (of {cores}-core peak) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, np_name, torch_name, bench, unit, flops in rows:
        to_unit = 1e6 if unit == "µs" else 1e3  # from seconds
        ref_scale = 1e3 if unit == "µs" else 1.0  # from the references' milliseconds
        numpy = reference(out, np_name) if np_name else None
        torch = reference(out, torch_name) if torch_name else None
        numpy = numpy * ref_scale if numpy is not None else None
        torch = torch * ref_scale if torch is not None else None
        seconds = results.get(bench, (None, None))[0]
        ours = seconds * to_unit if seconds else None

        def ratio(ref):
            return f"{ref / ours:.1f}×" if ref and ours else "—"

        rate = "—"
        if flops and seconds:
            gflops = flops / seconds / 1e9
            rate = f"{gflops:.0f} ({gflops * 1e9 / peak_used:.0%})" if peak_used else f"{gflops:.0f}"
        print(f"| {name} | {unit} | {number(numpy)} | {number(torch)} | {number(ours)} | {ratio(numpy)} "
              f"| {ratio(torch)} | {rate} |")
    if peak1:
        bound = 0.5 + 2 * MNIST_MACS / peak1 * 1e6
        print()
        print(f"I1's target (SPEC §7): at most 0.5 µs plus its {MNIST_MACS:,} multiply-adds at one "
              f"core's peak, {bound:.2f} µs.")


if __name__ == "__main__":
    main()
