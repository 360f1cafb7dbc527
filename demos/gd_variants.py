"""Batch, mini-batch or stochastic gradient descent? Momentum or Adam? Race them.

Every variant trains the same network (nn.MLP(2, [16, 16, 1]), the same initial weights)
on the same two moons with the same loss (binary cross-entropy) and the same budget:
--epochs passes over the data, so every variant computes the same number of per-sample
gradients. They differ in how many samples each step averages (the batch size) and in
the update rule. After every epoch the loss on the whole data set is measured (outside
the timed part). Files written to --out:
  gd_variants.png   loss against epochs and against training time, one line per variant
  gd_variants.csv   variant, epoch, seconds, loss and accuracy after every epoch

  python -m demos.gd_variants                 100 points, 30 epochs: about ten seconds
  python -m demos.gd_variants --epochs 60 --samples 200
  python -m demos.gd_variants --compiled      run as generated code: the time axis shrinks
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import nn
from autograd import Value, no_grad
from demos.common import (
                          at_least,
                          output_folder,
                          parser,
                          predict,
                          progress,
                          pyplot,
                          report,
                          save,
)
from nn.compiled import CompiledLoss
from nn.losses import binary_cross_entropy_with_logits as bce
from nn.optim import SGD, Adam, Optimizer
from nn.train import accuracy, fit

OptimizerFactory = Callable[[Iterable[Value]], Optimizer]


@dataclass(frozen=True)
class Variant:
    """One way of descending: a batch size (None: all samples) and an update rule."""

    name: str
    batch_size: int | None
    rule: str
    lr: float
    make: OptimizerFactory


# learning rates picked by hand for this problem, one per variant: larger batches average
# away more noise and can take larger steps
VARIANTS = (
    Variant("batch GD", None, "SGD", 1.0, lambda p: SGD(p, lr=1.0)),
    Variant("mini-batch GD", 10, "SGD", 0.3, lambda p: SGD(p, lr=0.3)),
    Variant("stochastic GD", 1, "SGD", 0.05, lambda p: SGD(p, lr=0.05)),
    Variant("mini-batch + momentum", 10, "SGD, momentum 0.9", 0.03,
            lambda p: SGD(p, lr=0.03, momentum=0.9)),
    Variant("mini-batch + Adam", 10, "Adam", 0.01, lambda p: Adam(p, lr=0.01)),
)


@dataclass
class Run:
    """What one variant did: the figures after each epoch (index 0: before training)."""

    variant: Variant
    steps: int
    seconds: list[float]
    loss: list[float]
    accuracy: list[float]


def evaluate(model: nn.MLP, X: list[list[float]], labels: list[int]) -> tuple[float, float]:
    """Loss and accuracy on the whole data set, without building a graph."""
    with no_grad():
        logits = [predict(model, x) for x in X]
        return bce(logits, labels).data, accuracy(logits, labels)


def race(variant: Variant, X: list[list[float]], labels: list[int], epochs: int, seed: int,
         on_epoch: Callable[[], None], compiled: bool = False) -> Run:
    """Train one variant for ``epochs`` epochs, timing only the training."""
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(seed))
    optimizer = variant.make(model.parameters())
    loader = nn.DataLoader(X, labels, variant.batch_size, rng=random.Random(seed))
    # compiled once for all the epochs (the tracing is not timed either)
    traced: CompiledLoss | bool = CompiledLoss(model, bce, X, labels) if compiled else False
    loss, acc = evaluate(model, X, labels)
    run = Run(variant, epochs * len(loader), [0.0], [loss], [acc])
    for _ in range(epochs):
        start = time.perf_counter()
        fit(model, bce, optimizer, loader, compiled=traced)
        run.seconds.append(run.seconds[-1] + time.perf_counter() - start)
        loss, acc = evaluate(model, X, labels)
        run.loss.append(loss)
        run.accuracy.append(acc)
        on_epoch()
    return run


def plot(runs: list[Run], path: Path) -> Path:
    """Loss against epochs and against seconds of training, log scale."""
    plt = pyplot()
    figure, (by_epoch, by_time) = plt.subplots(1, 2, figsize=(10, 4.6), sharey=True)
    for run in runs:
        label = f"{run.variant.name} ({run.variant.batch_size or 'all'})"
        by_epoch.plot(range(len(run.loss)), run.loss, label=label)
        by_time.plot(run.seconds, run.loss, label=label)
    by_epoch.set(xlabel="epoch (same number of sample-gradients for all)",
                 ylabel="loss on all samples (BCE)", yscale="log",
                 title="progress per sample-gradient")
    by_time.set(xlabel="training time (s)", title="progress per second")
    handles, labels = by_epoch.get_legend_handles_labels()  # below the panels: hides nothing
    figure.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8,
                  title="variant (batch size)", title_fontsize=8, frameon=False)
    figure.tight_layout(rect=(0.0, 0.12, 1.0, 1.0))
    return save(figure, path)


def write_csv(runs: list[Run], path: Path) -> Path:
    """Every run's figures after every epoch, one row each."""
    with open(path, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["variant", "batch_size", "epoch", "seconds", "loss", "accuracy"])
        for run in runs:
            for epoch, (s, loss, acc) in enumerate(zip(run.seconds, run.loss, run.accuracy)):
                out.writerow([run.variant.name, run.variant.batch_size or "all", epoch,
                              f"{s:.4f}", repr(loss), acc])
    return path


def table(runs: list[Run], samples: int) -> str:
    """The race as a plain-text table."""
    rows = [("variant", "batch", "rule", "lr", "steps", "loss", "accuracy", "time (s)")]
    for run in runs:
        v = run.variant
        rows.append((v.name, str(v.batch_size or samples), v.rule, f"{v.lr:g}", str(run.steps),
                     f"{run.loss[-1]:.4f}", f"{run.accuracy[-1]:.0%}", f"{run.seconds[-1]:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.gd_variants", __doc__)
    p.add_argument("--samples", type=at_least(10), default=100,
                   help="number of points (default 100)")
    p.add_argument("--epochs", type=at_least(1), default=30,
                   help="passes over the data, for every variant (default 30)")
    p.add_argument("--compiled", action="store_true",
                   help="train with generated code (autograd.compile): same curves, faster")
    args = p.parse_args(argv)
    folder = output_folder(args.out)
    X, labels = nn.make_moons(args.samples, noise=0.1, rng=random.Random(args.seed))

    bar = progress(len(VARIANTS) * args.epochs, args.progress, "gd_variants")
    runs = []
    for variant in VARIANTS:
        bar.set_description(variant.name)
        runs.append(race(variant, X, labels, args.epochs, args.seed, bar.update,
                         args.compiled))
    bar.close()
    print(f"{args.samples} moons, MLP(2, [16, 16, 1]), {args.epochs} epochs = "
          f"{args.epochs * args.samples} sample-gradients for every variant")
    print(table(runs, args.samples))
    report([plot(runs, folder / "gd_variants.png"), write_csv(runs, folder / "gd_variants.csv")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
