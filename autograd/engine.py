"""The engine the rest of chainrule builds on: the reference core (``autograd/core/``) with
the speed layer (``autograd/fast/``) installed over it, unless the environment variable
``CHAINRULE_FAST`` is ``0`` when autograd is first imported. Either way the numbers are the
same; the speed layer only fuses some nodes (a graph's shape may differ) and is faster.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from autograd import owner  # noqa: F401 (importing owner checks that this is chainrule's)
from autograd.core import backward as core_backward
from autograd.core import value as core
from autograd.core.errors import to_float
from autograd.core.ops import Op, check_weighted, interleaved
from autograd.core.value import Grad, Number, Value

__all__ = ["Grad", "Number", "RowCache", "Value", "add_gradients", "apply", "as_number",
           "constant", "fast_enabled", "grad", "gradients", "toposort", "weighted_rows",
           "zero_grad"]

FAST = os.environ.get("CHAINRULE_FAST", "1").strip() != "0"


def fast_enabled() -> bool:
    """Whether the speed layer is installed (it is unless CHAINRULE_FAST=0 was set)."""
    return FAST


class _NoCache:
    """The core keeps no Rows: a layer's nodes are made from its weights at every call."""

    def rows(self, *args: Any) -> None:
        return None


def _weighted_rows(op: Op, rows: Sequence[Sequence[Any]], xs: Sequence[Any],
                   biases: Sequence[Any], act: Op | None, cache: Any = None) -> list[Value]:
    """act(b + w·x) for each row of weights w and its bias b, all over the inputs xs."""
    check_weighted(op, act, len(rows), len(biases))
    return [core.apply(op, interleaved(b, row, xs), act) for row, b in zip(rows, biases)]


if FAST:
    from autograd.fast import install
    from autograd.fast.backward import add_gradients, grad, gradients, zero_grad
    from autograd.fast.graph import toposort
    from autograd.fast.weighted import RowCache, weighted_rows

    install()
else:
    from autograd.core.grad import add_gradients, grad, gradients, zero_grad

    toposort = core_backward.toposort
    RowCache = _NoCache  # type: ignore[assignment,misc]
    weighted_rows = _weighted_rows


def apply(op: Op, args: Sequence[Value | Number], param: Any = None) -> Value:
    """A new node of ``op`` on ``args`` (and its fixed parameter), checked as operators are."""
    return core.apply(op, args, param)


def constant(x: Number) -> Value:
    """A number lifted into the graph as a constant node."""
    return core.constant(x)


def as_number(x: Value | Number) -> float:
    """The plain float of a Value (its data) or of a real number."""
    return x.data if isinstance(x, Value) else to_float(x)

