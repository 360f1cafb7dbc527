"""Train a small neural network to separate two interleaving half moons.

The network is nn.MLP(2, [16, 16, 1]): two hidden layers of 16 ReLU neurons and one
linear output whose sign is the predicted class. It is trained as in micrograd's demo:
max-margin (hinge) loss plus a little L2, full-batch gradient descent with a learning
rate falling linearly from 1.0 to 0.1. Files written to --out:
  moons_boundary.png   the points and the decision boundary the network learned
  moons_loss.png       loss and accuracy after every step
  moons_neuron.svg     the graph of one trained neuron on one point, with gradients
  moons_model.json     the trained weights (nn.MLP.load reads them back)

  python -m demos.moons                     100 points, 100 steps: a few seconds
  python -m demos.moons --compiled          the same, run as generated code: faster
  python -m demos.moons --samples 200 --noise 0.2 --epochs 200 --out /tmp/moons
"""

from __future__ import annotations

import random
from pathlib import Path

import nn
from autograd import Value, no_grad
from autograd.views.draw import render
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
from demos.graph import neuron_graph
from nn.losses import hinge_loss, l2_penalty
from nn.lr_scheduler import LambdaLR
from nn.optim import SGD
from nn.train import History, accuracy, fit


def train(X: list[list[float]], labels: list[int], hidden: list[int], epochs: int,
          lr: float, seed: int, progress: bool,
          compiled: bool = False) -> tuple[nn.MLP, History]:
    """micrograd's recipe: hinge loss + L2 on labels -1/+1, SGD, lr decaying to lr/10."""
    model = nn.MLP(2, [*hidden, 1], rng=random.Random(seed))
    optimizer = SGD(model.parameters(), lr=lr)
    # lr_k = lr (1 - 0.9 k / epochs): large steps first, then settle
    schedule = LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / epochs)

    def loss_fn(scores: list[Value], targets: list[int]) -> Value:
        return hinge_loss(scores, targets) + l2_penalty(model.parameters(), 1e-4)

    y = [2 * label - 1 for label in labels]  # classes 0/1 as the hinge loss's -1/+1
    history = fit(model, loss_fn, optimizer, (X, y), epochs=epochs, scheduler=schedule,
                  metric=accuracy, progress=progress, compiled=compiled)
    return model, history


def plot_boundary(model: nn.MLP, X: list[list[float]], labels: list[int], path: Path,
                  resolution: int = 60) -> Path:
    """The two classes, the sign of the network's score over the plane, the accuracy."""
    plt = pyplot()
    xs, ys = [p[0] for p in X], [p[1] for p in X]
    x0, x1 = min(xs) - 0.5, max(xs) + 0.5
    y0, y1 = min(ys) - 0.5, max(ys) + 0.5
    gx = [x0 + (x1 - x0) * i / (resolution - 1) for i in range(resolution)]
    gy = [y0 + (y1 - y0) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():  # evaluation only: no graph is kept
        scores = [[predict(model, [a, b]).data for a in gx] for b in gy]
    figure, ax = plt.subplots(figsize=(5.5, 4.5))
    ax.contourf(gx, gy, scores, levels=[-1e300, 0.0, 1e300], colors=["#cfe0f5", "#f8d5c8"])
    ax.contour(gx, gy, scores, levels=[0.0], colors="k", linewidths=1)
    for cls, colour in ((0, "#2a6fbb"), (1, "#c8553d")):
        ax.scatter([p[0] for p, c in zip(X, labels) if c == cls],
                   [p[1] for p, c in zip(X, labels) if c == cls],
                   s=18, c=colour, edgecolors="white", linewidths=0.5, label=f"class {cls}")
    with no_grad():
        right = accuracy([predict(model, p) for p in X], [2 * c - 1 for c in labels])
    ax.set(xlabel="x1", ylabel="x2",
           title=f"MLP(2, {model.sizes[1:]}): {right:.0%} of the points on their side")
    ax.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    return save(figure, path)


def plot_history(history: History, path: Path) -> Path:
    """Loss (log scale) and accuracy after every training step."""
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    steps = range(1, len(history.loss) + 1)
    left.plot(steps, history.loss, color="#2a6fbb")
    left.set_yscale("log")
    left.set(xlabel="step", ylabel="loss (hinge + L2)", title="loss")
    right.plot(steps, [100 * a for a in history.metric], color="#c8553d")
    right.set(xlabel="step", ylabel="accuracy (%)", title="training accuracy", ylim=(0, 101))
    figure.tight_layout()
    return save(figure, path)


def draw_neuron(model: nn.MLP, X: list[list[float]], path: Path) -> list[str]:
    """A first-layer neuron of the trained model on a point where it is active, unfused,
    after backward (a ReLU at rest passes no gradient: every grad drawn would be 0)."""
    layer = model.layers[0]
    assert isinstance(layer, nn.Layer)
    with no_grad():
        chosen = next(((n, x) for n in layer.neurons for x in X if n(x).data > 0.0),
                      (layer.neurons[0], X[0]))
    neuron, x = chosen
    out, _, params = neuron_graph(x, [w.data for w in neuron.w], neuron.b.data,
                                  neuron.activation)
    out.backward()
    return render(out, path, ("svg",), params=params)


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.moons", __doc__)
    p.add_argument("--samples", type=at_least(4), default=100,
                   help="number of points (default 100)")
    p.add_argument("--noise", type=real_above(0.0, inclusive=True), default=0.1,
                   help="standard deviation of the noise added to the points (default 0.1)")
    p.add_argument("--epochs", type=at_least(1), default=100,
                   help="full-batch training steps (default 100)")
    p.add_argument("--hidden", type=at_least(1), nargs="+", default=[16, 16],
                   metavar="N", help="sizes of the hidden layers (default 16 16)")
    p.add_argument("--lr", type=real_above(0.0), default=1.0,
                   help="initial learning rate (default 1.0)")
    p.add_argument("--compiled", action="store_true",
                   help="trace the loss once and train with generated code (autograd.compile)")
    args = p.parse_args(argv)
    folder = output_folder(args.out)

    X, labels = nn.make_moons(args.samples, noise=args.noise, rng=random.Random(args.seed))
    with diverged_exits(), stopwatch(f"trained for {args.epochs} steps"):
        model, history = train(X, labels, args.hidden, args.epochs, args.lr, args.seed,
                               args.progress, args.compiled)
    print(repr(model).splitlines()[0])
    print(f"final loss {history.loss[-1]:.6f}, training accuracy {history.metric[-1]:.1%}")

    written = [plot_boundary(model, X, labels, folder / "moons_boundary.png"),
               plot_history(history, folder / "moons_loss.png"),
               *map(Path, draw_neuron(model, X, folder / "moons_neuron.svg"))]
    model.save(folder / "moons_model.json")
    report([*written, folder / "moons_model.json"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
