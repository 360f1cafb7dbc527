"""An Elman network learns to continue a sine wave: a task that needs memory.

Each input is one value of a sine wave at a random phase; the target is the next value.
One value cannot tell whether the wave is rising or falling, so no function of the current
input alone predicts it: the network must carry that in its hidden state. The model is
nn.RNN(1, 8) (tanh, Elman's cell) with an nn.Linear(8, 1) readout at every step, trained
with Adam by backpropagation through time: backward() through the whole unrolled sequence.
Files written to --out:
  rnn.png   the loss by epoch, the gradient norm by epoch (both log scale), and the
            predictions on a wave it never saw against the true next values

  python -m demos.rnn                  8 waves of 25 steps, 150 epochs: a few seconds
  python -m demos.rnn --epochs 400 --hidden 16
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nn
from autograd import Value, no_grad
from demos.common import (
    at_least,
    output_folder,
    parser,
    progress,
    pyplot,
    real_above,
    report,
    save,
    stopwatch,
)
from nn.clip import clip_grad_norm_
from nn.losses import mse_loss
from nn.optim import Adam, Optimizer


class Predictor(nn.Module):
    """An RNN and a linear readout: one prediction per step of the sequence."""

    def __init__(self, hidden: int, rng: random.Random) -> None:
        self.rnn = nn.RNN(1, hidden, rng=rng)
        self.readout = nn.Linear(hidden, 1, rng=rng)

    def __call__(self, xs: Sequence[Sequence[float]]) -> list[Value]:
        outputs, _ = self.rnn(xs)
        return [self.readout(h)[0] for h in outputs]


def loss(model: Predictor, inputs: list[Any], targets: list[Any]) -> Value:
    """Mean squared error over every step of every sequence."""
    predictions = [p for xs in inputs for p in model(xs)]
    return mse_loss(predictions, [t for ts in targets for t in ts])


@dataclass
class Run:
    """Loss and gradient norm (before any clipping) by epoch; why the run stopped early."""

    losses: list[float] = field(default_factory=list)
    norms: list[float] = field(default_factory=list)
    diverged: str | None = None


def train(model: Predictor, inputs: list[Any], targets: list[Any], epochs: int,
          optimizer: Optimizer, clip: float | None = None, show: bool = False) -> Run:
    """Full-batch training by backpropagation through time, clipping the gradients' norm
    to ``clip`` if given. Stops, saying why, when the loss is no longer a number or has
    grown a millionfold above its lowest, or the forward pass overflows: the run has
    diverged."""
    run = Run()
    bar = progress(epochs, show, "training")
    for epoch in range(1, epochs + 1):
        optimizer.zero_grad()
        try:
            value = loss(model, inputs, targets)
        except OverflowError as e:  # the engine refuses to turn finite numbers into inf
            run.diverged = f"diverged: at epoch {epoch} the forward pass overflowed ({e})"
            break
        lowest = min(run.losses, default=value.data)
        if not value.data <= 1e6 * lowest:  # also NaN and infinity
            run.diverged = (f"diverged: at epoch {epoch} the loss is {value.data:.3g}, its "
                            f"lowest was {lowest:.3g}")
            break
        value.backward()  # backpropagation through time: through every step of every wave
        run.norms.append(clip_grad_norm_(model.parameters(), math.inf if clip is None else clip))
        optimizer.step()
        run.losses.append(value.data)
        bar.set_description(f"loss {value.data:.4g}")
        bar.update()
    bar.close()
    return run


def plot(losses: list[float], norms: list[float], predicted: list[float],
         wave: list[float], path: Path) -> Path:
    """Loss and gradient norm by epoch (log scale); predictions on a new wave."""
    plt = pyplot()
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(13, 3.8))
    left.plot(range(1, len(losses) + 1), losses, color="#c8553d")
    left.set(xlabel="epoch", ylabel="mean squared error", yscale="log", title="training loss")
    middle.plot(range(1, len(norms) + 1), norms, color="#2a6fbb")
    middle.set(xlabel="epoch", ylabel="||dLoss/dparameters||", yscale="log",
               title="gradient norm")
    steps = range(1, len(wave) + 1)
    right.plot(steps, wave, "o-", color="#888888", markersize=3, label="true next value")
    right.plot(steps, predicted, "o-", color="#c8553d", markersize=3, label="RNN's prediction")
    right.set(xlabel="step t", ylabel="x(t+1)", title="a wave it never saw")
    right.legend(fontsize=8)
    figure.tight_layout()
    return save(figure, path)


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.rnn", __doc__)
    p.add_argument("--epochs", type=at_least(1), default=150, help="epochs (default 150)")
    p.add_argument("--hidden", type=at_least(1), default=8, help="hidden units (default 8)")
    p.add_argument("--waves", type=at_least(1), default=8, help="training waves (default 8)")
    p.add_argument("--length", type=at_least(2), default=25, help="steps per wave (default 25)")
    p.add_argument("--lr", type=real_above(0.0), default=0.02, help="Adam's rate (default 0.02)")
    args = p.parse_args(argv)
    folder = output_folder(args.out)
    rng = random.Random(args.seed)
    inputs, targets = nn.make_sine_waves(args.waves, args.length, rng=rng)
    model = Predictor(args.hidden, rng)
    with stopwatch(f"trained for {args.epochs} epochs"):
        run = train(model, inputs, targets, args.epochs, Adam(model.parameters(), lr=args.lr),
                    show=args.progress)
    if run.diverged:
        raise SystemExit(f"training {run.diverged}; try a smaller --lr")
    losses, norms = run.losses, run.norms
    (test_in,), (test_out,) = nn.make_sine_waves(1, args.length, rng=random.Random(-args.seed))
    with no_grad():
        predicted = [v.data for v in model(test_in)]
        held_out = mse_loss(predicted, test_out).data
    # the best a memoryless guess can do: the current value itself
    still = mse_loss([x[0] for x in test_in], test_out).data
    print(f"loss {losses[0]:.4f} -> {losses[-1]:.5f}; on a new wave {held_out:.5f} (a guess "
          f"without memory, the current value itself: {still:.5f})")
    report([plot(losses, norms, predicted, test_out, folder / "rnn.png")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
