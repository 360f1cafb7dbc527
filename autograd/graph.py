"""Graph traversal: topological order without recursion, and its debug check."""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd.engine import Value

debug = False  # when True, every backward pass verifies its order with check_toposort


def toposort(roots: Iterable[Value], cut: Container[Value] | None = None) -> list[Value]:
    """Every node reachable from ``roots``, each after all of its parents.

    Nodes in ``cut`` are taken as leaves: what lies only below them is not reached.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    # depth-first with an explicit stack; (node, True) marks "its parents are all placed"
    # (they were pushed after the mark, so they were popped and placed before it)
    stack = [(root, False) for root in roots]
    while stack:
        node, parents_placed = stack.pop()
        if parents_placed:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            if cut is not None and node in cut:
                continue
            for parent in reversed(node.parents):  # so the first argument is placed first
                if parent not in visited:
                    stack.append((parent, False))
    return order


def check_toposort(order: Sequence[Value]) -> None:
    """Raise AssertionError unless each node's parents come earlier in ``order``."""
    position = {node: i for i, node in enumerate(order)}
    if len(position) != len(order):
        raise AssertionError("a node appears twice in the topological order")
    for i, node in enumerate(order):
        for parent in node.parents:
            j = position.get(parent)
            if j is None or j >= i:
                raise AssertionError(f"parent {parent!r} of {node!r} does not come before it")
