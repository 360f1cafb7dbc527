"""Engine benchmark: micrograd's demo training loop with each engine, memory per op, deep chains.

Run: python -m benchmarks.engine   (needs the bench extra: pip install -e '.[bench]')
Ratios are measured in one run, so a busy machine slows both sides alike.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import autograd
import nn
from benchmarks.rounds import in_fresh_processes, without_gc

Targets = {"speedup_gc_off": 10.0, "loss_diff": 1e-9, "bytes_per_op": 100.0}


def demo_steps(Value: Any, model: Any, X: list[list[float]],
               y: list[int]) -> Iterator[tuple[float, float, float]]:
    """micrograd's demo.ipynb training loop, as a micrograd user writes it: yields
    (seconds, loss, accuracy) per step."""

    def loss() -> tuple[Any, float]:
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    for k in itertools.count():
        start = time.perf_counter()
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        yield time.perf_counter() - start, total_loss.data, acc


def demo_loop(Value: Any, model: Any, X: list[list[float]], y: list[int],
              steps: int) -> tuple[list[float], float, float]:
    """The demo loop run for ``steps`` steps: step times, final loss and accuracy."""
    run = demo_steps(Value, model, X, y)
    times, losses, accs = zip(*(next(run) for _ in range(steps)))
    return list(times), losses[-1], accs[-1]


def _models(seed: int) -> tuple[list[list[float]], list[int], dict[str, Any]]:
    """100 moons, and micrograd's MLP(2, [16, 16, 1]) in each engine, from the same weights."""
    from micrograd.engine import Value as MicroValue  # type: ignore[import-untyped]
    from micrograd.nn import MLP as MicroMLP  # type: ignore[import-untyped]

    X, labels = nn.make_moons(100, noise=0.1, rng=random.Random(seed))
    y = [2 * label - 1 for label in labels]
    random.seed(seed)  # both MLPs draw the same weights from the same generator
    ours = nn.MLP(2, [16, 16, 1])
    random.seed(seed)
    theirs = MicroMLP(2, [16, 16, 1])
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert p.data == q.data, "the two models must start from identical weights"
    return X, y, {"ours": (autograd.Value, ours), "micrograd": (MicroValue, theirs)}


CONTENDERS = ("micrograd", "micrograd_gc_off", "ours", "ours_gc_off")


def run(name: str, steps: int, seed: int = 1337) -> dict[str, Any]:
    """One contender's step times, final loss and accuracy."""
    X, y, models = _models(seed)
    Value, model = models[name.removesuffix("_gc_off")]
    steps_run = demo_steps(Value, model, X, y)
    if name.endswith("_gc_off"):
        steps_run = without_gc(steps_run)
    times, losses, accs = zip(*(next(steps_run) for _ in range(steps)))
    return {"times": list(times), "loss": losses[-1], "acc": accs[-1]}


def compare_with_micrograd(steps: int, rounds: int = 1, seed: int = 1337) -> dict[str, float]:
    """Each contender in a fresh interpreter of its own (micrograd's graphs are reference
    cycles: in one process, whoever triggers a collection would pay for the other's
    garbage), one after the other, round after round; medians over all steps. micrograd
    with its collector on takes half a minute a run, the others a few seconds or less: they
    take turns three times a round, so that a slow spell of the machine falls on all alike."""
    order = [CONTENDERS[0], *CONTENDERS[1:] * 3]
    runs = in_fresh_processes("benchmarks.engine", order, steps, rounds)
    result = {f"ms_{name}": 1e3 * statistics.median([t for r in rs for t in r["times"]])
              for name, rs in runs.items()}
    last = {name: rs[-1] for name, rs in runs.items()}
    return result | {"loss_ours": last["ours"]["loss"], "loss_micrograd": last["micrograd"]["loss"],
                     "acc_ours": last["ours"]["acc"], "acc_micrograd": last["micrograd"]["acc"]}


def chain(Value: Any, n_ops: int) -> tuple[Any, Any]:
    """A chain of n_ops operations: y = relu(y * w + b) over and over."""
    y, w, b = Value(1.0), Value(1.0), Value(0.5)
    for _ in range(n_ops // 3):
        y = (y * w + b).relu()
    return y, w


def scaled(Value: Any, n_ops: int) -> tuple[Any, Any]:
    """A chain of n_ops operations with a number operand: y = y * 1.0001 over and over."""
    y = x = Value(1.0)
    for _ in range(n_ops):
        y = y * 1.0001
    return y, x


CHAINS = {"y = relu(y * w + b)": (chain, 3), "y = y * 1.0001": (scaled, 1)}  # ops per step


def bytes_per_op(Value: Any, n_ops: int, backward: bool, kind: str) -> float:
    """Memory held by an n_ops chain (and its gradients, after backward), per op."""
    make, per_step = CHAINS[kind]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y, _ = make(Value, n_ops)
    if backward:
        y.backward()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del y
    return held / (per_step * (n_ops // per_step))


def timed(f: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = f()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--chain", type=int, default=1_000_000, help="deep chain length")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run(args.worker, args.steps)))
        return 0
    try:
        r = compare_with_micrograd(args.steps, args.rounds)
    except ImportError:
        print("micrograd is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    speedup = r["ms_micrograd"] / r["ms_ours"]
    gc_off = r["ms_micrograd_gc_off"] / r["ms_ours"]
    diff = abs(r["loss_ours"] - r["loss_micrograd"])
    print(f"micrograd demo loop, MLP 2-16-16-1, 100 moons: {args.rounds} rounds of {args.steps} "
          "steps, each run in a fresh process (median per step)")
    print(f"  micrograd 0.1.0           {r['ms_micrograd']:8.2f} ms/step   final loss "
          f"{r['loss_micrograd']:.15f}   accuracy {r['acc_micrograd']:.0%}")
    print(f"  micrograd 0.1.0, gc off   {r['ms_micrograd_gc_off']:8.2f} ms/step")
    print(f"  chainrule                 {r['ms_ours']:8.2f} ms/step   final loss "
          f"{r['loss_ours']:.15f}   accuracy {r['acc_ours']:.0%}")
    print(f"  chainrule, gc off         {r['ms_ours_gc_off']:8.2f} ms/step")
    print(f"  speedup {speedup:.1f}x over micrograd, {gc_off:.1f}x over micrograd with its "
          f"collector off (target >= {Targets['speedup_gc_off']:.0f}x); "
          f"loss difference {diff:.1e} (target <= {Targets['loss_diff']:.0e})")

    from micrograd.engine import Value as MicroValue  # type: ignore[import-untyped]
    n = 100_000
    graphs = []
    for kind in CHAINS:
        ours_graph = bytes_per_op(autograd.Value, n, False, kind)
        ours_all = bytes_per_op(autograd.Value, n, True, kind)
        theirs_graph = bytes_per_op(MicroValue, n, False, kind)
        graphs.append(ours_graph)
        print(f"memory, {n:,}-op chain {kind} (tracemalloc)")
        print(f"  chainrule  {ours_graph:6.0f} bytes/op (target <= "
              f"{Targets['bytes_per_op']:.0f}), {ours_all:6.0f} with gradients")
        print(f"  micrograd  {theirs_graph:6.0f} bytes/op "
              "(its recursive backward cannot run this deep)")

    build, (y, w) = timed(lambda: chain(autograd.Value, args.chain))
    back, _ = timed(y.backward)
    print(f"{args.chain:,}-op chain: build {build:.2f} s, backward {back:.2f} s "
          f"(d y/d w = {w.grad:.6g})")
    met = (gc_off >= Targets["speedup_gc_off"] and diff <= Targets["loss_diff"]
           and max(graphs) <= Targets["bytes_per_op"])
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
