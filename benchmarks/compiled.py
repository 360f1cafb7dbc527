"""Compiled training: micrograd's loop, fit(compiled=...) and the same step written in NumPy.

Run: python -m benchmarks.compiled   (needs the bench and fast extras)
The model, data, loss and schedule are those of benchmarks.engine and benchmarks.training:
MLP(2, [16, 16, 1]) from the same weights, 100 moons, max-margin loss + 1e-4 L2, full-batch
SGD with learning rate 1.0 - 0.9 k / 100. Times are medians per step, measured in one run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

import nn
from benchmarks.engine import demo_loop
from benchmarks.training import idiomatic

TARGET = 200.0


def numpy_loop(X: list[list[float]], y: list[int], steps: int,
               seed: int) -> tuple[list[float], float, float]:
    """The same training step written by hand with NumPy arrays: the practical limit."""
    import numpy as np

    model = nn.MLP(2, [16, 16, 1], rng=random.Random(seed))  # the same initial weights
    layers = []
    for layer in model.layers:
        rows = [[w.data for w in n.w] + [n.b.data] for n in layer.neurons]  # type: ignore
        table = np.array(rows)
        layers.append([table[:, :-1].copy(), table[:, -1].copy()])
    x, t = np.array(X), np.array(y, dtype=float)
    alpha, n = 1e-4, len(X)
    times = []
    for k in range(steps):
        start = time.perf_counter()
        (w1, b1), (w2, b2), (w3, b3) = layers
        h1 = np.maximum(x @ w1.T + b1, 0.0)
        h2 = np.maximum(h1 @ w2.T + b2, 0.0)
        s = (h2 @ w3.T + b3)[:, 0]
        margin = 1.0 - t * s
        squares = sum(float(np.sum(a * a)) for pair in layers for a in pair)
        loss = float(np.mean(np.maximum(margin, 0.0))) + alpha * squares
        ds = np.where(margin > 0.0, -t, 0.0) / n  # d loss / d score, per sample
        dh2 = np.outer(ds, w3[0]) * (h2 > 0.0)
        dh1 = (dh2 @ w2) * (h1 > 0.0)
        grads = [(dh1.T @ x, dh1.sum(0)), (dh2.T @ h1, dh2.sum(0)),
                 (ds[None, :] @ h2, np.array([ds.sum()]))]
        lr = 1.0 - 0.9 * k / 100
        for pair, dpair in zip(layers, grads):
            for i in range(2):
                pair[i] = pair[i] - lr * (dpair[i] + 2.0 * alpha * pair[i])
        times.append(time.perf_counter() - start)
    acc = float(np.mean((s > 0) == (t > 0)))
    return times, loss, acc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--micrograd-steps", type=int, default=100,
                        help="steps micrograd runs (default 100; each takes about 2 s)")
    args = parser.parse_args(argv)
    seed = 1337
    X, labels = nn.make_moons(100, noise=0.1, rng=random.Random(seed))
    y = [2 * label - 1 for label in labels]
    try:
        import numpy  # noqa: F401
        from micrograd.engine import Value as MicroValue  # type: ignore[import-untyped]
        from micrograd.nn import MLP as MicroMLP  # type: ignore[import-untyped]
    except ImportError as e:
        print(f"{e.name} is not installed: pip install -e '.[bench,fast]'", file=sys.stderr)
        return 2

    rows: list[tuple[str, list[float], float, float]] = []
    for name, mode in (("chainrule fit(compiled='numpy')", "numpy"),
                       ("chainrule fit(compiled='python')", "python"),
                       ("chainrule fit, eager engine", False)):
        times, history = idiomatic(X, y, args.steps, seed, compiled=mode)
        rows.append((name, times, history.loss[-1], history.metric[-1]))
    times, loss, acc = numpy_loop(X, y, args.steps, seed)
    rows.append(("hand-written NumPy step", times, loss, acc))
    random.seed(seed)  # micrograd draws its weights from the global generator
    times, loss, acc = demo_loop(MicroValue, MicroMLP(2, [16, 16, 1]), X, y,
                                 args.micrograd_steps)
    rows.append(("micrograd 0.1.0, its demo loop", times, loss, acc))

    ms = {name: 1e3 * statistics.median(t) for name, t, _, _ in rows}
    micro = ms["micrograd 0.1.0, its demo loop"]
    print(f"moons training, MLP 2-16-16-1, 100 points, {args.steps} full-batch steps "
          f"(micrograd: {args.micrograd_steps}); median ms per step")
    for name, _, loss, acc in rows:
        print(f"  {name:38s} {ms[name]:9.3f} ms   {micro / ms[name]:8.1f}x micrograd   "
              f"loss {loss:.6f}   accuracy {acc:.0%}")
    fast, python = (ms[name] for name, *_ in rows[:2])
    ratio = micro / fast
    print(f"  compiled (NumPy) against micrograd: {ratio:.1f}x (target >= {TARGET:.0f}x); "
          f"pure-Python compiled: {micro / python:.1f}x")
    print(f"  compiled (NumPy) against the hand-written NumPy step: "
          f"{fast / ms['hand-written NumPy step']:.1f}x slower")
    same = rows[0][3] >= rows[-1][3] if args.micrograd_steps == args.steps else True
    print("targets met" if ratio >= TARGET and same else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
