"""Fit a noisy curve with a small tanh network and the mean squared error.

The data are y = sin(x) + x/4 + noise for x in [-3, 3] (nn.make_regression_curve); the
network is nn.MLP(1, [16, 16, 1], activation="tanh"), trained with Adam on mini-batches.
A good fit comes close to the true curve, not to every noisy point: its squared error
against the data approaches the noise variance. Files written to --out:
  regression_fit.png   the data, the true curve and the network's fit; the loss by epoch

  python -m demos.regression                  100 points, 150 epochs: a few seconds
  python -m demos.regression --noise 0.3 --epochs 300
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import nn
from autograd import no_grad
from demos.common import (
    at_least,
    diverged_exits,
    output_folder,
    parser,
    predict,
    pyplot,
    real_above,
    report,
    save,
    stopwatch,
)
from nn.losses import mse_loss
from nn.optim import Adam
from nn.train import History, fit


def truth(x: float) -> float:
    """The curve behind the data (nn.make_regression_curve without its noise)."""
    return math.sin(x) + x / 4


def plot(model: nn.MLP, X: list[list[float]], y: list[float], history: History,
         noise: float, path: Path) -> Path:
    """Left: the points, the true curve and the fit. Right: the loss by epoch, and the
    noise variance, the lowest error a fit of the true curve has on average."""
    plt = pyplot()
    grid = [-3.2 + 6.4 * i / 199 for i in range(200)]
    with no_grad():
        fitted = [predict(model, [x]).data for x in grid]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4),
                                         gridspec_kw={"width_ratios": [3, 2]})
    left.scatter([x[0] for x in X], y, s=12, color="#888888", label="noisy samples")
    left.plot(grid, [truth(x) for x in grid], "--", color="#2a6fbb", label="sin(x) + x/4")
    left.plot(grid, fitted, color="#c8553d", linewidth=2, label="MLP fit")
    left.set(xlabel="x", ylabel="y", title="tanh MLP fitted with MSE")
    left.legend(fontsize=8)
    right.plot(range(1, len(history.epoch_loss) + 1), history.epoch_loss, color="#c8553d")
    if noise > 0.0:
        right.axhline(noise**2, linestyle="--", color="#888888",
                      label=f"noise variance {noise**2:g}")
        right.legend(fontsize=8)
    right.set(xlabel="epoch", ylabel="mean squared error", yscale="log", title="training loss")
    figure.tight_layout()
    return save(figure, path)


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.regression", __doc__)
    p.add_argument("--samples", type=at_least(2), default=100,
                   help="number of points (default 100)")
    p.add_argument("--noise", type=real_above(0.0, inclusive=True), default=0.1,
                   help="standard deviation of the noise on y (default 0.1)")
    p.add_argument("--epochs", type=at_least(1), default=150,
                   help="passes over the data (default 150)")
    p.add_argument("--batch-size", type=at_least(1), default=10,
                   help="samples per step (default 10)")
    p.add_argument("--lr", type=real_above(0.0), default=0.01,
                   help="Adam's learning rate (default 0.01)")
    args = p.parse_args(argv)
    folder = output_folder(args.out)

    X, y = nn.make_regression_curve(args.samples, noise=args.noise,
                                    rng=random.Random(args.seed))
    model = nn.MLP(1, [16, 16, 1], activation="tanh", init="xavier",
                   rng=random.Random(args.seed))
    optimizer = Adam(model.parameters(), lr=args.lr)
    with diverged_exits(), stopwatch(f"trained for {args.epochs} epochs"):
        history = fit(model, mse_loss, optimizer, (X, y), epochs=args.epochs,
                      batch_size=args.batch_size, progress=args.progress,
                      rng=random.Random(args.seed))
    with no_grad():
        fitted = [predict(model, x).data for x in X]
        mse = mse_loss(fitted, y).data
        off = mse_loss(fitted, [truth(x[0]) for x in X]).data
    print(f"mean squared error against the data {mse:.5f} (noise variance "
          f"{args.noise ** 2:.5f}); against the true curve {off:.5f}")
    report([plot(model, X, y, history, args.noise, folder / "regression_fit.png")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
