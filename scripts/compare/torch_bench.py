"""PyTorch 2 (CPU, eager, 2 threads) on Dendrite's workloads B1-B3, timed per epoch.

    python torch_bench.py --workload b1 --runs 3

B1/B2: the seed chapter's network (Dense 2 -> 64 or 512 with L2 5e-4 on weights and biases,
ReLU, Dropout 0.1, Dense -> 3, softmax + cross-entropy, Adam lr 0.05 decay 5e-5), full batch on
3,000 spiral points. B3: Dense 784 -> 128 -> 128 -> 10 with ReLU, softmax + cross-entropy,
Adam, batch 128, shuffled, one epoch of 60,000 random inputs in [-1, 1] (the second of two,
after a warm-up epoch).
Prints one line of JSON: the median milliseconds per epoch.
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


def spiral_epochs(hidden, epochs):
    X, y = spiral()
    model = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.05, eps=1e-7)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0 / (1.0 + 5e-5 * t))
    ce = nn.CrossEntropyLoss()
    first = model[0]
    model.train()
    start = time.perf_counter()
    for _ in range(epochs):
        opt.zero_grad(set_to_none=True)
        loss = ce(model(X), y) + 5e-4 * (first.weight.pow(2).sum() + first.bias.pow(2).sum())
        loss.backward()
        opt.step()
        sched.step()
    return (time.perf_counter() - start) / epochs * 1000.0


def mnist_shape_epoch():
    g = torch.Generator().manual_seed(0)
    X = torch.rand(60000, 784, generator=g) * 2 - 1
    y = torch.randint(0, 10, (60000,), generator=g)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    ce = nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(60000, generator=g)
        for s in range(math.ceil(60000 / 128)):
            idx = perm[s * 128:(s + 1) * 128]
            opt.zero_grad(set_to_none=True)
            loss = ce(model(X[idx]), y[idx])
            loss.backward()
            opt.step()

    # The second epoch is timed, as Dendrite's bench times the second epoch of a fit: the
    # first one pays for warm-up (the allocator's first buffers, the optimizer's state).
    epoch()
    start = time.perf_counter()
    epoch()
    return (time.perf_counter() - start) * 1000.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", choices=["b1", "b2", "b3"], required=True)
    parser.add_argument("--epochs", type=int, default=1001)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.workload == "b3":
        times = [mnist_shape_epoch() for _ in range(args.runs)]
    else:
        hidden = 64 if args.workload == "b1" else 512
        times = [spiral_epochs(hidden, args.epochs) for _ in range(args.runs)]
    print(json.dumps({"ms_per_epoch": statistics.median(times), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
