"""The backward pass: the chain rule applied in reverse topological order, without recursion.

Every node's local derivatives come from its op's rule in the table (``ops.py``); this
module only orders the graph, multiplies and adds. A pass keeps the gradients it computes
in a dictionary of its own and hands them over when it is done, so two passes (in two
threads, or one inside a derivative of the other) never see each other's work, and a pass
that fails changes nothing. With ``create_graph`` the rules run on Values, so gradients
are graphs that can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from typing import Any

from autograd.core import grad_mode
from autograd.core.errors import undefined
from autograd.core.floats import FLOAT_MATH
from autograd.core.valuemath import VALUE_MATH

debug = False  # when True, every pass checks its order with check_toposort


def toposort(roots: Iterable[Any], cut: Container[Any] | None = None,
             flowing: bool = False) -> list[Any]:
    """Every node reachable from ``roots``, each after all of its parents.

    Nodes in ``cut`` are taken as leaves: what lies only below them is not reached; with
    ``flowing``, so are nodes of an op that passes no gradient on (detach, shift).
    """
    order: list[Any] = []
    visited: set[Any] = set()
    # depth-first with a stack of (node, placed?): a node comes off the stack twice, first to
    # push its parents above it, then, once they are all placed, to be placed itself
    stack = [(root, False) for root in roots]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            if (cut is None or node not in cut) and (node.op.differentiable or not flowing):
                stack.extend((p, False) for p in reversed(node.parents) if p not in visited)
    return order


def check_toposort(order: Sequence[Any], flowing: bool = False) -> None:
    """Raise AssertionError unless each node's parents come earlier in ``order`` (with
    ``flowing``, but those of an op that passes no gradient on)."""
    position = {node: i for i, node in enumerate(order)}
    if len(position) != len(order):
        raise AssertionError("a node appears twice in the topological order")
    for i, node in enumerate(order):
        for parent in node.parents if node.op.differentiable or not flowing else ():
            j = position.get(parent)
            if j is None or j >= i:
                raise AssertionError(f"parent {parent!r} of {node!r} does not come before it")


def local_derivatives(v: Any, create_graph: bool) -> tuple[Any, Sequence[Any]]:
    """v's op's factor (None for most ops) and d(v)/d(parent) for each parent of v, from its
    op's rule (on Values with create_graph)."""
    op, parents, k = v.op, v.parents, v.param
    m, out, args = ((VALUE_MATH, v, parents) if create_graph
                    else (FLOAT_MATH, v.data, [p.data for p in parents]))
    try:
        return (op.factor(m, out, k) if op.factor else None), op.partials(m, out, args, k)
    except (ArithmeticError, ValueError) as e:  # NaN for NaN or inf arguments, else an error
        return None, undefined(op, [p.data for p in parents], k, e)


def in_argument_order(v: Any, partials: Sequence[Any]) -> Iterable[tuple[Any, Any]]:
    """Each parent of v with d(v)/d(parent), in the order v adds into them."""
    return zip(v.parents, partials)


Edges = Callable[[Any, Sequence[Any]], Iterable[tuple[Any, Any]]]


def backprop(roots: Sequence[Any], seeds: Sequence[Any], create_graph: bool,
             edges: Edges = in_argument_order,
             order: Sequence[Any] | None = None) -> dict[Any, Any]:
    """d(sum of seed * root)/d(v) for every v below the roots that a gradient reaches (in
    ``order``, by default their topological order)."""
    if create_graph and not grad_mode.enabled.get():  # derivatives as a graph, even in no_grad
        with grad_mode.enable_grad():
            return backprop(roots, seeds, create_graph, edges, order)
    if order is None:
        order = toposort(roots, flowing=True)
        if debug:
            check_toposort(order, flowing=True)
    grads: dict[Any, Any] = {}
    for root, seed in zip(roots, seeds):
        grads[root] = grads[root] + seed if root in grads else seed
    for v in reversed(order):  # every child of v came earlier: grads[v] is complete
        g = grads.get(v)
        if g is None or not v.op.differentiable:
            continue
        factor, partials = local_derivatives(v, create_graph)
        if factor is not None:  # through the outer op first: a neuron's act'(out)
            g = g * factor
        for parent, d in edges(v, partials):
            # the chain rule: a parent's gradient is the sum over its children of g * d
            grads[parent] = grads[parent] + g * d if parent in grads else g * d
    return grads
