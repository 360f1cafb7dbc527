"""The speed layer: the core's engine (``autograd/core/``), with the same numbers, faster.

Nothing here changes a result: it changes how nodes are kept (a class per op, five slots),
fuses products that nothing else holds into one weighted sum, shares a layer's inputs and
rows of weights between its nodes, and runs the backward pass with the gradients in the
nodes' slots and some chain rules written out. ``install()`` puts it in place of the core,
which ``autograd/engine.py`` does unless ``CHAINRULE_FAST=0``; the tests run in both modes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd.core import ops
from autograd.core import value as core
from autograd.core.value import Grad, Value
from autograd.fast import backward, nodes


def _method(make: Callable[[Value, Any], Value], plain: Any) -> Callable[[Value], Value]:
    def method(self: Value) -> Value:
        return make(self, None)
    method.__name__, method.__qualname__, method.__doc__ = (
        plain.__name__, plain.__qualname__, plain.__doc__)
    return method


def _reflected(op: ops.Op) -> Callable[[Value, Any], Value]:
    def reflected(self: Value, other: Any) -> Value:
        return nodes.binary(op, other, self)  # 2 / x is div(2, x)
    return reflected


def _backward(self: Value, gradient: Grad | None = None, create_graph: bool = False) -> None:
    backward.backward(self, gradient, create_graph)


def install() -> None:
    """Replace the core's node makers, operators and backward pass with the speed layer's."""
    backward.install()
    nodes.record_subclasses()
    core.apply, core.constant, core.detached = nodes.apply, nodes.const, nodes.stopped
    Value.__add__, Value.__radd__ = nodes.add, nodes.radd  # type: ignore[method-assign]
    for name, op in (("mul", ops.MUL), ("truediv", ops.DIV), ("pow", ops.POW)):
        setattr(Value, f"__{name}__", nodes.BINARY[op])
        setattr(Value, f"__r{name}__", _reflected(op))
    for name, op in core.METHODS.items():
        setattr(Value, name, _method(nodes.UNARY[op], vars(Value)[name]))
    _backward.__doc__ = Value.backward.__doc__
    Value.backward = _backward  # type: ignore[method-assign]
