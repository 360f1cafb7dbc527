"""The speed layer's topological order: the core's, reading the nodes' own slots and skipping
the tuples that weighted nodes share once they are complete.

A DOT that + built stands for the core's unfused sums s_i = s_(i-1) + w_i x_i. The core places
each product and sum right after the nodes first reached through its own terms, so its pass
adds a pair's products, then runs the rules of the nodes first reached through the next pair,
then adds the next pair's. The DOT adds all its pairs at once: the same sums, unless one of
those nodes adds into a term of an earlier pair (a term computed from another, as c*x in
a + b*x + c*x*x). The order of a backward pass (``steps``) holds such a sum cut into
Parts, placed as the core places its sums, so that every gradient is added in the core's
order.

To find them at little cost, the sort watches each such sum from the end of its pair 1 to
its place: its terms are in a set, and a node reached meanwhile with one of them as a parent
marks the sum (seldom: never in an MLP or microgpt's step, whose sums' terms are computed
apart). A marked sum is then cut where the nodes of a pair add into a term of the pairs
before (``_cut``).
"""

from __future__ import annotations

import operator
from collections.abc import Container, Iterable
from itertools import filterfalse, islice
from typing import Any

from autograd.core.ops import VARIADIC, interleaved
from autograd.core.value import Value
from autograd.fast.nodes import Inputs, Row

_ARITIES = operator.attrgetter("_ARITY")


class Part:
    """Pairs lo..hi of a DOT that + built, one step of a backward pass: the unfused sums
    s_lo, ..., s_hi, which add into their pairs' terms and into ``below`` (the Part of the
    pairs before, or with lo = 1 the DOT's first term b). The ``top`` Part, pairs lo..n, takes
    the DOT's place and its gradient; the others keep theirs, as the core's sums do."""

    __slots__ = ("_g", "below", "hi", "lo", "node", "top")
    _ARITY = VARIADIC  # (a step with a rule, adding into its DOT's terms: see _adds_into)

    def __init__(self, node: Any, lo: int, hi: int, below: Part | None, top: bool) -> None:
        self.node, self.lo, self.hi, self.below, self.top = node, lo, hi, below, top
        self._g: Any = 0.0  # a float pass reads the DOT's; one on Values sums here

    def __repr__(self) -> str:
        return f"<pairs {self.lo}..{self.hi} of {self.node!r}>"


def toposort(roots: Iterable[Value], cut: Container[Value] | None = None,
             flowing: bool = False) -> list[Value]:
    """Every node reachable from ``roots``, each after all of its parents.

    Nodes in ``cut`` are taken as leaves: what lies only below them is not reached; with
    ``flowing``, so are nodes of an op that passes no gradient on (detach, shift).
    """
    return _sorted(list(roots), cut, flowing, None)


def steps(roots: Iterable[Value], split: list[Value]) -> list[Any]:
    """The steps of a backward pass from ``roots``: their toposort (flowing), where each DOT
    that + built whose pairs must be added apart, to add as the core's sums do, is appended
    to ``split`` and its place holds its Parts."""
    return _sorted(list(roots), None, True, split)


def _sorted(roots: list[Value], cut: Container[Value] | None, flowing: bool,
            split: list[Value] | None) -> list[Any]:
    # toposort, watching the sums that + built when ``split`` is given (see steps)
    order: list[Any] = []
    visited: set[Value] = set()
    # a weighted node's Inputs and Row are tuples shared with other nodes: once a node using
    # one is placed, every value in it has been visited, and later nodes skip it whole
    complete: set[Inputs | Row] = set()
    watched: set[Any] = set()  # the terms of the sums being watched
    windows: list[_Window] = []  # those sums, the innermost last
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
        if node.__class__ is _Window:  # see _watch
            if node.start < 0:  # pair 1 placed: the sum's terms are watched until it is
                node.start = len(order)
                if windows:  # the terms that sums around watch too
                    node.shared = watched.intersection(node.terms)
                watched.update(node.terms)
                windows.append(node)
            else:
                windows.pop()
                watched.difference_update(node.terms)
                watched.update(node.shared)
                if node.marked:
                    _cut(node.node, node.start, order, split)  # type: ignore[arg-type]
                else:
                    place(node.node)
            continue
        seen(node)
        arity = node._ARITY
        if arity == 0 or (cut is not None and node in cut) or (flowing and node._STOPS):
            place(node)
        elif arity == 2:  # the first argument is pushed last, so it is placed first
            a, b = node._a, node._b
            if watched and (a in watched or b in watched):
                _mark(windows, (a, b))
            stack += (node, None, b, a)
        elif arity == 1:
            a = node._a
            if watched and a in watched:
                _mark(windows, (a,))
            stack += (node, None, a)
        else:  # parents visited already would be popped and skipped: they are not pushed
            parents, row = node._a, node._b
            if type(row) is Row:  # as node.parents, (b, w_1, x_1, ...), less what is complete
                if watched:
                    parents = interleaved(row[1], row[2:], parents)
                    if not watched.isdisjoint(parents):
                        _mark(windows, parents)
                elif parents in complete:
                    if row in complete:  # every parent visited, so placed: the graph has no
                        place(node)  # cycle, and only a node's children wait for it
                        continue
                    parents = row[1:]
                elif row not in complete:
                    parents = interleaved(row[1], row[2:], parents)
                stack += (node, _SHARED)
            elif type(parents) is not tuple:  # a DOT that + built: its first _b terms,
                # b, w_1, x_1, ...: past b, mostly a layer's weights and inputs, visited
                # already by the layer's other sums (asked in C, without a call per term)
                if watched and not watched.isdisjoint(islice(parents, row)):
                    _mark(windows, parents[:row])
                if visited.issuperset(islice(parents, 1, row)):
                    stack.append(node)
                    stack.append(None)
                    if parents[0] not in visited:
                        stack.append(parents[0])
                    continue
                if split is not None and row > 3 and any(map(
                        _ARITIES, filterfalse(known, islice(parents, 3, row)))):
                    # two pairs or more, one reaching a node with a rule first: see _watch
                    _watch(node, parents[:row], stack)
                    continue
                stack += (node, None)
                parents = parents[:row]
            else:
                if watched and not watched.isdisjoint(parents):
                    _mark(windows, parents)
                stack += (node, None)
            push(filterfalse(known, reversed(parents)))  # (filtered in C: a neuron's weights)
    return order


class _Window:
    """A sum that + built, watched from the end of its pair 1 to its place (see toposort)."""

    __slots__ = ("marked", "node", "shared", "start", "terms")

    def __init__(self, node: Any, terms: list[Any]) -> None:
        self.node, self.terms = node, terms
        self.start = -1  # where pair 1's nodes end, once they are placed
        self.shared: set[Any] = set()
        self.marked = False  # whether a node reached meanwhile has a term as a parent


_SHARED = object()  # the marker of a weighted node (see toposort)


def _watch(node: Any, terms: list[Any], stack: list[Any]) -> None:
    # b and pair 1 pushed above the sum's window, pairs 2..n below it, then the window again,
    # which places the sum (or its Parts) once pairs 2..n are placed
    window = _Window(node, terms)
    stack.append(window)
    stack.extend(reversed(terms[3:]))
    stack += (window, terms[2], terms[1], terms[0])


def _mark(windows: list[_Window], parents: Iterable[Any]) -> None:
    # a node with a term of a watched sum as a parent: each such sum is marked, to be cut
    # where the core's order needs it (if a term of a later pair, it needs none)
    parents = set(parents)
    for window in windows:
        if not parents.isdisjoint(window.terms):
            window.marked = True


def _adds_into(v: Any, terms: set[Any]) -> bool:
    arity = v._ARITY
    if arity == 0:
        return False
    if type(v) is Part:
        v = v.node
    a, b = v._a, v._b
    if arity == 1:
        return a in terms
    if arity == 2:
        return a in terms or b in terms
    if type(b) is Row:
        return not (terms.isdisjoint(a) and terms.isdisjoint(b))
    return not terms.isdisjoint(islice(a, b) if type(a) is list else a)


def _cut(node: Any, start: int, order: list[Any], split: list[Any]) -> None:
    # the sum's pairs 2..n placed order[start:]: pair k's nodes end with those of its terms
    # first reached through it. It is cut after pair k where pair k + 1's nodes add into a
    # term of pairs 1..k (or b), each Part placed where its last sum is in the core's order,
    # the top one in the sum's place
    terms = node._a[:node._b]
    n = len(terms) >> 1
    # (a sum cut already has its top Part in its place)
    where = {v.node if type(v) is Part and v.top else v: i
             for i, v in enumerate(order[start:], start)}
    ends = [start]  # after pair 1, 2, ..., n
    for k in range(2, n + 1):
        end = ends[-1]
        for t in terms[2 * k - 1:2 * k + 1]:
            i = where.get(t, -1)
            if i >= end:
                end = i + 1
        ends.append(end)
    earlier = set(terms[:3])
    made: list[tuple[int, Part]] = []
    below = None
    lo = 1
    for k in range(1, n):
        at, stop = ends[k - 1], ends[k]
        if stop != at and any(_adds_into(v, earlier) for v in order[at:stop]):
            below = Part(node, lo, k, below, False)
            made.append((at, below))
            lo = k + 1
        earlier.update(terms[2 * k + 1:2 * k + 3])
    if not made:  # (only a term of a later pair was reached that way)
        order.append(node)
        return
    for at, part in reversed(made):  # from the last, so that the earlier places stay put
        order.insert(at, part)
    order.append(Part(node, lo, n, below, True))
    split.append(node)
