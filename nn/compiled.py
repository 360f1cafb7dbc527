"""A model's per-sample loss traced once, then run as generated code on every batch."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value, compile, no_grad  # noqa: A004


def numpy_or_none() -> Any:
    """NumPy if it is installed (the fast extra), else None."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


NUMPY_FROM = 32  # on the moons MLP 2-16-16-1, pure Python was faster up to about 25


class CompiledLoss:
    """loss_fn([model(x)], [y]) for one sample, compiled with x and y as inputs.

    ``backend`` is "numpy" (a batch in one pass), "python" (one sample at a time, no
    dependency) or "auto": NumPy for batches of NUMPY_FROM samples or more when it is
    installed (below that, its fixed cost per call outweighs the gain), else Python.
    The batch loss is the mean of the per-sample losses, as with reduction="mean".
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
        self.params = list(model.parameters())
        # traced at zero: the graph's shape does not depend on the values
        zeros = [0.0] * len(inputs[0])
        with no_grad():  # the loss checks number targets: give it each distinct one once
            first = model(zeros)
            for t in set(targets):
                loss_fn([first], [t])
        xs = [Value(0.0, label=f"x{i}") for i in range(1, len(zeros) + 1)]
        y = Value(0.0, label="target")
        prediction = model(xs)
        try:
            loss = loss_fn([prediction], [y])
        except (TypeError, ValueError, IndexError) as e:
            raise TypeError(f"compiled training traces the target as a Value, and this loss "
                            f"does not accept one ({e}); train with compiled=False") from None
        if not isinstance(loss, Value):
            raise TypeError(f"loss_fn must return a Value, got {type(loss).__name__}")
        loss.label = "loss"
        self.multi = isinstance(prediction, list)
        shown = prediction if self.multi else [prediction]
        # gradients of the loss alone; the predictions come along for the metric
        self.fn = compile([loss, *shown], [*xs, y], self.params,
                          grad_outputs=[1.0] + [0.0] * len(shown))

    def __call__(self, inputs: Sequence[Sequence[float]],
                 targets: Sequence[Any]) -> tuple[float, list[Any]]:
        """Mean loss and predictions of a batch; adds the mean gradient into each .grad."""
        columns: list[Any] = [list(c) for c in zip(*inputs)] + [[float(t) for t in targets]]
        if self.np is not None and len(targets) >= self.smallest:
            columns = [self.np.asarray(c, dtype=float) for c in columns]
        result = self.fn(columns, reduction="mean")
        for p, g in zip(self.params, result.param_grads):
            p.grad += g
        losses, *outputs = ([float(v) for v in column] for column in result.outputs)
        predictions = [list(row) for row in zip(*outputs)] if self.multi else outputs[0]
        return math.fsum(losses) / len(losses), predictions
