"""The learning rate: too small is slow, too large oscillates, larger still diverges.

One problem, one network, one starting point, four learning rates: a tanh MLP(1, [16, 1])
fits demos.regression's noisy curve by full-batch gradient descent (SGD) on the mean
squared error, for each rate in --lrs. Too small a rate creeps down; a good one gets
there; a larger one overshoots the valley from side to side, so its loss goes up and down;
larger still, each overshoot is bigger than the last and the loss explodes until fit stops
the run (a FloatingPointError naming the step).
Files written to --out:
  lr.png   the loss by step for every rate, on a log scale; a cross where a run diverged

  python -m demos.lr                          rates 0.01 0.1 0.3 1: a few seconds
  python -m demos.lr --lrs 0.05 0.2 0.4 --epochs 300
"""

from __future__ import annotations

import itertools
import random
import warnings
from pathlib import Path

import nn
from demos.common import at_least, output_folder, parser, pyplot, real_above, report, save
from nn.losses import mse_loss
from nn.optim import SGD
from nn.train import fit


def sweep(lrs: list[float], epochs: int, seed: int,
          show: bool = False) -> dict[float, tuple[list[float], str]]:
    """For each rate, the loss at every step and how the run ended."""
    X, y = nn.make_regression_curve(50, noise=0.1, rng=random.Random(seed))
    runs = {}
    for lr in lrs:
        model = nn.MLP(1, [16, 1], activation="tanh", init="xavier", rng=random.Random(seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the ending below says it
            try:
                history = fit(model, mse_loss, SGD(model.parameters(), lr=lr), (X, y),
                              epochs=epochs, progress=show)
                losses = history.loss
                ups = sum(b > a for a, b in itertools.pairwise(losses))
                runs[lr] = (losses, f"loss {losses[-1]:.4g} after {epochs} steps, {ups} of "
                                    "them upward" + (", diverging" if losses[-1] > 1e3 * losses[0]
                                                     else ""))
            except FloatingPointError as e:  # fit stopped the run
                losses = e.history.loss  # type: ignore[attr-defined]
                runs[lr] = (losses, f"diverged: stopped at step {len(losses) + 1}, the loss "
                                    f"had grown to {losses[-1]:.3g}")
    return runs


def plot(runs: dict[float, tuple[list[float], str]], path: Path) -> Path:
    """Every run's loss by step on one log-scale picture."""
    plt = pyplot()
    figure, ax = plt.subplots(figsize=(8, 4.5))
    colours = ("#888888", "#2a6fbb", "#e0a030", "#c8553d", "#7a3d9a", "#3d9a5a")
    cap = 1e4 * max(losses[0] for losses, _ in runs.values() if losses)  # the picture's top
    for (lr, (losses, ending)), colour in zip(runs.items(), colours * 3):
        shown = [min(loss, cap) for loss in losses]
        ax.plot(range(1, len(shown) + 1), shown, color=colour, label=f"lr = {lr:g}")
        if "diverg" in ending and shown:
            ax.plot(len(shown), shown[-1], "x", color=colour, markersize=10)
    ax.set(xlabel="step", ylabel="mean squared error", yscale="log",
           title="one problem, several learning rates (x: the run diverged; the loss is "
                 "cut at the top)")
    ax.legend(fontsize=8)
    figure.tight_layout()
    return save(figure, path)


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.lr", __doc__)
    p.add_argument("--lrs", type=real_above(0.0), nargs="+", default=[0.01, 0.1, 0.3, 1.0],
                   help="learning rates to try (default 0.01 0.1 0.3 1)")
    p.add_argument("--epochs", type=at_least(1), default=150, help="steps per run (default 150)")
    args = p.parse_args(argv)
    folder = output_folder(args.out)
    runs = sweep(args.lrs, args.epochs, args.seed, args.progress)
    for lr, (_, ending) in runs.items():
        print(f"lr {lr:g}: {ending}")
    report([plot(runs, folder / "lr.png")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
