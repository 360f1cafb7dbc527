"""Compiled training as a user runs it (fit) against the same loop written by hand.

Run: python -m benchmarks.fit   (needs the fast extra; PyTorch is compared when installed)

The moons MLP 2-W-W-1 (hinge loss + 1e-4 L2 penalty, SGD with lr 0.5), from the same
weights, on one BLAS thread. Each contender trains for a few epochs in turn, round after
round; times are medians per epoch:
  fit:        nn.train.fit(compiled="numpy") with a CompiledLoss made before the clock
              starts (its set-up is timed on its own): the whole loop, data loading included;
              its backward pass leaves out the samples without a gradient (past the hinge's
              margin: after the first few epochs, nearly all of them);
  every row:  the same fit with those samples kept, as the two loops below keep them;
  hand NumPy: the loop written by hand with arrays (forward, backward, update; mini-batches
              drawn with a NumPy permutation);
  PyTorch:    the same loop in float64 on one thread.
Also: set-up + 100 epochs at N = 2,000 against the hand loop's 100 epochs, and a call of
``compile(...)`` with Value parameters (params read from the model's Values) against the
hand-written step.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one BLAS thread, for every contender (set before NumPy loads)

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import nn  # noqa: E402
from autograd import kernels  # noqa: E402
from benchmarks.compiled import (  # noqa: E402
    ALPHA,
    LR,
    data,
    hand_numpy,
    hand_step,
    initial,
    traced,
)
from nn.compiled import CompiledLoss  # noqa: E402
from nn.losses import hinge_loss, l2_penalty  # noqa: E402
from nn.optim import SGD  # noqa: E402
from nn.train import fit  # noqa: E402

FULL, SETUP, MINI, VALUES = 2.0, 3.0, 3.0, 3.0  # the targets, as ratios to the hand loop
SETUP_SECONDS = 0.3  # tracing, compiling and checking at W = 64


def fit_epochs(width: int, seed: int, x: Any, t: Any, batch_size: int | None,
               every_row: bool = False) -> tuple[Callable[[int], float], float]:
    """fit(compiled="numpy") for k epochs (returns the last loss), and the set-up's seconds;
    with ``every_row``, the backward pass keeps the samples without a gradient (the hinge
    loss's past the margin) instead of dropping them."""
    model = nn.MLP(2, [width, width, 1], rng=random.Random(seed))
    optimizer = SGD(model.parameters(), lr=LR)
    inputs, targets = x.tolist(), t.tolist()

    def loss_fn(scores: list[Any], labels: list[Any]) -> Any:
        return hinge_loss(scores, labels) + l2_penalty(model.parameters(), ALPHA)

    start = time.perf_counter()
    loss = CompiledLoss(model, loss_fn, inputs, targets, "numpy")
    setup = time.perf_counter() - start
    rng = random.Random(seed)

    def epochs(k: int) -> float:
        share = kernels.LIVE_SHARE
        if every_row:  # no batch has a negative share of samples with a gradient
            kernels.LIVE_SHARE = -1.0
        try:
            history = fit(model, loss_fn, optimizer, (inputs, targets), epochs=k,
                          batch_size=batch_size, compiled=loss, rng=rng)
        finally:
            kernels.LIVE_SHARE = share
        return history.loss[-1]
    return epochs, setup


def hand_epochs(rows: list[list[list[float]]], x: Any, t: Any,
                batch_size: int | None, seed: int) -> Callable[[int], float]:
    """The hand-written loop for k epochs: full batch, or mini-batches of a permutation."""
    import numpy as np

    if batch_size is None:
        step = hand_numpy(rows, x, t)

        def full(k: int) -> float:
            for _ in range(k):
                loss = step()
            return loss
        return full
    rng = np.random.default_rng(seed)
    layers = [[table[:, :-1].copy(), table[:, -1].copy()] for table in map(np.array, rows)]

    def mini(k: int) -> float:
        for _ in range(k):
            order = rng.permutation(len(t))
            for start in range(0, len(t), batch_size):
                batch = order[start:start + batch_size]
                loss = hand_step(np, layers, x[batch], t[batch])
        return loss
    return mini


def torch_epochs(rows: list[list[list[float]]], x: Any, t: Any,
                 batch_size: int | None, seed: int) -> Callable[[int], float] | None:
    """The loop in PyTorch (float64, one thread), or None without PyTorch."""
    try:
        import torch  # type: ignore[import-not-found, unused-ignore]  # a contender only
    except ImportError:
        return None
    torch.set_num_threads(1)
    params = []
    for table in (torch.tensor(r, dtype=torch.float64) for r in rows):
        params += [table[:, :-1].clone().requires_grad_(), table[:, -1].clone().requires_grad_()]
    optimizer = torch.optim.SGD(params, lr=LR)
    xt, tt = torch.tensor(x), torch.tensor(t)
    generator = torch.Generator().manual_seed(seed)
    size = batch_size or len(t)

    def epochs(k: int) -> float:
        for _ in range(k):
            order = (torch.randperm(len(t), generator=generator) if batch_size
                     else torch.arange(len(t)))
            for start in range(0, len(t), size):
                batch = order[start:start + size]
                w1, b1, w2, b2, w3, b3 = params
                h = torch.relu(xt[batch] @ w1.T + b1)
                h = torch.relu(h @ w2.T + b2)
                s = (h @ w3.T + b3)[:, 0]
                loss = (torch.relu(1.0 - tt[batch] * s).mean()
                        + ALPHA * sum((p * p).sum() for p in params))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        return float(loss.detach())
    return epochs


def compare(contenders: dict[str, Callable[[int], float]], rounds: int,
            epochs: int) -> dict[str, float]:
    """Median ms per epoch of each contender once set up, taking turns: each round runs
    ``epochs`` and then 3 x ``epochs`` epochs, and an epoch is the difference over the
    extra ones (a call's own costs, such as fit's checks of the data, cancel out)."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for run in contenders.values():
        run(1)  # warm: the first call of each pays its one-off costs
    for _ in range(rounds):
        for name, run in contenders.items():
            spent = []
            for k in (epochs, 3 * epochs):
                start = time.perf_counter()
                run(k)
                spent.append(time.perf_counter() - start)
            times[name].append((spent[1] - spent[0]) / (2 * epochs))
    return {name: 1e3 * statistics.median(ts) for name, ts in times.items()}


def table(widths: list[int], sizes: list[int], batch_size: int | None, rounds: int,
          epochs: int, seed: int, target: float) -> bool:
    """One table of ms per epoch; True if fit is within ``target`` of the hand loop and
    faster than PyTorch everywhere."""
    feed = "full batch" if batch_size is None else f"mini-batches of {batch_size}"
    print(f"moons MLP 2-W-W-1, {feed}, SGD; {rounds} rounds of {epochs} epochs per contender, "
          "taking turns; median ms per epoch")
    print(f"  {'W':>4} {'N':>6} {'fit':>9} {'every row':>10} {'hand NumPy':>11} {'PyTorch':>9}  "
          f"{'fit/hand':>9} {'fit/PyTorch':>12} {'set-up s':>9}")
    met = True
    for width in widths:
        for n in sizes:
            x, t = data(n, seed)
            rows = initial(width, seed)
            ours, setup = fit_epochs(width, seed, x, t, batch_size)
            dense, _ = fit_epochs(width, seed, x, t, batch_size, every_row=True)
            contenders = {"fit": ours, "dense": dense,
                          "hand": hand_epochs(rows, x, t, batch_size, seed)}
            theirs = torch_epochs(rows, x, t, batch_size, seed)
            if theirs is not None:
                contenders["torch"] = theirs
            ms = compare(contenders, rounds, epochs)
            ratio = ms["fit"] / ms["hand"]
            vs_torch = ms["fit"] / ms["torch"] if "torch" in ms else None
            met &= ratio <= target and (vs_torch is None or vs_torch < 1.0)
            if width == 64 and batch_size is None:
                met &= setup <= SETUP_SECONDS
            torch_ms = f"{ms['torch']:9.3f}" if "torch" in ms else f"{'-':>9}"
            torch_ratio = f"{vs_torch:11.2f}x" if vs_torch is not None else f"{'-':>12}"
            print(f"  {width:>4} {n:>6} {ms['fit']:9.3f} {ms['dense']:10.3f} {ms['hand']:11.3f} "
                  f"{torch_ms}  {ratio:8.2f}x {torch_ratio} {setup:9.3f}")
    print(f"  targets: fit at most {target:.0f}x the hand loop and faster than PyTorch; "
          f"set-up at most {SETUP_SECONDS} s at W = 64")
    print("  every row: fit with the samples past the hinge's margin kept in the backward pass, "
          "as the hand loop and PyTorch keep them")
    return met


def with_setup(width: int, n: int, epochs: int, seed: int) -> bool:
    """Set-up + ``epochs`` epochs of fit against the hand loop's epochs; True if within SETUP."""
    x, t = data(n, seed)
    start = time.perf_counter()
    ours, _ = fit_epochs(width, seed, x, t, None)
    ours(epochs)
    fit_s = time.perf_counter() - start
    hand = hand_epochs(initial(width, seed), x, t, None, seed)
    start = time.perf_counter()
    hand(epochs)
    hand_s = time.perf_counter() - start
    print(f"set-up included: W = {width}, N = {n:,}, {epochs} epochs: fit {fit_s:.3f} s, "
          f"hand NumPy {hand_s:.3f} s, {fit_s / hand_s:.2f}x (target <= {SETUP:.0f}x)")
    return fit_s / hand_s <= SETUP


def value_params(widths: list[int], n: int, rounds: int, steps: int, seed: int) -> bool:
    """compile() called with the model's Values as parameters against the hand step."""
    import numpy as np

    print(f"compile(loss, inputs, params=model.parameters()) called on N = {n} samples: "
          "parameters read from the Values, gradients returned (the update is the "
          "caller's), against the hand-written step; median ms per step")
    met = True
    for width in widths:
        x, t = data(n, seed)
        fn, _ = traced(width, seed)
        columns = [x[:, 0], x[:, 1], t]

        def ours(k: int, fn: Any = fn, columns: list[Any] = columns) -> float:
            for _ in range(k):
                result = fn(columns)  # the Values' own parameters; gradients as a list
            return float(np.mean(result.outputs[0]))
        step = hand_numpy(initial(width, seed), x, t)

        def hand(k: int, step: Callable[[], float] = step) -> float:
            for _ in range(k):
                loss = step()
            return loss
        ms = compare({"ours": ours, "hand": hand}, rounds, steps)
        ratio = ms["ours"] / ms["hand"]
        met &= ratio <= VALUES
        print(f"  W = {width:>3}: compiled with Values {ms['ours']:8.3f} ms, hand NumPy "
              f"{ms['hand']:8.3f} ms, {ratio:.2f}x (target <= {VALUES:.0f}x)")
    return met


def products(n: int, width: int, rounds: int) -> None:
    """One matrix product of a hidden layer's shape in NumPy and in PyTorch, taking turns:
    three of them per epoch (forward, and back to the layer's input and its weights) are
    work that neither loop can write differently, only its BLAS can do faster."""
    import numpy as np

    try:
        import torch  # type: ignore[import-not-found, unused-ignore]  # a contender only
    except ImportError:
        return
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    a, w = rng.standard_normal((n, width)), rng.standard_normal((width, width))
    ta, tw = torch.from_numpy(a), torch.from_numpy(w)

    def ours(k: int) -> float:
        for _ in range(k):
            out = a @ w.T
        return float(out[0, 0])

    def theirs(k: int) -> float:
        for _ in range(k):
            out = ta @ tw.T
        return float(out[0, 0])
    ms = compare({"numpy": ours, "torch": theirs}, rounds, 10)
    print(f"one hidden layer's matrix product ({n:,} x {width} times {width} x {width}, float64, "
          f"one thread): NumPy {ms['numpy']:.3f} ms, PyTorch {ms['torch']:.3f} ms "
          f"({ms['torch'] / ms['numpy']:.2f}x NumPy's time); three per epoch: "
          f"{3 * (ms['numpy'] - ms['torch']):.3f} ms of an epoch is BLAS alone")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--epochs", type=int, default=10,
                        help="epochs per contender per round (default 10)")
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 64, 128])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    args = parser.parse_args(argv)
    try:
        import numpy  # noqa: F401
    except ImportError:
        print("numpy is not installed: pip install -e '.[fast]'", file=sys.stderr)
        return 2
    seed = 1337
    met = table(args.widths, args.sizes, None, args.rounds, args.epochs, seed, FULL)
    met &= table(args.widths, [max(args.sizes)], 32, args.rounds, max(1, args.epochs // 5),
                 seed, MINI)
    met &= with_setup(64, max(args.sizes), 100, seed)
    met &= value_params([w for w in args.widths if w <= 64], 200, args.rounds, args.epochs,
                        seed)
    products(max(args.sizes), max(args.widths), args.rounds)
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
