"""Weighted sums written out for one width: neurons and their chain rule as straight-line code.

A loop over the pairs of b + w_1 x_1 + ... + w_n x_n spends more time on looping (a jump,
an unpacking and two stores per pair) than on the arithmetic. Written out for one width,
``b.data + w1.data * d1 + w2.data * d2`` and its chain rule ``w1._g += g * x1.data`` run in
about 60% of the loop's time. The source is written once per width from the code rules of
DOT and NEURON in the op table (the lines the compiler writes), so it computes the same
floats in the same order as the table; ``rows_source`` and ``chain_source`` show it. Sums
longer than MAX_WIDTH pairs keep the loops.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable, Sequence
from typing import Any

from autograd.core.ops import DOT, NEURON, Op
from autograd.kernels import FLOAT_KERNELS
from autograd.ops import code_rule
from autograd.symbolic import unpack

MAX_WIDTH = 128  # pairs; a longer sum keeps the loop rather than a function of 2n lines


def unfused(terms: Sequence[Any]) -> list[Any]:
    """What goes with each term (b, w_1, x_1, ..., w_n, x_n) of a DOT that + built, in the
    order in which its unfused sums ((b + w_1 x_1) + w_2 x_2) + ... add into the terms: the
    last product's first, down to the second's, then b's and the first product's."""
    return [t for i in range(len(terms) - 2, 2, -2) for t in terms[i:i + 2]] + list(terms[:3])


def _numbered(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, n + 1)]


def rows_source(op: Op, act: Op | None, n: int) -> str:
    """The source making one node of ``op`` (DOT, or NEURON with ``act``) per Row of n weights,
    all over the same n inputs ``xs``: each node keeps ``xs`` and its Row. It returns None
    when a result is not finite, having made nothing that matters: the caller then makes the
    nodes the checked way, which raises or gives NaN as for any node."""
    rule = code_rule(op)
    assert rule is not None
    ws, xs, ds = _numbered("w", n), _numbered("x", n), _numbered("d", n)
    # the inputs' floats are read once for all rows: d_i is x_i.data
    code = rule("out", ["b.data", *(a for w, d in zip(ws, ds) for a in (f"{w}.data", d))],
                   act)
    lines = [f"{unpack(xs)} = xs",
             f"{unpack(ds)} = {unpack([f'{x}.data' for x in xs])}",
             "made = []",
             "for row in rows:",
             f"    _, b, {unpack(ws)} = row",
             f"    out = {code.forward}",
             "    if out - out != 0.0:  # inf or NaN",
             "        return None",
             "    v = new(node)",
             "    if record:",
             "        v._a = xs",
             "        v._b = row",
             "    else:  # a leaf",
             "        v._from = v._label = None",
             "    v.data = out",
             "    v._g = 0.0",
             "    made.append(v)",
             "return made"]
    return "def rows(rows, xs, record, node):\n" + "".join(f"    {line}\n" for line in lines)


def chain_source(n: int, terms: bool, act: Op | None = None) -> str:
    """The source of DOT's float chain rule for n pairs: each argument's gradient += g times
    its partial (1 for b, x_i for w_i, w_i for x_i), in argument order. It takes a node's
    inputs and Row, or with ``terms`` the list b, w_1, x_1, ... of a DOT that + built; with
    ``act``, NEURON's rule for a node v: g times act'(out) first (the rule's factor), then
    DOT's."""
    op = DOT if act is None else NEURON
    rule = code_rule(op)
    assert rule is not None
    ws, xs = _numbered("w", n), _numbered("x", n)
    names = ["b", *(a for pair in zip(ws, xs) for a in pair)]
    code = rule("out", [f"{name}.data" for name in names], act)
    unpacking = ([f"{unpack(names)} = terms"] if terms
                 else [f"{unpack(xs)} = xs", f"{unpack(['_', 'b', *ws])} = row"])
    head = "def chain(terms, g):\n" if terms else "def chain(xs, row, g):\n"
    if act is not None:
        head = "def chain(v, g):\n"
        unpacking = ["out = v.data", f"g = g * ({code.factor})", "xs, row = v._a, v._b",
                     *unpacking]
    adds = [f"{name}._g += g" if d == "1.0" else f"{name}._g += g * {d}"
            for name, d in zip(names, code.partials)]
    lines = unpacking + (unfused(adds) if terms else adds)
    return head + "".join(f"    {line}\n" for line in lines)


def _load(source: str, name: str) -> Callable[..., Any]:
    # registered with linecache, so that tracebacks and pdb show the lines
    filename = f"<autograd.fast.unrolled: {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(FLOAT_KERNELS, new=object.__new__)
    exec(compile(source, filename, "exec"), namespace)
    return namespace[source[4:source.index("(")]]  # type: ignore[no-any-return]


def rows_function(key: tuple[Op, Op | None, int]) -> Callable[..., list[Any] | None]:
    """``rows_source`` compiled: (rows, xs, record, node type) -> the nodes, or None."""
    op, act, n = key
    return _load(rows_source(op, act, n), f"{op.name} {act.name if act else ''} {n}")


def chain_function(key: tuple[int, bool]) -> Callable[..., None]:
    """``chain_source`` compiled: (xs, row, g) or (terms, g) -> None."""
    n, terms = key
    return _load(chain_source(n, terms), f"chain {n}{' terms' if terms else ''}")


def neuron_chain_function(key: tuple[Op, int]) -> Callable[..., None]:
    """``chain_source`` of NEURON with an activation, compiled: (v, g) -> None."""
    act, n = key
    return _load(chain_source(n, False, act), f"chain {act.name} {n}")
