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
from bisect import bisect_right
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
    cuts = _Cuts()  # the Parts of the sums cut, placed when the order is complete
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
        if node.__class__ is _Window:  # see _watch and _apart
            if node.ends is not None:  # a pair placed
                node.ends.append(len(order))
                if len(node.ends) == len(node.terms) >> 1:
                    _cut_apart(node, order, split, cuts)  # type: ignore[arg-type]
            elif node.start < 0:  # pair 1 placed: the sum's terms are watched until it is
                node.start = len(order)
                if windows:  # the terms that sums around watch too
                    node.shared = watched.intersection(node.terms)
                watched.update(node.terms)
                windows.append(node)
            else:
                windows.pop()
                watched.difference_update(node.terms)
                watched.update(node.shared)
                if node.hits:
                    _cut(node, order, split, cuts)  # type: ignore[arg-type]
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
                _mark(windows, len(order), (a, b))
            stack += (node, None, b, a)
        elif arity == 1:
            a = node._a
            if watched and a in watched:
                _mark(windows, len(order), (a,))
            stack += (node, None, a)
        else:  # parents visited already would be popped and skipped: they are not pushed
            parents, row = node._a, node._b
            if type(row) is Row:  # as node.parents, (b, w_1, x_1, ...), less what is complete
                if watched:
                    parents = interleaved(row[1], row[2:], parents)
                    if not watched.isdisjoint(parents):
                        _mark(windows, len(order), parents)
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
                    _mark(windows, len(order), parents[:row])
                if visited.issuperset(islice(parents, 1, row)):
                    stack.append(node)
                    stack.append(None)
                    if parents[0] not in visited:
                        stack.append(parents[0])
                    continue
                if split is not None and row > 3 and any(map(
                        _ARITIES, filterfalse(known, islice(parents, 3, row)))):
                    # two pairs or more, one reaching a node with a rule first: see _watch
                    (_watch if len(windows) < _DEEPEST else _apart)(node, parents[:row], stack)
                    continue
                stack += (node, None)
                parents = parents[:row]
            else:
                if watched and not watched.isdisjoint(parents):
                    _mark(windows, len(order), parents)
                stack += (node, None)
            push(filterfalse(known, reversed(parents)))  # (filtered in C: a neuron's weights)
    return cuts.placed(order) if cuts.lower else order


class _Cuts:
    """The Parts of the sums cut: the top ones in the order as it grows, the lower ones
    put in when it is complete (at once, rather than each moving all that follows it)."""

    __slots__ = ("lower", "tops")

    def __init__(self) -> None:
        self.tops: dict[Any, Part] = {}  # each sum cut -> its top Part, in its place
        self.lower: list[tuple[int, int, Part]] = []  # (place, -(when made), Part)

    def placed(self, order: list[Any]) -> list[Any]:
        """The order with each lower Part before what was at its place (a sum's Part before
        those of the sums inside it, made earlier, at the same place)."""
        steps: list[Any] = []
        done = 0
        for at, _, part in sorted(self.lower, key=_PLACE):
            steps += order[done:at]
            steps.append(part)
            done = at
        steps += order[done:]
        return steps


_PLACE = operator.itemgetter(0, 1)


class _Window:
    """A sum that + built, watched from the end of its pair 1 to its place, or with
    ``ends``, cut wherever a pair places a node (see toposort)."""

    __slots__ = ("ends", "hits", "node", "settled", "shared", "start", "terms")

    def __init__(self, node: Any, terms: list[Any], ends: list[int] | None = None) -> None:
        self.node, self.terms, self.ends = node, terms, ends
        self.start = -1  # where pair 1's nodes end, once they are placed
        self.shared: set[Any] = set()
        # (where the order ended, the terms) for each node reached meanwhile that has some
        # of the sum's terms as parents
        self.hits: list[tuple[int, set[Any]]] = []
        self.settled = False


_DEEPEST = 8  # sums watched inside one another at most; deeper ones are cut (_apart)


_SHARED = object()  # the marker of a weighted node (see toposort)


def _watch(node: Any, terms: list[Any], stack: list[Any]) -> None:
    # b and pair 1 pushed above the sum's window, pairs 2..n below it, then the window again,
    # which places the sum (or its Parts) once pairs 2..n are placed
    window = _Window(node, terms)
    stack.append(window)
    stack.extend(reversed(terms[3:]))
    stack += (window, terms[2], terms[1], terms[0])


def _apart(node: Any, terms: list[Any], stack: list[Any]) -> None:
    # a sum inside _DEEPEST watched ones (a recurrence: h = b + w1*x + w2*h, step after
    # step): watching each would cost the steps inside it, so it is cut after every pair
    # that places a node, as the core places its sums: pair by pair, each above the window
    # noting where its nodes end
    n = len(terms) >> 1
    window = _Window(node, terms, [])
    marks = [window] * (3 * n)  # (window, x_k, w_k) from k = n
    marks[1::3], marks[2::3] = terms[-1:0:-2], terms[-2:0:-2]
    stack += marks
    stack.append(terms[0])


def _mark(windows: list[_Window], at: int, parents: Iterable[Any]) -> None:
    # a node with a term of a watched sum as a parent, met when the order ended at ``at``:
    # each such sum notes it, to be cut where the core's order needs it (_cut)
    parents = set(parents)
    for window in windows:
        if window.settled:
            continue
        hit = parents.intersection(window.terms)
        if hit:
            window.hits.append((at, hit))
            # a sum of two pairs is cut after its pair 1 once a node among pair 2's has one
            # of b, w_1, x_1 as a parent: nothing more to note (a recurrence's sums)
            window.settled = len(window.terms) == 5 and not hit.isdisjoint(window.terms[:3])


def _cut_apart(window: _Window, order: list[Any], split: list[Any], cuts: _Cuts) -> None:
    ends = window.ends  # where each pair's nodes end
    assert ends is not None
    after = [k for k in range(1, len(ends)) if ends[k] != ends[k - 1]]
    _place(window.node, after, ends, order, split, cuts)


def _cut(window: _Window, order: list[Any], split: list[Any], cuts: _Cuts) -> None:
    # a watched sum, its pairs 2..n placed past window.start: pair k's nodes end with those
    # of its terms first reached through it. It is cut after pair k where a node among pair
    # k + 1's has as a parent a term of pairs 1..k (or b): a node that adds into it
    node, terms, start = window.node, window.terms, window.start
    n = len(terms) >> 1
    ends = [start]  # after pair 1, 2, ..., n
    for k in range(2, n):
        end = ends[-1]
        for t in terms[2 * k - 1:2 * k + 1]:
            try:  # (a sum cut already has its top Part in its place)
                i = order.index(cuts.tops.get(t, t), end)
            except ValueError:  # reached before pair k: no node of its
                continue
            end = max(end, i + 1)
        ends.append(end)
    ends.append(len(order))
    first: dict[Any, int] = {}  # each term -> the first pair it is in (b: 1)
    for i, t in enumerate(terms):
        first.setdefault(t, (i + 1) >> 1 or 1)
    after = sorted({k for at, hit in window.hits if (k := bisect_right(ends, at)) < n
                    and min(first[t] for t in hit) <= k})
    _place(node, after, ends, order, split, cuts)


def _place(node: Any, after: list[int], ends: list[int], order: list[Any],
           split: list[Any], cuts: _Cuts) -> None:
    # the sum, cut after each pair k in ``after``: the Part of the pairs up to k where pair
    # k's nodes end (ends[k - 1]), as the core places its sum s_k; the top one in its place
    if not after:  # (only a term of pair k, or of a later one, was met among pair k's nodes)
        order.append(node)
        return
    below = None
    lo = 1
    for k in after:
        below = Part(node, lo, k, below, False)
        cuts.lower.append((ends[k - 1], -len(cuts.lower), below))
        lo = k + 1
    cuts.tops[node] = top = Part(node, lo, len(ends), below, True)
    order.append(top)
    split.append(node)
