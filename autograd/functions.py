"""Functions of several Values: fused weighted sums and neurons, sums, maximum, minimum, shift.

Each makes one node of one op of the table, checked as the operators check theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from autograd.engine import Value
from autograd.nodes import Number, binary, unary, variadic
from autograd.ops import DOT, MAXIMUM, MINIMUM, NEURON, OPS, SHIFT, SUM, Op
from autograd.weighted import weighted


def apply(op: Op, args: Sequence[Value], param: Any = None) -> Value:
    """A new node of ``op`` on ``args`` (and its fixed parameter), checked as operators are."""
    if op.arity == 1:
        return unary(op, args[0], param)
    if op.arity == 2:
        return binary(op, args[0], args[1])
    return variadic(op, args, param)


def maximum(a: Value | Number, b: Value | Number) -> Value:
    """The larger of a and b (NaN if either is), as torch.maximum; a tie splits the gradient."""
    return binary(MAXIMUM, a, b)


def minimum(a: Value | Number, b: Value | Number) -> Value:
    """The smaller of a and b (NaN if either is), as torch.minimum."""
    return binary(MINIMUM, a, b)


def dot(ws: Sequence[Value | Number], xs: Sequence[Value | Number],
        bias: Value | Number = 0.0) -> Value:
    """bias + sum_i ws[i] * xs[i] as a single node (a neuron's weighted sum)."""
    return _weighted(DOT, ws, xs, bias)


FUSABLE = {op.name: op for op in OPS if op.arity == 1 and op.from_output}


def neuron(ws: Sequence[Value | Number], xs: Sequence[Value | Number],
           bias: Value | Number = 0.0, activation: str = "relu") -> Value:
    """activation(bias + sum_i ws[i] * xs[i]) as a single node (a whole neuron)."""
    act = FUSABLE.get(activation)
    if act is None:
        raise ValueError(f"neuron fuses the activations {', '.join(FUSABLE)}; "
                         f"for {activation!r} apply it to dot(...)")
    return _weighted(NEURON, ws, xs, bias, act)


def sum(values: Iterable[Value | Number]) -> Value:  # noqa: A001 (autograd.sum, like torch.sum)
    """The sum of many values as a single node, rounded once (math.fsum)."""
    return variadic(SUM, tuple(values))


def shift(values: Iterable[Value | Number]) -> Value:
    """The largest finite value (0.0 if none is), through which no gradient flows: the
    shift that keeps log-sum-exp and softmax from overflowing (it cancels in their
    derivatives). A node, so that compiled code computes it again at every call."""
    return variadic(SHIFT, tuple(values))


def _weighted(op: Op, ws: Sequence[Value | Number], xs: Sequence[Value | Number],
              bias: Value | Number, param: Op | None = None) -> Value:
    if len(ws) != len(xs):
        raise ValueError(f"{op.name} needs two sequences of equal length, got {len(ws)} and "
                         f"{len(xs)}")
    return weighted(op, ws, xs, bias, param)
