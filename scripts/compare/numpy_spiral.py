"""The book's NumPy program for the seed chapter (dropout wired correctly: the next layer takes
dropout's output and the backward pass goes through it), timed per epoch.

    python numpy_spiral.py --hidden 64 --epochs 1001 --runs 3
    python numpy_spiral.py --hidden 128 --classes 8 --l2 0 --epochs 201 --runs 3   # B4

B1/B2: 3,000 points in 3 classes, L2 5e-4 on the first layer's weights and biases. `--classes`
draws 1,000 points per class (the output layer as wide) and `--l2 0` drops the regularization.

Prints one line of JSON: the median milliseconds per epoch over the runs, and the final loss.
"""
import argparse
import json
import statistics
import time

import numpy as np


def spiral_data(samples, classes):
    X = np.zeros((samples * classes, 2), dtype="float32")
    y = np.zeros(samples * classes, dtype="uint8")
    for c in range(classes):
        ix = range(samples * c, samples * (c + 1))
        r = np.linspace(0.0, 1, samples)
        t = np.linspace(c * 4, (c + 1) * 4, samples) + np.random.randn(samples) * 0.2
        X[ix] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
        y[ix] = c
    return X, y


def run(hidden, epochs, classes=3, l2=5e-4):
    np.random.seed(0)
    X, y = spiral_data(1000, classes)
    W1 = 0.01 * np.random.randn(2, hidden)
    b1 = np.zeros((1, hidden))
    W2 = 0.01 * np.random.randn(hidden, classes)
    b2 = np.zeros((1, classes))
    params = [W1, b1, W2, b2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr0, decay, eps, beta1, beta2 = 0.05, 5e-5, 1e-7, 0.9, 0.999
    keep = 0.9
    n = len(X)
    start = time.perf_counter()
    for it in range(epochs):
        z1 = X @ W1 + b1
        a1 = np.maximum(0, z1)
        mask = np.random.binomial(1, keep, size=a1.shape) / keep
        d1 = a1 * mask
        z2 = d1 @ W2 + b2
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(np.clip(p[range(n), y], 1e-7, 1 - 1e-7)).mean()
        if l2:
            loss += l2 * (np.sum(W1 * W1) + np.sum(b1 * b1))
        dz2 = p.copy()
        dz2[range(n), y] -= 1
        dz2 /= n
        dW2 = d1.T @ dz2
        db2 = dz2.sum(axis=0, keepdims=True)
        dd1 = dz2 @ W2.T
        da1 = dd1 * mask
        dz1 = da1.copy()
        dz1[z1 <= 0] = 0
        dW1 = X.T @ dz1
        db1 = dz1.sum(axis=0, keepdims=True)
        if l2:
            dW1 += 2 * l2 * W1
            db1 += 2 * l2 * b1
        lr = lr0 * (1.0 / (1.0 + decay * it))
        for k, g in enumerate([dW1, db1, dW2, db2]):
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g**2
            mh = m[k] / (1 - beta1 ** (it + 1))
            vh = v[k] / (1 - beta2 ** (it + 1))
            params[k] -= lr * mh / (np.sqrt(vh) + eps)
        W1, b1, W2, b2 = params
    elapsed = time.perf_counter() - start
    return elapsed / epochs * 1000.0, float(loss)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=1001)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--l2", type=float, default=5e-4, help="L2 on the first layer (0: none)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = [run(args.hidden, args.epochs, args.classes, args.l2) for _ in range(args.runs)]
    print(json.dumps({"ms_per_epoch": statistics.median(r[0] for r in results), "loss": results[-1][1]}))


if __name__ == "__main__":
    main()
