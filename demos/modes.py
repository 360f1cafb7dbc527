"""Forward or reverse mode: which one a Jacobian should be computed with, measured.

Forward mode carries a tangent through the graph, one sweep per input; reverse mode
(backpropagation) carries a gradient back, one pass per output. For a loss of n parameters,
f: R^n -> R, the whole gradient takes n forward sweeps or one backward pass; for a curve
g: R -> R^m it takes one forward sweep or m backward passes. Each sweep evaluates every
node's derivative rule once, so the cost is sweeps x nodes, and the time follows.
Then the Hessian of a small MLP's loss (forward over reverse), drawn as a heat map.
Files written to --out:
  modes.png   time of jacfwd and jacrev as n (for f) and m (for g) grow, log-log; the
              Hessian of MLP(2, [3, 1])'s loss on 8 moons with respect to its 13 weights

  python -m demos.modes                 sizes 1 to 128: a few seconds
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import autograd
import nn
from autograd import Value, hessian, jacfwd, jacrev
from autograd.engine import toposort
from demos.common import at_least, output_folder, parser, progress, pyplot, report, save
from nn.losses import mse_loss

Timing = dict[str, list[float]]


def loss(*ws: Value) -> Value:
    """f: R^n -> R, every output depending on every parameter: (sum_i tanh(c_i w_i))^2."""
    s = autograd.sum([(w * (0.5 + 0.01 * i)).tanh() for i, w in enumerate(ws)])
    return s * s


def curve(x: Value, m: int) -> list[Value]:
    """g: R -> R^m, m outputs of one input: sin(k x) for k = 1..m."""
    return [(x * float(k)).sin() for k in range(1, m + 1)]


def nodes(outputs: list[Any]) -> int:
    """The values of a graph that have a derivative rule (all but its leaves)."""
    return sum(1 for v in toposort(outputs) if v.parents)


def best_time(f: Callable[[], Any], repeats: int = 3) -> float:
    """The fastest of a few runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(sizes: list[int], show: bool) -> tuple[Timing, Timing]:
    """Seconds and rule evaluations (sweeps x nodes) of jacfwd and jacrev, for f by n and
    for g by m."""
    f_cost: Timing = {"forward": [], "reverse": [], "forward evals": [], "reverse evals": []}
    g_cost: Timing = {"forward": [], "reverse": [], "forward evals": [], "reverse evals": []}
    bar = progress(len(sizes), show, "sizes")
    for n in sizes:
        point = [0.1 * math.sin(i) for i in range(n)]
        size = nodes([loss(*map(Value, point))])
        f_cost["forward"].append(best_time(lambda: jacfwd(loss)(*point)))  # noqa: B023
        f_cost["reverse"].append(best_time(lambda: jacrev(loss)(*point)))  # noqa: B023
        f_cost["forward evals"].append(n * size)  # a sweep per parameter
        f_cost["reverse evals"].append(size)  # one pass: the one output
        g = lambda x, m=n: curve(x, m)  # noqa: E731
        size = nodes(curve(Value(0.3), n))
        g_cost["forward"].append(best_time(lambda: jacfwd(g)(0.3)))  # noqa: B023
        g_cost["reverse"].append(best_time(lambda: jacrev(g)(0.3)))  # noqa: B023
        g_cost["forward evals"].append(size)  # one sweep: the one input
        g_cost["reverse evals"].append(n * size)  # a pass per output
        bar.update()
    bar.close()
    return f_cost, g_cost


def network_loss(X: list[list[float]], y: list[int]) -> Callable[..., Value]:
    """The mean squared error of an MLP 2-3-1 (tanh, then linear) on (X, y), as a function of
    its 13 weights in nn.MLP(2, [3, 1]).parameters()' order: each hidden neuron's two
    weights and bias, then the output's three weights and bias."""
    def loss_of(*ws: Value) -> Value:
        hidden = [ws[3 * j:3 * j + 3] for j in range(3)]
        out_w, out_b = ws[9:12], ws[12]
        predictions = []
        for x in X:
            h = [autograd.neuron(list(n[:2]), x, n[2], "tanh") for n in hidden]
            predictions.append(autograd.dot(list(out_w), h, out_b))
        return mse_loss(predictions, y)
    return loss_of


def mlp_hessian(seed: int) -> list[list[float]]:
    """d2(loss)/dw_i dw_j of MLP(2, [3, 1]) on 8 moons, at its initial weights."""
    model = nn.MLP(2, [3, 1], activation="tanh", rng=random.Random(seed))
    X, labels = nn.make_moons(8, noise=0.1, rng=random.Random(seed))
    return hessian(network_loss(X, labels))(*[p.data for p in model.parameters()])


def plot(sizes: list[int], f_cost: Timing, g_cost: Timing, h: list[list[float]],
         path: Path) -> Path:
    """Time against n and m, log-log, for both modes; the Hessian as a heat map."""
    plt = pyplot()
    figure, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, cost, what in ((axes[0], f_cost, "f: R^n -> R (a loss), by n parameters"),
                           (axes[1], g_cost, "g: R -> R^m (a curve), by m outputs")):
        for mode, colour in (("forward", "#c8553d"), ("reverse", "#2a6fbb")):
            ax.loglog(sizes, [1e3 * t for t in cost[mode]], "o-", color=colour,
                      label=f"{mode} mode ({'jacfwd' if mode == 'forward' else 'jacrev'})")
        ax.set(xlabel=what.split(", by ")[1], ylabel="ms for the whole Jacobian", title=what)
        ax.legend(fontsize=8)
    top = max(abs(v) for row in h for v in row) or 1.0
    image = axes[2].imshow(h, cmap="RdBu", vmin=-top, vmax=top)
    axes[2].set(title="Hessian of an MLP 2-3-1's loss (13 weights)", xlabel="weight j",
                ylabel="weight i")
    figure.colorbar(image, ax=axes[2])
    figure.tight_layout()
    return save(figure, path)


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.modes", __doc__)
    p.add_argument("--largest", type=at_least(1), default=128,
                   help="the largest n and m, sizes doubling from 1 (default 128)")
    args = p.parse_args(argv)
    folder = output_folder(args.out)
    sizes = [2 ** k for k in range(int(math.log2(args.largest)) + 1)]
    f_cost, g_cost = measure(sizes, args.progress)
    print("size   f: forward  reverse (ms; rule evaluations)     g: forward  reverse")
    for k, n in enumerate(sizes):
        print(f"{n:>4}   {1e3 * f_cost['forward'][k]:9.2f} {1e3 * f_cost['reverse'][k]:8.2f} "
              f"({f_cost['forward evals'][k]:>7.0f}; {f_cost['reverse evals'][k]:>5.0f})   "
              f"{1e3 * g_cost['forward'][k]:9.2f} {1e3 * g_cost['reverse'][k]:8.2f} "
              f"({g_cost['forward evals'][k]:>5.0f}; {g_cost['reverse evals'][k]:>7.0f})")
    f_ratio = f_cost["forward"][-1] / f_cost["reverse"][-1]
    g_ratio = g_cost["reverse"][-1] / g_cost["forward"][-1]
    print(f"at {sizes[-1]}: reverse mode is {f_ratio:.0f}x faster for the loss, forward mode "
          f"{g_ratio:.0f}x faster for the curve")
    h = mlp_hessian(args.seed)
    symmetric = max(abs(h[i][j] - h[j][i]) for i in range(13) for j in range(13))
    print(f"the MLP's Hessian: 13 x 13, largest |H_ij - H_ji| {symmetric:.1e}")
    report([plot(sizes, f_cost, g_cost, h, folder / "modes.png")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
