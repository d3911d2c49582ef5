"""PyTorch 2 (CPU, eager, 2 threads, float32) on Dendrite's workloads B1-B7, I1 and I2.

    python torch_bench.py --workload b1 --runs 3

B1/B2: the seed chapter's network (Dense 2 -> 64 or 512 with L2 5e-4 on weights and biases,
ReLU, Dropout 0.1, Dense -> 3, softmax + cross-entropy, Adam lr 0.05 decay 5e-5), full batch on
3,000 spiral points. B3: Dense 784 -> 128 -> 128 -> 10 with ReLU, softmax + cross-entropy,
Adam, batch 128, shuffled, one epoch of 60,000 random inputs in [-1, 1] (the second of two,
after a warm-up epoch).
B4 `spiral8`: 8,000 spiral points in 8 classes, Dense 2 -> 128, ReLU, Dropout 0.1, Dense -> 8,
softmax + cross-entropy, Adam lr 0.05 decay 5e-5 (no L2), full batch, per epoch.
B5 `deep`: 20,000 x 8 Gaussian blobs of 4 classes, Dense 8 -> 64 -> 64 -> 64 -> 4, ReLU and
Dropout 0.1 after each hidden layer, softmax + cross-entropy, Adam, batch 32, shuffled.
B6 `regression`: 5,000 x 13 uniform features in [-1, 1], a smooth nonlinear target plus noise,
Dense 13 -> 64 -> 32 -> 1 with ReLU and a linear output, MSE, Adam, batch 16, shuffled.
B7 `mlp-wide`: 20,000 x 784 random inputs in [-1, 1], 10 classes, Dense 784 -> 1024 -> 10 with
ReLU, softmax + cross-entropy, Adam, batch 128, shuffled; `b7step`: one step of a batch of 128.
B3, B5-B7 time the second epoch, after a warm-up epoch, as Dendrite's benches time the second
epoch of a two-epoch fit; every Adam has eps 1e-7 (the book's) and lr 0.001 unless stated.
I1: one row through the B3 network with a final softmax, in inference mode (eval,
torch.inference_mode); I2: 100,000 rows through it in one call.

Prints one line of JSON: the median over the runs of milliseconds per epoch (`ms_per_epoch`),
per step (`ms_per_step`) or per call (`ms_per_call`), and the torch version.
"""
import argparse
import json
import math
import statistics
import time

import numpy as np
import torch
from torch import nn

torch.set_num_threads(2)


def spiral(samples=1000, classes=3):
    rng = np.random.default_rng(0)
    X = np.zeros((samples * classes, 2), dtype="float32")
    y = np.zeros(samples * classes, dtype="int64")
    for c in range(classes):
        ix = range(samples * c, samples * (c + 1))
        r = np.linspace(0.0, 1, samples)
        t = np.linspace(c * 4, (c + 1) * 4, samples) + rng.standard_normal(samples) * 0.2
        X[ix] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
        y[ix] = c
    return torch.from_numpy(X), torch.from_numpy(y)


def spiral_epochs(hidden, epochs, classes=3, l2=5e-4):
    X, y = spiral(1000, classes)
    model = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, classes))
    opt = torch.optim.Adam(model.parameters(), lr=0.05, eps=1e-7)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0 / (1.0 + 5e-5 * t))
    ce = nn.CrossEntropyLoss()
    first = model[0]
    model.train()
    start = time.perf_counter()
    for _ in range(epochs):
        opt.zero_grad(set_to_none=True)
        loss = ce(model(X), y)
        if l2:
            loss = loss + l2 * (first.weight.pow(2).sum() + first.bias.pow(2).sum())
        loss.backward()
        opt.step()
        sched.step()
    return (time.perf_counter() - start) / epochs * 1000.0


def second_epoch(X, y, model, loss_fn, batch, generator):
    """Milliseconds of the second of two shuffled epochs in batches of `batch` (Adam lr 0.001)."""
    opt = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    n = len(X)
    model.train()

    def epoch():
        perm = torch.randperm(n, generator=generator)
        for s in range(math.ceil(n / batch)):
            idx = perm[s * batch:(s + 1) * batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()

    # The second epoch is timed, as Dendrite's bench times the second epoch of a fit: the
    # first one pays for warm-up (the allocator's first buffers, the optimizer's state).
    epoch()
    start = time.perf_counter()
    epoch()
    return (time.perf_counter() - start) * 1000.0


def mnist_model():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))


def mnist_shape_epoch():
    g = torch.Generator().manual_seed(0)
    X = torch.rand(60000, 784, generator=g) * 2 - 1
    y = torch.randint(0, 10, (60000,), generator=g)
    return second_epoch(X, y, mnist_model(), nn.CrossEntropyLoss(), 128, g)


def deep_epoch():
    rng = np.random.default_rng(5)
    centres = rng.uniform(-3.0, 3.0, (4, 8))
    labels = rng.integers(0, 4, 20000)
    X = torch.from_numpy((centres[labels] + rng.standard_normal((20000, 8))).astype("float32"))
    y = torch.from_numpy(labels.astype("int64"))
    hidden = []
    for width_in in (8, 64, 64):
        hidden += [nn.Linear(width_in, 64), nn.ReLU(), nn.Dropout(0.1)]
    model = nn.Sequential(*hidden, nn.Linear(64, 4))
    return second_epoch(X, y, model, nn.CrossEntropyLoss(), 32, torch.Generator().manual_seed(5))


def regression_data(rows, rng):
    """As Dendrite's bench: 13 features in [-1, 1], a smooth target plus N(0, 0.1^2) noise."""
    x = rng.uniform(-1.0, 1.0, (rows, 13))
    target = (np.sin(np.pi * x[:, 0]) + x[:, 1] * x[:, 2] + 0.5 * x[:, 3] ** 2 - 0.25 * np.cos(2 * x[:, 4])
              + 0.1 * x[:, 5:].sum(axis=1) + 0.1 * rng.standard_normal(rows))
    return x.astype("float32"), target.reshape(-1, 1).astype("float32")


def regression_epoch():
    x, target = regression_data(5000, np.random.default_rng(6))
    model = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
    return second_epoch(torch.from_numpy(x), torch.from_numpy(target), model, nn.MSELoss(), 16,
                        torch.Generator().manual_seed(6))


def wide_model():
    return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 10))


def wide_epoch():
    g = torch.Generator().manual_seed(7)
    X = torch.rand(20000, 784, generator=g) * 2 - 1
    y = torch.randint(0, 10, (20000,), generator=g)
    return second_epoch(X, y, wide_model(), nn.CrossEntropyLoss(), 128, g)


def wide_step(steps):
    """Milliseconds per training step on one batch of 128, after 10 warm-up steps."""
    g = torch.Generator().manual_seed(7)
    X = torch.rand(128, 784, generator=g) * 2 - 1
    y = torch.randint(0, 10, (128,), generator=g)
    model = wide_model()
    opt = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    ce = nn.CrossEntropyLoss()
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ce(model(X), y)
        loss.backward()
        opt.step()

    for _ in range(10):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps * 1000.0


def inference(rows, calls):
    """Milliseconds per call of the B3 network with a softmax on `rows` rows, in inference mode."""
    g = torch.Generator().manual_seed(11)
    X = torch.rand(rows, 784, generator=g) * 2 - 1
    model = nn.Sequential(*mnist_model(), nn.Softmax(dim=1)).eval()
    with torch.inference_mode():
        for _ in range(max(1, calls // 10)):
            model(X)
        start = time.perf_counter()
        for _ in range(calls):
            model(X)
        return (time.perf_counter() - start) / calls * 1000.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", required=True,
                        choices=["b1", "b2", "b3", "b4", "b5", "b6", "b7", "b7step", "i1", "i2"])
    parser.add_argument("--epochs", type=int, default=1001, help="full-batch epochs of b1, b2, b4")
    parser.add_argument("--steps", type=int, default=50, help="timed steps of b7step")
    parser.add_argument("--calls", type=int, default=None, help="timed calls of i1 (10000) or i2 (1)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    w = args.workload
    key = "ms_per_epoch"
    if w in ("b1", "b2"):
        run = lambda: spiral_epochs(64 if w == "b1" else 512, args.epochs)
    elif w == "b4":
        run = lambda: spiral_epochs(128, args.epochs, classes=8, l2=0.0)
    elif w == "b7step":
        run, key = (lambda: wide_step(args.steps)), "ms_per_step"
    elif w in ("i1", "i2"):
        rows, calls = (1, 10000) if w == "i1" else (100000, 1)
        calls = args.calls or calls
        run, key = (lambda: inference(rows, calls)), "ms_per_call"
    else:
        run = {"b3": mnist_shape_epoch, "b5": deep_epoch, "b6": regression_epoch, "b7": wide_epoch}[w]
    times = [run() for _ in range(args.runs)]
    print(json.dumps({key: statistics.median(times), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
