"""Compiled training against hand-written NumPy, PyTorch and micrograd.

Run: python -m benchmarks.compiled   (needs the bench and fast extras; PyTorch if installed)

Scaling: the moons MLP 2-W-W-1 (hinge loss + 1e-4 L2 penalty, full-batch SGD, lr 0.5) for
W in 16, 64, 128 and N in 100, 1,000, 10,000 samples, on one BLAS thread. The contenders
take turns within each round, a few steps each, from the same weights:
  hand NumPy: the step written by hand with arrays (forward, backward, update);
  compiled:   autograd.compile of the per-sample loss, called on the batch with the
              parameters as one array (its vector code), then the same update;
  PyTorch:    the same model in float64 on one thread, loss.backward(), the same update.
Moons: MLP(2, [16, 16, 1]) on 100 points, as benchmarks.engine and benchmarks.training run
it: micrograd's demo loop (its garbage collector on, as it runs, and off) against fit with
compiled="numpy", compiled="python" and the eager engine. Times are medians per step.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one BLAS thread, for every contender (set before NumPy loads)

import argparse  # noqa: E402
import gc  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import nn  # noqa: E402
from autograd import Compiled, Value, compile  # noqa: A004, E402
from benchmarks.engine import demo_loop  # noqa: E402
from benchmarks.training import idiomatic  # noqa: E402
from nn.losses import hinge_loss, l2_penalty  # noqa: E402

ALPHA, LR = 1e-4, 0.5
RATIO = 3.0  # compiled at most 3x the hand-written NumPy step
MICROGRAD = 300.0  # pure-Python compiled at least 300x faster than micrograd


def initial(width: int, seed: int) -> list[list[list[float]]]:
    """Each layer's rows (weights, then bias) of MLP(2, [W, W, 1]) from this seed."""
    model = nn.MLP(2, [width, width, 1], rng=random.Random(seed))
    return [[[w.data for w in n.w] + [n.b.data] for n in layer.neurons]  # type: ignore
            for layer in model.layers]


def data(n: int, seed: int) -> tuple[Any, Any]:
    """n moons points as an (n, 2) array and their labels as +-1."""
    import numpy as np

    X, labels = nn.make_moons(n, noise=0.1, rng=random.Random(seed))
    return np.array(X), np.array([2.0 * label - 1.0 for label in labels])


def hand_numpy(rows: list[list[list[float]]], x: Any, t: Any) -> Callable[[], float]:
    """The training step written by hand with NumPy arrays: the practical limit."""
    import numpy as np

    layers = [[table[:, :-1].copy(), table[:, -1].copy()] for table in map(np.array, rows)]
    return lambda: hand_step(np, layers, x, t)


def hand_step(np: Any, layers: list[list[Any]], x: Any, t: Any) -> float:
    """One step by hand on a batch: forward, backward, SGD; layers [[W, b], ...] are updated
    in place. Returns the batch's loss (hinge + L2 penalty) before the step."""
    (w1, b1), (w2, b2), (w3, b3) = layers
    n = len(t)
    h1 = np.maximum(x @ w1.T + b1, 0.0)
    h2 = np.maximum(h1 @ w2.T + b2, 0.0)
    s = (h2 @ w3.T + b3)[:, 0]
    margin = 1.0 - t * s
    squares = sum(float(np.sum(a * a)) for pair in layers for a in pair)
    loss = float(np.mean(np.maximum(margin, 0.0))) + ALPHA * squares
    ds = np.where(margin > 0.0, -t, 0.0) / n  # d loss / d score, per sample
    dh2 = np.outer(ds, w3[0]) * (h2 > 0.0)
    dh1 = (dh2 @ w2) * (h1 > 0.0)
    grads = [(dh1.T @ x, dh1.sum(0)), (dh2.T @ h1, dh2.sum(0)),
             (ds[None, :] @ h2, np.array([ds.sum()]))]
    for pair, dpair in zip(layers, grads):
        for i in range(2):
            pair[i] = pair[i] - LR * (dpair[i] + 2.0 * ALPHA * pair[i])
    return loss


def per_sample_loss(width: int, seed: int) -> tuple[Value, list[Value], list[Value]]:
    """The loss of MLP(2, [W, W, 1]) on one sample, its inputs (x1, x2, target) and the
    model's parameters."""
    model = nn.MLP(2, [width, width, 1], rng=random.Random(seed))
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2"), Value(0.0, label="target")]
    loss = hinge_loss(model(xs[:2]), xs[2]) + l2_penalty(model.parameters(), ALPHA)
    loss.label = "loss"
    return loss, xs, model.parameters()


def traced(width: int, seed: int) -> tuple[Compiled, list[Value]]:
    """The per-sample loss of MLP(2, [W, W, 1]) compiled, and the model's parameters."""
    loss, xs, params = per_sample_loss(width, seed)
    return compile(loss, xs, params), params


def compiled_numpy(width: int, seed: int, x: Any, t: Any) -> Callable[[], float]:
    """The same step as compiled vector code: gradients for an array of parameters."""
    import numpy as np

    fn, params = traced(width, seed)
    assert fn.vector_source  # written before the clock starts, as tracing is
    p = np.array([q.data for q in params])
    columns = [x[:, 0], x[:, 1], t]

    def step() -> float:
        nonlocal p
        result = fn(columns, params=p)
        p = p - LR * np.asarray(result.param_grads)
        return float(np.mean(result.outputs[0]))
    return step


def pytorch(rows: list[list[list[float]]], x: Any, t: Any) -> Callable[[], float] | None:
    """The same step in PyTorch (float64, one thread); None if PyTorch is not installed."""
    try:
        import torch  # type: ignore[import-not-found, unused-ignore]  # a contender, not a dependency
    except ImportError:
        return None
    torch.set_num_threads(1)
    tensors = []
    for table in map(lambda r: torch.tensor(r, dtype=torch.float64), rows):
        tensors += [table[:, :-1].clone().requires_grad_(), table[:, -1].clone().requires_grad_()]
    xt, tt = torch.tensor(x), torch.tensor(t)

    def step() -> float:
        w1, b1, w2, b2, w3, b3 = tensors
        h = torch.relu(xt @ w1.T + b1)
        h = torch.relu(h @ w2.T + b2)
        s = (h @ w3.T + b3)[:, 0]
        loss = torch.relu(1.0 - tt * s).mean() + ALPHA * sum((p * p).sum() for p in tensors)
        loss.backward()
        with torch.no_grad():
            for p in tensors:
                p -= LR * p.grad  # type: ignore[operator]
                p.grad = None
        return float(loss.detach())
    return step


def scaling(widths: list[int], sizes: list[int], rounds: int, steps: int, seed: int) -> bool:
    """The scaling table: ms per step and the compiled/hand-written ratio; True if met."""
    print(f"moons MLP 2-W-W-1, full batch, one BLAS thread; {rounds} rounds of {steps} steps "
          "per contender, taking turns; median ms per step")
    print(f"  {'W':>4} {'N':>6} {'hand NumPy':>11} {'compiled':>9} {'PyTorch':>9}   "
          f"{'compiled/hand':>13} {'loss gap':>9}")
    met = True
    for width in widths:
        for n in sizes:
            x, t = data(n, seed)
            rows = initial(width, seed)
            contenders = {"hand": hand_numpy(rows, x, t),
                          "compiled": compiled_numpy(width, seed, x, t)}
            torch_step = pytorch(rows, x, t)
            if torch_step is not None:
                contenders["torch"] = torch_step
            times: dict[str, list[float]] = {name: [] for name in contenders}
            losses: dict[str, float] = {}
            for _ in range(rounds):
                for name, step in contenders.items():
                    for _ in range(steps):
                        start = time.perf_counter()
                        losses[name] = step()
                        times[name].append(time.perf_counter() - start)
            ms = {name: 1e3 * statistics.median(ts) for name, ts in times.items()}
            ratio = ms["compiled"] / ms["hand"]
            gap = abs(losses["compiled"] - losses["hand"])
            met &= (ratio <= RATIO or width not in (16, 64, 128) or n != 100) and gap < 1e-9
            torch_ms = f"{ms['torch']:9.3f}" if "torch" in ms else f"{'-':>9}"
            print(f"  {width:>4} {n:>6} {ms['hand']:11.3f} {ms['compiled']:9.3f} {torch_ms}   "
                  f"{ratio:12.2f}x {gap:9.1e}")
    print(f"  target: compiled at most {RATIO:.0f}x the hand-written step at N = 100 "
          "(W = 16, 64, 128); loss gap after the same steps below 1e-9")
    return met


def moons(rounds: int, steps: int, micrograd_steps: int, seed: int) -> bool:
    """micrograd's loop against fit, compiled and not, on 100 moons, in alternating rounds;
    True if the target is met."""
    try:
        from micrograd.engine import Value as MicroValue  # type: ignore[import-untyped]
        from micrograd.nn import MLP as MicroMLP  # type: ignore[import-untyped]
    except ImportError as e:
        print(f"{e.name} is not installed: pip install -e '.[bench,fast]'", file=sys.stderr)
        return False
    X, labels = nn.make_moons(100, noise=0.1, rng=random.Random(seed))
    y = [2 * label - 1 for label in labels]

    def micrograd(collect: bool) -> list[float]:
        random.seed(seed)  # micrograd draws its weights from the global generator
        was = gc.isenabled()
        if not collect:
            gc.disable()
        try:
            return demo_loop(MicroValue, MicroMLP(2, [16, 16, 1]), X, y, micrograd_steps)[0]
        finally:
            if was:
                gc.enable()

    contenders: dict[str, Callable[[], list[float]]] = {
        "micrograd 0.1.0, its demo loop": lambda: micrograd(True),
        "micrograd, collector off": lambda: micrograd(False)}
    for name, mode in (("fit(compiled='numpy')", "numpy"), ("fit(compiled='python')", "python"),
                       ("fit, eager engine", False)):
        contenders[name] = lambda mode=mode: idiomatic(  # type: ignore[misc]
            X, y, steps, seed, compiled=mode)[0]
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            times[name] += run()
    ms = {name: 1e3 * statistics.median(ts) for name, ts in times.items()}
    micro = ms["micrograd 0.1.0, its demo loop"]
    print(f"moons, MLP 2-16-16-1, 100 points, {rounds} rounds of {steps} fit steps and "
          f"{micrograd_steps} micrograd steps, taking turns; median ms per step")
    for name, t in ms.items():
        print(f"  {name:32s} {t:9.3f} ms   {micro / t:8.1f}x micrograd")
    compiled = ms["fit(compiled='python')"]
    python = micro / compiled
    print(f"  pure-Python compiled: {python:.1f}x micrograd (target >= {MICROGRAD:.0f}x), "
          f"{ms['micrograd, collector off'] / compiled:.1f}x micrograd with its collector off")
    return python >= MICROGRAD


COMPILE_SECONDS, COMPILE_MB = 2.0, 300.0  # compiling a 100,000-value graph


def compile_costs() -> bool:
    """Seconds and peak memory (tracemalloc, in a second run) to compile 100,000-value graphs:
    True if the grouped ones are within the targets."""
    import tracemalloc

    from autograd.engine import Value as V
    from benchmarks.engine import chain
    from benchmarks.microgpt import model

    def gpt() -> tuple[Any, list[Any], list[Any]]:
        m = model(V, 27, random.Random(0), n_embd=64)
        rows = [[V(1.0 if j == (3 * i) % 27 else 0.0) for j in range(27)] for i in range(17)]
        return m.doc_loss(rows[:16], rows[1:]), [x for r in rows for x in r], m.params

    def scalar_chain() -> tuple[Any, list[Any], list[Any]]:
        y, w = chain(V, 150_000)
        return y, [], [w]

    print("compiling 100,000-value graphs: compile() and the program a call needs "
          "(the graph's own memory not counted)")
    met = True
    for name, build, vector in (
            ("MLP 2-316-316-1, per-sample loss (vector code)", lambda: per_sample_loss(316, 0),
             True),
            ("microgpt, n_embd 64, a 16-token document (vector code)", gpt, True),
            ("a chain y = relu(y * w + b) (no groups: scalar code)", scalar_chain, False)):
        out, ins, params = build()
        costs = []
        for trace in (False, True):
            if trace:
                tracemalloc.start()
            start = time.perf_counter()
            fn = compile(out, ins, params)
            assert fn.vector_source if vector else fn.source
            costs.append(time.perf_counter() - start)
            if trace:
                costs.append(tracemalloc.get_traced_memory()[1] / 1e6)
                tracemalloc.stop()
        seconds, _, mb = costs
        print(f"  {name:58s} {len(fn.graph.order):>7,} values  {seconds:5.2f} s  "
              f"{mb:6.0f} MB")
        met &= not vector or (seconds <= COMPILE_SECONDS and mb <= COMPILE_MB)
    print(f"  target for grouped graphs: at most {COMPILE_SECONDS:.0f} s and "
          f"{COMPILE_MB:.0f} MB")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--steps", type=int, default=10,
                        help="steps per contender per round (default 10)")
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 64, 128])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--moons-steps", type=int, default=30,
                        help="fit steps per round in the moons comparison (default 30; 0 skips "
                        "it)")
    parser.add_argument("--no-compile-costs", action="store_true",
                        help="skip the compile-time section")
    parser.add_argument("--micrograd-steps", type=int, default=4,
                        help="micrograd steps per round (default 4; each takes about 1.5 s)")
    args = parser.parse_args(argv)
    try:
        import numpy  # noqa: F401
    except ImportError:
        print("numpy is not installed: pip install -e '.[fast]'", file=sys.stderr)
        return 2
    met = scaling(args.widths, args.sizes, args.rounds, args.steps, 1337)
    if args.moons_steps:
        met &= moons(args.rounds, args.moons_steps, args.micrograd_steps, 1337)
    if not args.no_compile_costs:
        met &= compile_costs()
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
