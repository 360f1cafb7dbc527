"""Weighted sums over shared inputs: act(b + w·x) for rows of weights, one node per row.

The neurons of a layer all read the same inputs, and every sample meets the same weights.
So a weighted node (DOT, or NEURON with its activation) keeps its inputs as a tuple shared
by the whole layer and its row of weights as a ``Row`` shared by every sample: a layer of
n neurons over m inputs costs n nodes and one tuple, not n tuples of 2m + 1 arguments, and
the sort before a backward pass meets each shared tuple's edges once. A layer keeps its
Rows in a ``RowCache`` and makes them again only when its weights are other Values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

from autograd.core import grad_mode, ops
from autograd.core.ops import Op, check_weighted, interleaved
from autograd.core.value import Value
from autograd.fast import unrolled
from autograd.fast.nodes import (
    NODE_TYPES,
    TYPES,
    Inputs,
    PerOp,
    Row,
    stopped,
    subclassed,
    variadic,
)

# (op, activation, width) -> the written-out maker of weighted nodes
_ROWS: dict[tuple[Op, Op | None, int], Callable[..., list[Any] | None]] = PerOp(
    unrolled.rows_function)


def rows_of(rows: Sequence[Sequence[Any]], biases: Sequence[Any],
            act: Op | None) -> list[Row] | None:
    """Each row of weights with its bias (and the activation) as a Row; None unless every
    weight and bias is a Value (numbers then become constants, node by node). The counts
    are weighted_rows' to check."""
    if not TYPES.issuperset(map(type, chain(biases, *rows))):
        return None
    return [Row((act, b, *row)) for row, b in zip(rows, biases)]


_PLAIN = {list, tuple}


class RowCache:
    """A layer's Rows, made again only when its rows of weights or its biases hold other
    Values than when they were made."""

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: tuple[Any, list[Row] | None] = (None, None)  # (what they were made of, Rows)

    def rows(self, rows: Sequence[Sequence[Any]], biases: Sequence[Any],
             act: Op | None) -> list[Row] | None:
        """``rows_of(rows, biases, act)``, the same Rows as last time if nothing changed."""
        if not _PLAIN.issuperset(map(type, chain((rows, biases), rows))) or (
                subclassed() and not TYPES.issuperset(map(type, chain(biases, *rows)))):
            # a list of another kind, or a Value subclass whose == was set after it was
            # made, compares as it likes: no cache for them
            return rows_of(rows, biases, act)
        made = self._made  # one attribute, so that another thread sees both parts or neither
        # lists compare in C, item by item: the same object is equal at once; a Value made
        # the Rows, and a Value is equal to nothing else (Value.__eq__), whatever the other is
        if made[0] != (act, rows, biases):
            of = (act, [row if type(row) is tuple else list(row) for row in rows], list(biases))
            self._made = made = (of, rows_of(rows, biases, act))  # a copy: a tuple never changes
        return made[1]


def weighted_rows(op: Op, rows: Sequence[Sequence[Any]], xs: Sequence[Any],
                  biases: Sequence[Any], act: Op | None,
                  cache: RowCache | None = None) -> list[Value]:
    """act(b + w·x) for each row of weights w and its bias b, all over the inputs xs: one DOT
    (act None) or NEURON node per row, made by code written out for the width
    (autograd/fast/unrolled.py). Numbers among the arguments become constants; a result that is
    not finite is checked as for any node (tests/test_weighted.py compares with ``variadic``
    bit for bit)."""
    check_weighted(op, act, len(rows), len(biases))
    if grad_mode.traces and grad_mode.tracing.get() and not grad_mode.enabled.get():
        with grad_mode.enable_grad():  # no_grad while a function is traced: detach nodes
            return [stopped(v) for v in weighted_rows(op, rows, xs, biases, act, cache)]
    made = None
    made_rows = rows_of(rows, biases, act) if cache is None else cache.rows(rows, biases, act)
    inputs = Inputs(xs)
    n = len(inputs)
    if made_rows is not None and 0 < n <= unrolled.MAX_WIDTH and TYPES.issuperset(
            map(type, inputs)):
        record = grad_mode.enabled.get()
        try:
            made = _ROWS[op, act, n](made_rows, inputs, record,
                                     NODE_TYPES[op if record else ops.LEAF])
        except (ArithmeticError, ValueError):  # a row of another width, exp overflowing
            made = None
    if made is None:
        made = [variadic(op, interleaved(b, row, inputs), act) for row, b in zip(rows, biases)]
    return made


def weighted(op: Op, ws: Sequence[Any], xs: Sequence[Any], bias: Any, act: Op | None) -> Value:
    """One DOT or NEURON node: act(b + w·x)."""
    return weighted_rows(op, (ws,), xs, (bias,), act)[0]
