"""The speed layer's topological order: the core's, reading the nodes' own slots and skipping
the tuples that weighted nodes share once they are complete."""

from __future__ import annotations

from collections.abc import Container, Iterable
from itertools import filterfalse, islice
from typing import Any

from autograd.core.ops import interleaved
from autograd.core.value import Value
from autograd.fast.nodes import Inputs, Row


def toposort(roots: Iterable[Value], cut: Container[Value] | None = None,
             flowing: bool = False) -> list[Value]:
    """Every node reachable from ``roots``, each after all of its parents.

    Nodes in ``cut`` are taken as leaves: what lies only below them is not reached; with
    ``flowing``, so are nodes of an op that passes no gradient on (detach, shift).
    """
    order: list[Value] = []
    visited: set[Value] = set()
    # a weighted node's Inputs and Row are tuples shared with other nodes: once a node using
    # one is placed, every value in it has been visited, and later nodes skip it whole
    complete: set[Inputs | Row] = set()
    # depth-first with an explicit stack; a node pushed again with a marker above it is placed
    # when the marker is popped: its parents, pushed after that pair, were all placed by then
    stack: list[Any] = list(roots)
    pop, place, seen, push = stack.pop, order.append, visited.add, stack.extend
    known, done = visited.__contains__, complete.add
    while stack:
        node = pop()
        if node is None:
            place(pop())
            continue
        if node is _SHARED:  # a weighted node, placed: its tuples are complete
            node = pop()
            place(node)
            done(node._a)
            done(node._b)
            continue
        if node in visited:
            continue
        seen(node)
        arity = node._ARITY
        if arity == 0 or (cut is not None and node in cut) or (flowing and node._STOPS):
            place(node)
        elif arity == 2:  # the first argument is pushed last, so it is placed first
            stack += (node, None, node._b, node._a)
        elif arity == 1:
            stack += (node, None, node._a)
        else:  # parents visited already would be popped and skipped: they are not pushed
            parents, row = node._a, node._b
            if type(row) is Row:  # as node.parents, (b, w_1, x_1, ...), less what is complete
                if parents in complete:
                    if row in complete:  # every parent visited, so placed: the graph has no
                        place(node)  # cycle, and only a node's children wait for it
                        continue
                    parents = row[1:]
                elif row not in complete:
                    parents = interleaved(row[1], row[2:], parents)
                stack += (node, _SHARED)
            else:
                stack += (node, None)
                if type(parents) is not tuple:  # a DOT that + built: its first _b terms,
                    # b, w_1, x_1, ...: past b, mostly a layer's weights and inputs, visited
                    # already by the layer's other sums (asked in C, without a call per term)
                    if visited.issuperset(islice(parents, 1, row)):
                        if parents[0] not in visited:
                            stack.append(parents[0])
                        continue
                    parents = parents[:row]
            push(filterfalse(known, reversed(parents)))  # (filtered in C: a neuron's weights)
    return order


_SHARED = object()  # the marker of a weighted node (see toposort)
