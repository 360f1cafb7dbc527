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

To find them, such a sum is pushed pair by pair, with a mark after each pair noting where
its nodes end, and watched from the end of its pair 1 to its place: its terms are in a set,
and a node reached meanwhile with one of them as a parent, and of the pairs placed so far
(or b), cuts the sum after those pairs (seldom: never in an MLP or microgpt's step, whose
sums' terms are computed apart). A sum inside _DEEPEST watched ones is cut after every pair
that places a node instead, as exact, so that the sort stays linear in a recurrence.
"""

from __future__ import annotations

import operator
from collections.abc import Container, Iterable
from itertools import filterfalse, islice
from typing import Any

from autograd.core.ops import interleaved
from autograd.core.value import Value
from autograd.fast.nodes import Inputs, Row

_ARITIES = operator.attrgetter("_ARITY")


class Part:
    """Pairs lo..hi of a DOT that + built, one step of a backward pass: the unfused sums
    s_lo, ..., s_hi, which add into their pairs' terms and into ``below`` (the Part of the
    pairs before, or with lo = 1 the DOT's first term b). The ``top`` Part, pairs lo..n, takes
    the DOT's place and its gradient; the others keep theirs, as the core's sums do."""

    __slots__ = ("_g", "below", "hi", "lo", "node", "top")

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
    lower: list[tuple[int, int, Part]] = []  # (place, -(when made), a cut sum's lower Part)
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
        if node.__class__ is _Window:  # a pair of a sum placed: see _watch
            ends = node.ends
            ends.append(len(order))
            if len(ends) == node.n:  # the last: the sum is placed, cut or not
                if node.watching:
                    windows.pop()
                    watched.difference_update(node.terms)
                    watched.update(node.shared)
                _place(node, order, split, lower)  # type: ignore[arg-type]
            elif len(ends) == 1 and node.watching:  # pair 1: its terms are watched until then
                if windows:  # (those that sums around watch too)
                    node.shared = watched.intersection(node.terms)
                watched.update(node.terms)
                windows.append(node)
            elif node.earlier is not None:  # the terms of the pairs placed, once asked for
                node.earlier.update(node.terms[2 * len(ends) - 1:2 * len(ends) + 1])
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
                    _watch(node, parents[:row], stack, len(windows) < _DEEPEST)
                    continue
                stack += (node, None)
                parents = parents[:row]
            else:
                if watched and not watched.isdisjoint(parents):
                    _mark(windows, parents)
                stack += (node, None)
            push(filterfalse(known, reversed(parents)))  # (filtered in C: a neuron's weights)
    return _with_parts(order, lower) if lower else order


def _with_parts(order: list[Any], lower: list[tuple[int, int, Part]]) -> list[Any]:
    # the lower Parts of the sums cut, put in once the order is complete (rather than each
    # moving all that follows it): each before what was at its place, a sum's Part before
    # those of the sums inside it, made earlier, at the same place
    steps: list[Any] = []
    done = 0
    for at, _, part in sorted(lower, key=_PLACE):
        steps += order[done:at]
        steps.append(part)
        done = at
    steps += order[done:]
    return steps


_PLACE = operator.itemgetter(0, 1)


class _Window:
    """A sum that + built, pushed pair by pair with itself after each pair, to note where
    its nodes end; watched from the end of its pair 1 to its place, or cut after every pair
    that places a node (see toposort)."""

    __slots__ = ("cuts", "earlier", "ends", "n", "node", "shared", "terms", "watching")

    def __init__(self, node: Any, terms: list[Any], watching: bool) -> None:
        self.node, self.terms, self.watching = node, terms, watching
        self.n = len(terms) >> 1
        self.ends: list[int] = []  # where each pair's nodes end, as they are placed
        self.shared: set[Any] = set()  # its terms that sums around watch too
        self.cuts: set[int] = set()  # the pairs after which it is cut
        self.earlier: set[Any] | None = None  # b and the terms of the pairs placed


_SHARED = object()  # the marker of a weighted node (see toposort)
_DEEPEST = 8  # sums watched inside one another at most: deeper ones are cut after each pair


def _watch(node: Any, terms: list[Any], stack: list[Any], watching: bool) -> None:
    # the sum's terms pushed pair by pair, the window after each pair; a sum inside
    # _DEEPEST watched ones (a recurrence, h = b + w1*x + w2*h, step after step) is not
    # watched, as that would cost the steps inside it each time: it is cut after every pair
    # that places a node, as the core places its sums too
    window = _Window(node, terms, watching)
    marks = [window] * (3 * window.n)  # (window, x_k, w_k) from k = n
    marks[1::3], marks[2::3] = terms[-1:0:-2], terms[-2:0:-2]
    stack += marks
    stack.append(terms[0])


def _mark(windows: list[_Window], parents: Iterable[Any]) -> None:
    # a node with a term of a watched sum as a parent: the sum is cut after the pairs
    # placed so far (k) if one of the parents is a term of those (or b), as the core runs
    # this node's rule between its sums s_(k+1) and s_k
    for window in windows:
        k = len(window.ends)
        if k in window.cuts:
            continue
        earlier = window.earlier
        if earlier is None:
            earlier = window.earlier = set(window.terms[:2 * k + 1])
        if not earlier.isdisjoint(parents):
            window.cuts.add(k)


def _place(window: _Window, order: list[Any], split: list[Any],
           lower: list[tuple[int, int, Part]]) -> None:
    # the sum, cut after each pair k it must be (watched), or after each that placed a node:
    # the Part of the pairs up to k where pair k's nodes end, as the core places its sum
    # s_k, the top one in the sum's place
    node, ends = window.node, window.ends
    after = (sorted(window.cuts) if window.watching
             else [k for k in range(1, len(ends)) if ends[k] != ends[k - 1]])
    if not after:
        order.append(node)
        return
    below = None
    lo = 1
    for k in after:
        below = Part(node, lo, k, below, False)
        lower.append((ends[k - 1], -len(lower), below))
        lo = k + 1
    order.append(Part(node, lo, len(ends), below, True))
    split.append(node)
