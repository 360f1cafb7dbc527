"""A model's per-sample loss traced once, then run as generated code on every batch."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value, add_gradients, compile, grad, no_grad  # noqa: A004
from autograd.compiler.traced import refuse
from autograd.core.grad_mode import tracing_values
from autograd.engine import as_number


def numpy_or_none() -> Any:
    """NumPy if it is installed (the fast extra), else None."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


NUMPY_FROM = 32  # on the moons MLP 2-16-16-1, pure Python was faster up to about 25


PROBES = (0.37, -1.3, 2.1, -0.05)  # predictions at which a loss shows how it reduces
CHECKED = 4  # real samples on which compiled and eager losses and gradients must agree


class CompiledLoss:
    """loss_fn([model(x)], [y]) for one sample, compiled with x and y as inputs.

    ``backend`` is "numpy" (a batch in one pass), "python" (one sample at a time, no
    dependency) or "auto": NumPy for batches of NUMPY_FROM samples or more when it is
    installed (below that, its fixed cost per call outweighs the gain), else Python.

    The compiled loss must give the numbers ``loss_fn`` gives. It is refused (TypeError,
    saying to train with compiled=False) unless the batch loss is the mean or the sum of
    per-sample losses (found by asking loss_fn, plus terms of the parameters alone for a
    mean, such as an L2 penalty), and unless compiled and eager losses and gradients agree
    on the first samples (a loss that reads a number out of the graph, with .data or
    .item(), would be frozen at its traced value).
    """

    def __init__(self, model: Any, loss_fn: Callable[[list[Any], list[Any]], Value],
                 inputs: Sequence[Sequence[float]], targets: Sequence[Any],
                 backend: str = "auto") -> None:
        if backend not in ("auto", "numpy", "python"):
            raise ValueError(f"backend must be 'auto', 'numpy' or 'python', not {backend!r}")
        self.np = None if backend == "python" else numpy_or_none()
        self.smallest = NUMPY_FROM if backend == "auto" else 1  # batch size for NumPy
        if backend == "numpy" and self.np is None:
            raise ImportError("the numpy backend needs NumPy: pip install 'chainrule[fast]'")
        if not callable(getattr(model, "parameters", None)):
            raise TypeError("compiled training needs a model with parameters() (an nn.Module)")
        if not inputs or len(inputs) != len(targets):
            raise ValueError(f"compiled training needs samples: {len(inputs)} inputs, "
                             f"{len(targets)} targets")
        self.params = list(model.parameters())
        # traced at zero: the graph's shape does not depend on the values
        zeros = [0.0] * len(inputs[0])
        with no_grad():  # the loss checks number targets: give it each distinct one once
            first = model(zeros)
            for t in set(targets):
                loss_fn([first], [t])
        xs = [Value(0.0, label=f"x{i}") for i in range(1, len(zeros) + 1)]
        y = Value(0.0, label="target")
        try:
            with tracing_values(refuse):  # a branch on a Value would be frozen: refused
                prediction = model(xs)
                loss = loss_fn([prediction], [y])
        except (TypeError, ValueError, IndexError) as e:
            raise TypeError(f"compiled training traces the model and the loss with Values as "
                            f"the inputs and the target, and they refused ({e}); train with "
                            "compiled=False") from None
        if not isinstance(loss, Value):
            raise TypeError(f"loss_fn must return a Value, got {type(loss).__name__}")
        loss.label = "loss"
        self.multi = isinstance(prediction, list)
        shown = prediction if self.multi else [prediction]
        # gradients of the loss alone, with respect to the parameters alone; the predictions
        # come along for the metric
        self.fn = compile([loss, *shown], [*xs, y], self.params,
                          grad_outputs=[1.0] + [0.0] * len(shown), input_grads=False,
                          names={p: n for n, p in model.named_parameters()}
                          if callable(getattr(model, "named_parameters", None)) else None)
        self.reduction = _reduction(loss_fn, len(shown) if self.multi else 0, targets)
        _check_faithful(self.fn, model, loss_fn, inputs, targets, self.params, self.reduction,
                        self.np if self.smallest == 1 else None)

    def __call__(self, inputs: Sequence[Sequence[float]],
                 targets: Sequence[Any]) -> tuple[float, list[Any]]:
        """The batch's loss and predictions; adds its gradient into each .grad."""
        columns: list[Any] = [list(c) for c in zip(*inputs)] + [[float(t) for t in targets]]
        if self.np is not None and len(targets) >= self.smallest:
            columns = [self.np.asarray(c, dtype=float) for c in columns]
        result = self.fn(columns, reduction=self.reduction)
        add_gradients(self.params, result.param_grads)
        return self._loss(result.outputs[0]), self.predictions(result.outputs[1:])

    def on_arrays(self, columns: list[Any], params: Any) -> tuple[float, list[Any], Any]:
        """A batch given as NumPy columns (inputs, then targets) at the parameter vector
        ``params``: its loss, its outputs (for ``predictions``) and its parameter gradient
        as an array. No Value is read or changed."""
        result = self.fn(columns, reduction=self.reduction, params=params)
        return self._loss(result.outputs[0]), result.outputs[1:], result.param_grads

    def predictions(self, outputs: Sequence[Any]) -> list[Any]:
        """The model's outputs per sample: a number each, or a list for several outputs."""
        columns = [c.tolist() if hasattr(c, "tolist") else list(map(float, c)) for c in outputs]
        return [list(row) for row in zip(*columns)] if self.multi else columns[0]

    def _loss(self, losses: Any) -> float:
        values = losses.tolist() if hasattr(losses, "tolist") else list(map(float, losses))
        total = math.fsum(values)
        return total / len(values) if self.reduction == "mean" else total


def _refuse(why: str) -> TypeError:
    return TypeError(f"this loss cannot be compiled faithfully: {why}; train with "
                     "compiled=False")


def _reduction(loss_fn: Callable[[list[Any], list[Any]], Value], outputs: int,
               targets: Sequence[Any]) -> str:
    """'mean' or 'sum': how loss_fn makes one loss of a batch, asked at probe predictions.

    Batches of 2 and of 3 are asked, so that a median (the mean of 2) is not taken for a
    mean; the loss and its gradient with respect to the first prediction must both agree.
    """
    distinct = list(dict.fromkeys(targets))
    ts = [distinct[k % len(distinct)] for k in range(3)]

    def prediction(x: float) -> Any:
        return [Value(x + i) for i in range(outputs)] if outputs else Value(x)

    for start in range(len(PROBES) - 2):
        qs = [prediction(x) for x in PROBES[start:start + 3]]
        ones = [loss_fn([q], [t]) for q, t in zip(qs, ts)]
        leaves = qs[0] if outputs else [qs[0]]
        g_one = grad(ones[0], leaves, allow_unused=True)
        mean = summed = True
        for n in (2, 3):
            batch = loss_fn(qs[:n], ts[:n])
            g_batch = grad(batch, leaves, allow_unused=True)
            total = math.fsum(o.data for o in ones[:n])
            # d(batch)/d(q1) is d(one)/d(q1) / n for a mean, equal to it for a sum
            mean &= _close(batch.data, total / n) and all(
                _close(gb, g / n) for gb, g in zip(g_batch, g_one))
            summed &= _close(batch.data, total) and all(
                _close(gb, g) for gb, g in zip(g_batch, g_one))
        if mean != summed:
            return "mean" if mean else "sum"
        if not mean:
            raise _refuse("the loss of a batch is neither the mean nor the sum of the losses "
                          "of its samples (plus terms of the parameters alone, for a mean)")
    raise _refuse("at every probe the loss and its gradients were 0, so whether it is a mean "
                  "or a sum over samples cannot be told")


def _check_faithful(fn: Any, model: Any, loss_fn: Callable[[list[Any], list[Any]], Value],
                    inputs: Sequence[Sequence[float]], targets: Sequence[Any],
                    params: list[Value], reduction: str, np: Any = None) -> None:
    """Compiled and eager losses and gradients agree on real samples and batches, or refuse.

    Checked with the parameters moved a little away from their values (and put back
    exactly), so that a term that happens to be 0 now, such as the penalty of biases at
    0, still shows how it enters the loss. With ``np``, the compiled code is called as
    training calls it with NumPy (arrays in, the vector code), and the gradients are
    compared as arrays.
    """
    first_of_each: dict[Any, int] = {}
    for i, t in enumerate(targets):
        first_of_each.setdefault(t, i)
    singles = sorted({*list(first_of_each.values())[:CHECKED],
                      *range(min(CHECKED, len(targets)))})
    cases = [[i] for i in singles] + [singles[:n] for n in (2, 3) if len(singles) >= n]
    saved = [p.data for p in params]
    shift = random.Random(0)
    try:
        for p in params:
            p.data += shift.uniform(-0.1, 0.1)
        for case in cases:
            try:
                eager = loss_fn([model(list(inputs[i])) for i in case],
                                [targets[i] for i in case])
                expected = grad(eager, params, allow_unused=True)
            except (ArithmeticError, ValueError):
                continue  # the compiled code raises the same error there, when training meets it
            columns = [[float(inputs[i][k]) for i in case] for k in range(len(inputs[0]))]
            columns.append([float(targets[i]) for i in case])
            if np is None:
                result = fn(columns, reduction=reduction)
                agree = all(_close(g, as_number(e)) for g, e in zip(result.param_grads, expected))
            else:
                result = fn([np.array(c) for c in columns], reduction=reduction,
                            params=np.array([p.data for p in params]))
                agree = _all_close(np, result.param_grads,
                                   np.array([as_number(e) for e in expected]))
            total = math.fsum(map(float, result.outputs[0]))
            loss = total / len(case) if reduction == "mean" else total
            if not (_close(loss, eager.data) and agree):
                raise _refuse(
                    f"on samples {case} the compiled loss is {loss!r} but the loss computed "
                    f"with Values is {eager.data!r} (or their gradients differ): the loss "
                    "probably reads a number out of the graph (.data, .item()) or branches on "
                    "one, which tracing freezes, or combines its samples in another way")
    finally:
        for p, x in zip(params, saved):
            p.data = x


def _all_close(np: Any, a: Any, b: Any) -> bool:
    """_close for every pair of two arrays."""
    with np.errstate(invalid="ignore", over="ignore"):
        near = (a == b) | (np.abs(a - b) <= 1e-9 * np.maximum(np.abs(a), np.abs(b)))
    return bool((near | (np.isnan(a) & np.isnan(b))).all())


def _close(a: Any, b: Any) -> bool:
    a, b = as_number(a), as_number(b)
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b)) or (a != a and b != b)
