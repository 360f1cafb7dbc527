"""Training benchmark: micrograd's demo loop against chainrule's own modules, losses, optimizer.

Run: python -m benchmarks.training   (needs the bench extra: pip install -e '.[bench]')
Both train MLP(2, [16, 16, 1]) on the same 100 moons from the same weights with max-margin
loss + L2 and learning rate 1.0 - 0.9 k / 100; chainrule through nn.train.fit.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from typing import Any

import nn
from benchmarks.engine import demo_loop
from nn.losses import hinge_loss, l2_penalty
from nn.lr_scheduler import LambdaLR
from nn.optim import SGD
from nn.train import History, accuracy, fit

TARGET = 40.0


class _Timed:
    """Wraps an optimizer and records the wall time of every step, as fit runs it."""

    def __init__(self, optimizer: SGD) -> None:
        self.optimizer = optimizer
        self.marks = [time.perf_counter()]

    def zero_grad(self) -> None:
        self.optimizer.zero_grad()

    def step(self) -> None:
        self.optimizer.step()
        self.marks.append(time.perf_counter())


def idiomatic(X: list[list[float]], y: list[int], steps: int, seed: int,
              compiled: bool | str = False) -> tuple[list[float], History]:
    """The library's way: MLP, hinge_loss + l2_penalty, SGD with LambdaLR, fit."""
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(seed))
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / 100)
    timed = _Timed(optimizer)

    def loss_fn(scores: list[Any], targets: list[Any]) -> Any:
        return hinge_loss(scores, targets) + l2_penalty(model.parameters(), 1e-4)

    history = fit(model, loss_fn, timed, (X, y), epochs=steps, scheduler=schedule,
                  metric=accuracy, compiled=compiled)
    times = [b - a for a, b in zip(timed.marks, timed.marks[1:])]
    return times, history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    args = parser.parse_args(argv)
    seed = 1337
    X, labels = nn.make_moons(100, noise=0.1, rng=random.Random(seed))
    y = [2 * label - 1 for label in labels]
    try:
        from micrograd.engine import Value as MicroValue  # type: ignore[import-untyped]
        from micrograd.nn import MLP as MicroMLP  # type: ignore[import-untyped]
    except ImportError:
        print("micrograd is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    times, history = idiomatic(X, y, args.steps, seed)
    random.seed(seed)  # micrograd draws its weights from the global generator
    theirs = MicroMLP(2, [16, 16, 1])
    t_theirs, loss_theirs, acc_theirs = demo_loop(MicroValue, theirs, X, y, args.steps)
    ms_ours, ms_theirs = 1e3 * statistics.median(times), 1e3 * statistics.median(t_theirs)
    ratio = ms_theirs / ms_ours
    print(f"moons training, MLP 2-16-16-1, 100 points, {args.steps} full-batch steps "
          "(median per step)")
    print(f"  micrograd 0.1.0, its demo loop     {ms_theirs:8.2f} ms/step   loss "
          f"{loss_theirs:.6f}   accuracy {acc_theirs:.0%}")
    print(f"  chainrule fit (MLP, hinge, SGD)   {ms_ours:8.2f} ms/step   loss "
          f"{history.loss[-1]:.6f}   accuracy {history.metric[-1]:.0%}")
    print(f"  speedup {ratio:.1f}x (target >= {TARGET:.0f}x)")
    met = ratio >= TARGET and history.metric[-1] >= acc_theirs
    print("targets met" if met else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
