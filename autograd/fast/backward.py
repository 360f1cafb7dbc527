"""The backward pass of the speed layer: the core's (``autograd/core/backward.py``), with
the gradients kept in the nodes' own slots rather than a dictionary and each node's float
rule a method of its class, some written out for their width. The same floats, in the same
order.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import compress, islice
from typing import Any

from autograd.core import backward as core_backward
from autograd.core import grad_mode, ops
from autograd.core.backward import check_toposort
from autograd.core.errors import undefined
from autograd.core.floats import FLOAT_MATH
from autograd.core.grad import grad_arguments, used
from autograd.core.ops import Op, interleaved, slope
from autograd.core.value import Grad, Value, accumulate, seed_of
from autograd.core.valuemath import VALUE_MATH
from autograd.fast import graph, unrolled
from autograd.fast.nodes import NODE_TYPES, PerOp

_GRAD, _DATA = operator.attrgetter("grad"), operator.attrgetter("data")
_NUMBERS = {float, int}  # a 0 or 0.0 gradient is summed onto in place


class _Pass:
    """A pass running now: its thread, its nodes, and what is to be added when it ends."""

    __slots__ = ("after", "order", "thread")

    def __init__(self, order: list[Any]) -> None:
        self.thread, self.order = threading.get_ident(), order
        self.after: list[dict[Any, Grad]] = []  # gradients of passes run inside this one


# A pass keeps its gradients in the nodes' grad slots (no dictionary), so two passes must
# not share a node: one that would waits for the other (in another thread), or, inside the
# other (a derivative rule or hook of this thread calling grad or backward), runs the
# core's pass, which keeps its gradients in a dictionary of its own.
_RUNNING: list[_Pass] = []
_CHANGED = threading.Condition()


@contextmanager
def _slots(order: list[Any]) -> Iterator[_Pass | None]:
    """Hold the nodes of ``order`` for one pass: yields None when held, else the pass of
    this thread that holds some of them and that this one runs inside of."""
    mine = _Pass(order)
    with _CHANGED:
        nodes = set(order) if _RUNNING else None  # only asked when another pass runs
        while True:
            clash = [p for p in _RUNNING if nodes is not None and not nodes.isdisjoint(p.order)]
            outer = next((p for p in clash if p.thread == mine.thread), None)
            if outer is not None:
                break
            if not clash:
                _RUNNING.append(mine)
                break
            _CHANGED.wait()
    if outer is not None:
        yield outer
        return
    try:
        yield None
    finally:
        with _CHANGED:
            _RUNNING.remove(mine)
            _CHANGED.notify_all()
        for grads in mine.after:
            accumulate(grads)


def backward(root: Any, gradient: Grad | None, create_graph: bool) -> None:
    """Add d(root)/d(v) * gradient (default 1.0) into ``v.grad`` for every v below root."""
    seed = 1.0 if gradient is None else seed_of(gradient)
    order = graph.toposort([root])
    with _slots(order) as outer:
        if outer is not None:  # inside a pass over some of these nodes: added when it ends
            outer.after.append(core_backward.backprop([root], [seed], create_graph))
            return
        for v, old in _backprop((root,), (seed,), create_graph, False, order)[2]:
            v.grad = _added(old, v.grad)  # put aside by the pass


def _added(old: Grad, g: Grad) -> Grad:
    # grads are added, as in PyTorch; a graph-carrying gradient replaces a plain 0.0
    if g is _NOTHING:  # reached, but only through ops with no derivative (detach)
        return old
    if type(g) is not float and type(old) is float and old == 0.0:
        return g
    return old + g


class _Nothing:
    """The gradient before any contribution: nothing + g is g (no 0.0 + g node is built)."""

    def __add__(self, other: Grad) -> Grad:
        return other


_NOTHING: Any = _Nothing()


def _backprop(roots: Sequence[Value], seeds: Sequence[Grad], create_graph: bool, fresh: bool,
              order: list[Any]) -> tuple[list[Value], list[Grad], list[tuple[Value, Grad]]]:
    """Leave d(sum of seed * root)/d(v) in ``v.grad`` for every v below the roots.

    Returns the nodes, the gradients they held before, and the nodes put aside with their
    old gradients. A node whose gradient was 0.0 (or 0) accumulates on it (0.0 + g1 + g2
    + ... rounds as g1 + g2 + ... then + 0.0 would); others, or every node when ``fresh``, are put
    aside: they start from nothing and are the caller's to combine. If the pass fails, every
    gradient is put back as it was.
    """
    if create_graph and not grad_mode.enabled.get():  # derivatives as a graph, even in no_grad
        with grad_mode.enable_grad():
            return _backprop(roots, seeds, create_graph, fresh, order)
    if core_backward.debug:
        check_toposort(order)
    saved = list(map(_GRAD, order))
    if fresh or create_graph:
        aside = list(zip(order, saved))
    elif _NUMBERS.issuperset(map(type, saved)):  # the usual case, sorted out in C: the nonzero
        aside = list(zip(compress(order, saved), compress(saved, saved)))  # (and NaN) ones
    else:
        aside = [(v, g) for v, g in zip(order, saved) if type(g) not in _NUMBERS or g != 0.0]
    # -0.0 is the float that adds as nothing: -0.0 + g is g, for every g
    start: Any = _NOTHING if create_graph else -0.0
    for v, _ in aside:
        v.grad = start
    nodes = reversed(order)
    try:
        for root, seed in zip(roots, seeds):
            root.grad = root.grad + seed
        while True:
            try:
                if create_graph:
                    for v in nodes:  # every child of v came earlier: v.grad is complete
                        _VALUE_CHAINS[type(v)](v, v.grad)
                else:
                    for v in nodes:
                        v._chain(v.grad)
                break
            except (ArithmeticError, ValueError) as e:
                _undefined(v, e)  # then the loop goes on from the next node
    except BaseException:
        for v, old in zip(order, saved):
            v.grad = old
        raise
    return order, saved, aside


def _undefined(v: Any, error: Exception) -> None:
    g = v.grad
    parents = v.parents
    for p, d in zip(parents, undefined(v.op, [p.data for p in parents], v.param, error)):
        p.grad = p.grad + g * d


Chain = Callable[[Value, Any], None]


def _chain(op: Op, graph: bool) -> Chain:
    """The chain rule through one node of ``op``: each parent's gradient += g * d(out)/d(parent).

    Every derivative is computed before any gradient changes, so a node whose derivative
    raises leaves the gradients as they were. With ``graph`` the rule runs on Values.
    """
    partials = op.partials  # (m, out, args, param) -> one derivative per argument
    m: Any = VALUE_MATH if graph else FLOAT_MATH
    has_param = op.param is not None

    factor = op.factor

    def chain(v: Any, g: Any) -> None:
        parents = v.parents
        k = v.param if has_param else None
        if graph:
            ds = partials(m, v, parents, k)
        else:
            ds = partials(m, v.data, list(map(_DATA, parents)), k)
        if factor is not None:  # through the outer op first: a neuron's act'(out)
            g = g * factor(m, v if graph else v.data, k)
        for p, d in zip(parents, ds):
            p.grad += g * d

    return chain


def _products(terms: Sequence[Value], g: float) -> None:
    # b + w_1 x_1 + w_2 x_2 + ...: d/db = 1, d/dw_i = x_i, d/dx_i = w_i, in argument order
    terms[0].grad += g
    pairs = islice(terms, 1, None)
    for w, x in zip(pairs, pairs):
        w.grad += g * x.data
        x.grad += g * w.data


def _row_products(xs: Sequence[Value], row: Sequence[Any], g: float) -> None:
    _products(interleaved(row[1], row[2:], xs), g)


# pairs -> DOT's float rule written out for that many (autograd/unrolled.py), for a node's
# inputs and Row, or for the terms of a DOT that + built; the loops above for longer sums
_ROW_PRODUCTS: dict[int, Callable[[Sequence[Value], Sequence[Any], float], None]] = PerOp(
    lambda n: unrolled.chain_function((n, False)) if n <= unrolled.MAX_WIDTH else _row_products)
_TERM_PRODUCTS: dict[int, Callable[[Sequence[Value], float], None]] = PerOp(
    lambda n: unrolled.chain_function((n, True)) if n <= unrolled.MAX_WIDTH else _products)


def _dot_chain(v: Any, g: float) -> None:
    """DOT's float rule (a weighted sum's many edges), as its partials say; a DOT that +
    built sees the first v._b terms of its list."""
    xs, row = v._a, v._b
    if type(xs) is list:
        _TERM_PRODUCTS[row >> 1](xs[:row], g)
    else:
        _ROW_PRODUCTS[len(xs)](xs, row, g)


def _neuron_loop(v: Any, g: float) -> None:
    xs, row = v._a, v._b
    _row_products(xs, row, g * slope(row[0], FLOAT_MATH, v.data))


# (act, pairs) -> NEURON's float rule written out with act's derivative (autograd/unrolled.py)
_NEURON_CHAINS: dict[tuple[Op, int], Chain] = PerOp(
    lambda key: unrolled.neuron_chain_function(key) if key[1] <= unrolled.MAX_WIDTH
    else _neuron_loop)


def _neuron_chain(v: Any, g: float) -> None:
    """NEURON's float rule: through act first, g act'(out), then DOT's rule: the numbers of
    the unfused act(dot(...))."""
    _NEURON_CHAINS[v._b[0], len(v._a)](v, g)


def _layout_chain(op: Op) -> Chain:
    """op's float rule, reading a node's arguments where nodes.py keeps them (one parent in
    _a and the parameter, or None, in _b; two parents in _a and _b) rather than through
    ``parents`` and ``param``: the same rule called the same way, in a third of the time."""
    partials, m = op.partials, FLOAT_MATH

    def unary(v: Any, g: float) -> None:
        a = v._a
        (d,) = partials(m, v.data, (a.data,), v._b)
        a.grad += g * d

    def binary(v: Any, g: float) -> None:
        a, b = v._a, v._b
        da, db = partials(m, v.data, (a.data, b.data), None)
        a.grad += g * da
        b.grad += g * db

    return {1: unary, 2: binary}.get(op.arity) or _chain(op, graph=False)


# float rules written out for speed: tests/test_backward.py checks them bit for bit against a
# dictionary pass over the table's rules (NEURON's as act's rule, then DOT's),
# tests/test_nodes.py against the unfused act(dot(...))
WRITTEN_OUT: dict[Op, Chain] = {ops.DOT: _dot_chain, ops.NEURON: _neuron_chain}

# node type -> its chain rule on Values (create_graph); other ops' rules are made on first use
_VALUE_CHAINS: dict[type[Any], Chain] = PerOp(
    lambda node: _chain(node._OP, graph=True) if node._OP.differentiable else _no_chain)


def _first_chain(v: Any, g: Any) -> None:
    """Value's own _chain: nothing for a leaf; for a node of an op outside the table, its
    float rule is made, kept on its type, and applied."""
    node = type(v)
    if node._ARITY:
        node._chain = _float_chain(node._OP)
        v._chain(g)


def _no_chain(v: Any, g: Any) -> None:
    """The chain rule through an op with no derivative (detach): nothing flows back."""


def _float_chain(op: Op) -> Chain:
    if not op.differentiable:
        return _no_chain
    return WRITTEN_OUT.get(op) or _layout_chain(op)


def install() -> None:
    """Give each node type its float rule as a method, v._chain(g): the quickest dispatch."""
    Value._OP, Value._ARITY = ops.LEAF, 0  # type: ignore[attr-defined]
    for node in NODE_TYPES.values():
        node._chain = _float_chain(node._OP)
    Value._chain = _first_chain  # type: ignore[attr-defined]


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
         grad_outputs: Grad | Sequence[Grad] | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> list[Grad]:
    """d(outputs)/d(inputs) as a list, like torch.autograd.grad; no ``.grad`` is changed."""
    outs, ins, seeds = grad_arguments(outputs, inputs, grad_outputs)
    order = graph.toposort(outs)
    with _slots(order) as outer:
        if outer is not None:  # inside a pass over some of these nodes: the core's pass
            grads = core_backward.backprop(outs, seeds, create_graph)
            return used(ins, [grads.get(x) for x in ins], allow_unused)
        _, saved, _ = _backprop(outs, seeds, create_graph, True, order)
        reached = set(order)
        # reached only through ops with no derivative (detach): as good as unused
        found = [x.grad if x in reached and x.grad is not _NOTHING else None for x in ins]
        for v, old in zip(order, saved):
            v.grad = old
    return used(ins, found, allow_unused)
