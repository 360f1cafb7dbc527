"""Exploding and vanishing gradients in a recurrent network, and clipping against them.

The network and the task are demos.rnn's (continue a sine wave), but the recurrent
weights start three times larger and the optimizer is plain SGD, whose step is the
gradient itself. Trained as is, a few large gradients throw the weights so far that the
loss explodes and the run stops, diverged. The same run with nn.clip.clip_grad_norm_
(its gradient scaled to norm 1 whenever it is longer) learns. The last panel shows why
long sequences are hard: ||dLoss/dh_t||, the gradient that reaches step t from a loss on
the last step. Each step back multiplies it by the recurrent Jacobian (W_hh times the
slopes of tanh): with small recurrent weights it shrinks by about the same factor at every
step, a straight line on the log scale, and nothing reaches the first steps (vanishing
gradients); with large weights it shrinks more slowly, except where tanh saturates.
Files written to --out:
  exploding.png   loss and gradient norm by epoch with and without clipping (log scale);
                  ||dLoss/dh_t|| against t for small and large recurrent weights

  python -m demos.exploding                  two runs of at most 300 epochs: seconds
  python -m demos.exploding --clip 0.5 --scale 4
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import nn
from autograd import grad
from demos.common import at_least, output_folder, parser, pyplot, real_above, report, save
from demos.rnn import Predictor, Run, train
from nn.optim import SGD


def model(hidden: int, scale: float, seed: int) -> Predictor:
    """demos.rnn's predictor, its recurrent weights multiplied by ``scale``."""
    predictor = Predictor(hidden, random.Random(seed))
    for row in predictor.rnn.weight_hh:
        for w in row:
            w.data *= scale
    return predictor


def backward_norms(predictor: Predictor, xs: list[list[float]], target: float) -> list[float]:
    """||dLoss/dh_t|| for every step t, for the squared error of the last prediction."""
    outputs, _ = predictor.rnn(xs)
    loss = (predictor.readout(outputs[-1])[0] - target) ** 2
    states = [v for h in outputs for v in h]
    grads = grad(loss, states, allow_unused=True)
    size = len(outputs[0])
    return [math.sqrt(math.fsum(g * g for g in grads[t * size : (t + 1) * size]))
            for t in range(len(outputs))]


def plot(runs: dict[str, Run], norms_by_t: dict[str, list[float]], path: Path) -> Path:
    """Loss and gradient norm by epoch for each run; ||dLoss/dh_t|| against t."""
    plt = pyplot()
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 4))
    colours = ("#c8553d", "#2a6fbb")
    for (name, run), colour in zip(runs.items(), colours):
        epochs = range(1, len(run.losses) + 1)
        left.plot(epochs, run.losses, color=colour, label=name)
        middle.plot(epochs, run.norms, color=colour, label=name)
        if run.diverged:
            left.plot(len(run.losses), run.losses[-1], "x", color=colour, markersize=10)
    left.set(xlabel="epoch", ylabel="mean squared error", yscale="log", title="training loss")
    middle.set(xlabel="epoch", ylabel="||dLoss/dparameters|| (before clipping)",
               yscale="log", title="gradient norm")
    for (name, norms), colour in zip(norms_by_t.items(), ("#888888", "#c8553d")):
        right.plot(range(1, len(norms) + 1), norms, "o-", markersize=3, color=colour,
                   label=name)
    right.set(xlabel="step t", ylabel="||dLoss/dh_t||", yscale="log",
              title="gradient reaching step t")
    for axes in (left, middle, right):
        axes.legend(fontsize=8)
    figure.tight_layout()
    return save(figure, path)


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.exploding", __doc__)
    p.add_argument("--epochs", type=at_least(1), default=300,
                   help="at most this many epochs per run (default 300)")
    p.add_argument("--scale", type=real_above(0.0), default=3.0,
                   help="factor on the recurrent weights' usual start (default 3)")
    p.add_argument("--lr", type=real_above(0.0), default=0.3, help="SGD's rate (default 0.3)")
    p.add_argument("--clip", type=real_above(0.0), default=1.0,
                   help="largest gradient norm of the clipped run (default 1)")
    p.add_argument("--length", type=at_least(2), default=40, help="steps per wave (default 40)")
    args = p.parse_args(argv)
    folder = output_folder(args.out)
    inputs, targets = nn.make_sine_waves(8, args.length, rng=random.Random(args.seed))
    runs: dict[str, Run] = {}
    for name, clip in (("no clipping", None), (f"clipped to norm {args.clip:g}", args.clip)):
        predictor = model(8, args.scale, args.seed)
        run = train(predictor, inputs, targets, args.epochs,
                    SGD(predictor.parameters(), lr=args.lr), clip, show=args.progress)
        runs[name] = run
        ending = run.diverged or f"loss {run.losses[0]:.4f} -> {run.losses[-1]:.5f}"
        print(f"{name}: largest gradient norm {max(run.norms):.3g}; {ending}")
    xs, last = inputs[0], targets[0][-1]
    norms_by_t = {f"recurrent weights x{s:g}": backward_norms(model(8, s, args.seed), xs, last)
                  for s in (0.5, args.scale)}
    for name, norms in norms_by_t.items():
        print(f"{name}: ||dLoss/dh_t|| at t = 1 is {norms[0]:.3g}, at t = {len(norms)} "
              f"{norms[-1]:.3g}")
    report([plot(runs, norms_by_t, folder / "exploding.png")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
