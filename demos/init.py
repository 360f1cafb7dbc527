"""Why weights start random: all-zero weights never break the symmetry between neurons.

Two copies of one network, nn.MLP(2, [8, 8, 1], activation="tanh"), learn the two moons:
one starts from random weights (init="xavier"), the other from init="zeros". With zero
weights every hidden neuron of a layer computes the same value and receives the same
gradient, so after any number of steps the neurons are still copies of each other: the
layer is worth one neuron. Here the copies are all exactly zero (tanh(0) = 0 makes every
gradient of a weight zero), and only the output's bias learns: the network stays a
constant. Random weights make the neurons different from the first step on.
Files written to --out:
  init.png   loss by epoch of both runs; the first layer's weights after training, one row
             per neuron (zero start: every row the same)

  python -m demos.init                  100 moons, 100 epochs each: a few seconds
"""

from __future__ import annotations

import random
from pathlib import Path

import nn
from demos.common import at_least, output_folder, parser, pyplot, report, save, stopwatch
from nn.losses import hinge_loss
from nn.optim import SGD
from nn.train import History, accuracy, fit

INITS = ("xavier", "zeros")


def train(init: str, X: list[list[float]], y: list[int], epochs: int, seed: int,
          show: bool) -> tuple[nn.MLP, History]:
    """The moons MLP with the named initialisation, trained with SGD and the hinge loss."""
    model = nn.MLP(2, [8, 8, 1], activation="tanh", init=init, rng=random.Random(seed))
    history = fit(model, hinge_loss, SGD(model.parameters(), lr=0.1), (X, y), epochs=epochs,
                  metric=accuracy, progress=show)
    return model, history


def first_layer(model: nn.MLP) -> list[list[float]]:
    """The first layer's weights, one row per neuron: its two input weights and its bias."""
    layer = model.layers[0]
    assert isinstance(layer, nn.Layer)
    return [[w.data for w in n.w] + [n.b.data] for n in layer.neurons]


def plot(runs: dict[str, tuple[nn.MLP, History]], path: Path) -> Path:
    """Loss by epoch for each start; each start's first-layer weights as a picture."""
    plt = pyplot()
    figure, axes = plt.subplots(1, 3, figsize=(13, 4), gridspec_kw={"width_ratios": [3, 2, 2]})
    for (name, (_, history)), colour in zip(runs.items(), ("#2a6fbb", "#c8553d")):
        axes[0].plot(range(1, len(history.epoch_loss) + 1), history.epoch_loss, color=colour,
                     label=f'init="{name}": accuracy {history.epoch_metric[-1]:.0%}')
    axes[0].set(xlabel="epoch", ylabel="hinge loss", title="training loss")
    axes[0].legend(fontsize=8)
    weights = {name: first_layer(model) for name, (model, _) in runs.items()}
    top = max(abs(v) for rows in weights.values() for row in rows for v in row) or 1.0
    for ax, (name, rows) in zip(axes[1:], weights.items()):
        image = ax.imshow(rows, cmap="RdBu", vmin=-top, vmax=top, aspect="auto")
        ax.set(xticks=[0, 1, 2], xticklabels=["w1", "w2", "b"], ylabel="neuron",
               title=f'first layer after training, init="{name}"')
    figure.colorbar(image, ax=axes[2])
    figure.tight_layout()
    return save(figure, path)


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.init", __doc__)
    p.add_argument("--epochs", type=at_least(1), default=100, help="epochs (default 100)")
    args = p.parse_args(argv)
    folder = output_folder(args.out)
    X, labels = nn.make_moons(100, noise=0.1, rng=random.Random(args.seed))
    y = [2 * t - 1 for t in labels]
    runs = {}
    for init in INITS:
        with stopwatch(f'init="{init}": trained for {args.epochs} epochs'):
            runs[init] = train(init, X, y, args.epochs, args.seed, args.progress)
        model, history = runs[init]
        distinct = len({tuple(row) for row in first_layer(model)})
        print(f'init="{init}": loss {history.epoch_loss[-1]:.4f}, accuracy '
              f"{history.epoch_metric[-1]:.0%}; the first layer's 8 neurons are "
              f"{distinct} distinct one{'s' if distinct > 1 else ''}")
    report([plot(runs, folder / "init.png")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
