"""Functions of several Values: fused weighted sums and neurons, sums, maximum, minimum, shift.

Each makes one node of one op of the table, checked as the operators check theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from autograd.engine import Number, Value, weighted_rows
from autograd.engine import apply as apply
from autograd.ops import DOT, MAXIMUM, MINIMUM, NEURON, OPS, SHIFT, SUM, Op


def maximum(a: Value | Number, b: Value | Number) -> Value:
    """The larger of a and b (NaN if either is), as torch.maximum; a tie splits the gradient."""
    return apply(MAXIMUM, [a, b])


def minimum(a: Value | Number, b: Value | Number) -> Value:
    """The smaller of a and b (NaN if either is), as torch.minimum."""
    return apply(MINIMUM, [a, b])


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
    return apply(SUM, tuple(values))


def shift(values: Iterable[Value | Number]) -> Value:
    """The largest finite value (0.0 if none is), through which no gradient flows: the
    shift that keeps log-sum-exp and softmax from overflowing (it cancels in their
    derivatives). A node, so that compiled code computes it again at every call."""
    return apply(SHIFT, tuple(values))


def _weighted(op: Op, ws: Sequence[Value | Number], xs: Sequence[Value | Number],
              bias: Value | Number, param: Op | None = None) -> Value:
    if len(ws) != len(xs):
        raise ValueError(f"{op.name} needs two sequences of equal length, got {len(ws)} and "
                         f"{len(xs)}")
    return weighted_rows(op, (ws,), xs, (bias,), param)[0]
