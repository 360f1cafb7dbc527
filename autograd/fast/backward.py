"""The backward pass of the speed layer: the core's (``autograd/core/backward.py``), with
the gradients summed in the nodes' own slots rather than a dictionary and each node's float
rule a method of its class, some written out for their width. The same floats, in the same
order.

As in the core, a pass hands its gradients over when it ends: until then ``.grad`` shows,
in every thread, what it held before the pass or what was assigned to it since, never a
partial sum, and the pass's sum is added to that when it ends.
"""

from __future__ import annotations

import operator
import sys
import sysconfig
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import compress, filterfalse, islice, repeat
from math import copysign
from typing import Any

from autograd.core import backward as core_backward
from autograd.core import grad_mode, ops
from autograd.core.backward import check_toposort
from autograd.core.errors import undefined
from autograd.core.floats import FLOAT_MATH
from autograd.core.grad import checked_gradients, checked_values, grad_arguments, used
from autograd.core.ops import Op, interleaved, slope
from autograd.core.value import Grad, Value, accumulate, seed_of
from autograd.core.valuemath import VALUE_MATH
from autograd.fast import graph, unrolled
from autograd.fast.graph import Part
from autograd.fast.nodes import NODE_TYPES, TYPES, PerOp

# _g is the grad slot itself (autograd/fast/nodes.py); Value.grad is the property below
_GRAD, _DATA = operator.attrgetter("_g"), operator.attrgetter("data")
_NUMBERS = {float, int}  # a 0 or 0.0 gradient is summed onto in place
_FLOATS = {float}
_DOT = NODE_TYPES[ops.DOT]
_TABLE_TYPES = frozenset(TYPES | {Part})  # Value, Part and the node types of the table's ops
_TABLE_OPS = len(TYPES)  # TYPES grows with a node type for each op outside the table
_ABSENT: Any = object()
_DELETED: Any = object()  # (in _Pass.written) del v.grad during the pass


class _Pass:
    """A pass running now: its nodes, their gradients from before it and those assigned
    since, and, once it has run, the nodes whose sums are to be added (``aside``)."""

    __slots__ = ("_before", "again", "aside", "from_nothing", "order", "redo", "saved",
                 "written")

    def __init__(self, order: list[Any]) -> None:
        self.order = order
        self.saved: list[Grad] = []  # as each v.grad was when the pass began
        self.written: dict[Any, Grad] = {}  # v -> what was assigned to v.grad meanwhile
        self.aside: list[tuple[Any, Grad]] | None = None  # None: hand nothing over
        self._before: dict[Any, Grad] | None = None
        # (roots, seeds, steps) of a pass that summed some nodes onto 0.0 in place, and
        # the core's sums if it had to run again (see needs_again)
        self.redo: tuple[Sequence[Any], Sequence[Grad], list[Any]] | None = None
        self.again: list[tuple[Any, Grad]] | None = None
        self.from_nothing = False  # whether the zeros, too, were summed from nothing

    def before(self) -> dict[Any, Grad]:
        """v -> v.grad as the pass began (made when first asked: a read or write during the
        pass)."""
        if self._before is None:
            self._before = dict(zip(self.order, self.saved))
        return self._before

    def shown(self, v: Any) -> Any:
        """What ``v.grad`` shows while the pass runs, or _ABSENT if the pass holds no v."""
        g = self.written.get(v, _ABSENT)
        return self.before().get(v, _ABSENT) if g is _ABSENT else g

    def end(self) -> None:
        """Hand the sums over, added to what each .grad shows: every sum is made before any
        is written, so that if one fails, or without ``aside`` (grad(), a failed pass),
        each .grad is put back as it shows."""
        written = self.written
        deleted = [v for v, g in written.items() if g is _DELETED] if written else []
        if self.aside is not None and deleted:
            reached = next((v for v in deleted if self._reached(v)), None)
            if reached is not None:  # as the core's hand-over reads its deleted .grad
                self.aside = None
                self.end()
                raise _no_grad(reached, _GRAD)
        try:
            self._hand_over(written)
        finally:
            for v in deleted:
                del v._g

    def _reached(self, v: Any) -> bool:
        # whether the pass has a sum for v (its slot, set aside or not, was added to)
        if self.again is not None:
            return any(u is v for u, _ in self.again)
        g = v._g
        return g is not self.before()[v] and g is not _START and g is not _NOTHING

    def _hand_over(self, written: dict[Any, Grad]) -> None:
        aside = self.aside
        if aside is not None:
            try:
                if self.again is not None:  # the core's sums (see needs_again), added to
                    before = self.before()  # each .grad as it shows, over the pass's own
                    sums = [(v, _added(written.get(v, before[v]), g)) for v, g in self.again]
                    self._put_back(written)
                else:
                    sums = self._sums(aside, written)
            except BaseException:
                self.aside = None
                self._hand_over(written)
                raise
            for v, g in sums:
                v._g = g
            return
        self._put_back(written)

    def _put_back(self, written: dict[Any, Grad]) -> None:
        for v, old in zip(self.order, self.saved):
            v._g = written.get(v, old)

    def _sums(self, aside: list[tuple[Any, Grad]],
              written: dict[Any, Grad]) -> list[tuple[Any, Grad]]:
        # each .grad the pass changes, as it ends, later pairs overriding earlier ones
        sums = []
        if self.from_nothing:  # the nodes whose sums end a zero, or were not reached:
            gs = list(map(_GRAD, self.order))  # the zeros among them added here
            picked = (map(operator.not_, gs) if _FLOATS.issuperset(map(type, gs))
                      else map(_zero_or_other, gs))
            sums = [(v, _added(old, g)) for v, old, g in compress(
                zip(self.order, self.saved, gs), picked)]
        # summed from nothing; then those assigned during the pass but summed onto in
        # place, from their old 0 (see _backprop)
        sums += [(v, _added(written.get(v, old), v._g)) for v, old in aside]
        if written:
            put_aside = {v for v, _ in aside}
            sums += [(v, written[v] if v._g is old else _added(written[v], v._g))
                     for v, old in zip(self.order, self.saved)
                     if v in written and v not in put_aside]
        return sums

    def needs_again(self) -> bool:
        """Whether the pass must run again as the core's before it hands over.

        A sum onto 0.0 in place is the core's sum from nothing, but where that is -0.0: it
        ends 0.0 and passes on 0.0 * d for -0.0 * d. Added to the 0.0 that .grad held, that
        rounds alike; added to a -0.0 assigned during the pass, it does not. So where a
        .grad holding -0.0 was assigned during a pass that summed in place, and its sum
        ends a zero, the core's pass gives the sums (the table's rules, giving the same
        numbers again; a graph with rules of the user's sums nothing in place)."""
        if (self.aside is None or self.redo is None or self.again is not None
                or not self.written):  # (the usual case: nothing assigned during the pass)
            return False
        before = self.before()
        for v, g in self.written.items():
            if g is not _DELETED and _signed(g):
                s = v._g
                if s is not before[v] and s is not _START and type(s) in _NUMBERS and not s:
                    return True
        return False

    def run_again(self) -> list[tuple[Any, Grad]]:
        """The core's sums for this pass; not under _LOCK, as a hook on the rules it runs
        may wait for another thread that writes a .grad."""
        roots, seeds, steps = self.redo  # type: ignore[misc]
        grads = _core_pass(roots, seeds, False, steps)
        return [(v, g) for v, g in grads.items() if type(v) is not _Unfused]


# A pass sums its gradients in the nodes' grad slots, so two passes must not share a node:
# one that would runs the core's pass instead, which sums in a dictionary of its own and
# hands over with accumulate. No pass waits for another, so none can wait for itself.
# _RUNNING is replaced whole, and _begun counted, under _LOCK, so that a read sees one state.
_RUNNING: tuple[_Pass, ...] = ()
_LOCK = threading.RLock()
_begun = 0  # the passes begun so far


@contextmanager
def _held(order: list[Any]) -> Iterator[_Pass | None]:
    """The nodes of ``order`` held for one pass that sums in their slots, or None if a pass
    running now holds some of them, or one has no .grad (``del v.grad``): the core's pass
    then reads it as the core does."""
    global _RUNNING, _begun
    mine: _Pass | None = None
    try:
        try:
            with _LOCK:
                nodes = set(order) if _RUNNING else None  # a set only when another pass runs
                if nodes is None or all(nodes.isdisjoint(p.order) for p in _RUNNING):
                    held = _Pass(order)
                    # the gradients, then the pass made known, with no call or jump between
                    # (see _write): no .grad is written in between
                    held.saved = list(map(_GRAD, order))
                    _RUNNING += (held,)
                    mine = held
                    _begun += 1  # after _RUNNING: see _shown
        except AttributeError:  # a .grad deleted: nothing was held
            pass
        yield mine
    finally:
        if mine is not None:
            failed: BaseException | None = None
            while True:
                if mine.needs_again():
                    try:
                        mine.again = mine.run_again()
                    except BaseException as e:  # (an interrupt): nothing is handed over
                        mine.aside, failed = None, e
                with _LOCK:
                    if mine.needs_again():  # one assigned since
                        continue
                    try:
                        mine.end()
                    finally:
                        _RUNNING = tuple(p for p in _RUNNING if p is not mine)
                    break
            if failed is not None:
                raise failed


def _read(v: Any) -> Grad:
    """``v.grad``: while a pass that holds v runs, what v.grad held before it or was assigned
    since, never a partial sum."""
    if not _RUNNING:  # (no pass begins between the test and the read: see _write)
        return v._g  # type: ignore[no-any-return]
    return _shown(v)


def _write(v: Any, g: Grad) -> None:
    """``v.grad = g``: while a pass that holds v runs, kept for the pass to add its sum to."""
    if g.__class__ is float and g == 0.0:
        _zero(g)
    if not _RUNNING:  # CPython 3.10-3.13 switch threads only at calls and jumps taken: none
        v._g = g  # comes between the test and the store, so no pass begins in between
        return
    _assign(v, g)


def _shown(v: Any) -> Grad:
    """``v.grad`` read on any interpreter: a value read while no pass began is no pass's
    partial sum."""
    while True:
        begun, running = _begun, _RUNNING
        for p in running:
            g = p.shown(v)
            if g is _DELETED:  # as the core's slot reads once deleted
                raise _no_grad(v, _GRAD)
            if g is not _ABSENT:
                return g  # type: ignore[no-any-return]
        g = v._g
        if begun == _begun:
            return g  # type: ignore[no-any-return]


def _assign(v: Any, g: Grad) -> None:
    """``v.grad = g`` on any interpreter: under the lock with which passes begin and end."""
    if g.__class__ is float and g == 0.0:
        _zero(g)
    with _LOCK:
        for p in _RUNNING:
            if p.shown(v) is not _ABSENT:
                p.written[v] = g
                return
        v._g = g


# Whether a .grad was ever set to -0.0 (before the slot is written): a pass then sums
# nothing in place (see _backprop). Only a .grad set to -0.0 holds one: every sum that
# starts from 0.0 or from a nonzero gradient ends 0.0 or nonzero.
_negative_zeros = False


def _zero(g: float) -> None:
    global _negative_zeros
    if copysign(1.0, g) < 0.0:
        _negative_zeros = True


def _no_grad(v: Any, access: Callable[[Any], Any]) -> AttributeError:
    # the error that reading (or deleting) an empty grad slot of v's type gives, in the
    # interpreter's own words (they differ from 3.10 to 3.13)
    try:
        access(object.__new__(type(v)))
    except AttributeError as e:
        return e
    raise AssertionError("an empty grad slot was read")


def _delete(v: Any) -> None:
    """``del v.grad``, as of the core's slot: while a pass holds v, when the pass ends (which
    then fails, changing nothing, if it has a sum for v, as the core's does)."""
    with _LOCK:
        for p in _RUNNING:
            g = p.shown(v)
            if g is _DELETED:
                raise _no_grad(v, operator.methodcaller("__delattr__", "_g"))
            if g is not _ABSENT:
                p.written[v] = _DELETED
                return
        del v._g


_DOC = "d(output)/d(this value), summed over the backward passes so far"
GRAD_WITH_GIL = property(_read, _write, _delete, doc=_DOC)
GRAD_ANYWHERE = property(_shown, _assign, _delete, doc=_DOC)
# where threads run at once or may switch anywhere (3.14, free-threaded, PyPy), every read
# and write takes the careful way
GRAD = (GRAD_WITH_GIL if sys.implementation.name == "cpython" and sys.version_info < (3, 14)
        and not sysconfig.get_config_var("Py_GIL_DISABLED") else GRAD_ANYWHERE)


def _accumulate(grads: Iterable[tuple[Any, Grad]]) -> None:
    """The core's hand-over (a .grad read, then written), under the lock a pass hands over
    with, so that the two never interleave."""
    with _LOCK:
        accumulate(grads)


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``.grad`` of every value to 0.0 (gradients accumulate until you do)."""
    values = _values(values)
    with _LOCK:  # all together: no pass begins or ends in between
        if _RUNNING:
            for v in values:
                _assign(v, 0.0)
        else:
            for v in values:
                v._g = 0.0  # type: ignore[attr-defined]


def gradients(values: Iterable[Value]) -> list[Grad]:
    """Each value's ``.grad``, read together: no backward pass hands over in between."""
    values = _values(values)
    with _LOCK:
        return list(map(_shown if _RUNNING else _GRAD, values))


def add_gradients(values: Iterable[Value], grads: Iterable[Grad]) -> None:
    """Add each gradient into its value's ``.grad``, together, as a backward pass does."""
    vs, gs = _values(values), list(grads)
    floats = len(vs) == len(gs) and _FLOATS.issuperset(map(type, gs))
    if not floats:
        vs, gs = checked_gradients(vs, gs)  # raises, or lets ints and Values through
    with _LOCK:
        if _RUNNING or not floats:
            _accumulate(zip(vs, gs))  # the core's, through Value.grad
            return
        olds = list(map(_GRAD, vs))
        try:
            for v, g in zip(vs, gs):
                v._g += g  # type: ignore[attr-defined]
        except BaseException:  # a sum onto a graph's gradient overflowed: none is added
            for v, old in zip(vs, olds):
                v._g = old  # type: ignore[attr-defined]
            raise


def _values(values: Iterable[Value]) -> list[Value]:
    # checked_values, with the engine's own types checked in C
    values = list(values)
    return values if TYPES.issuperset(map(type, values)) else checked_values(values)


def backward(root: Any, gradient: Grad | None, create_graph: bool) -> None:
    """Add d(root)/d(v) * gradient (default 1.0) into ``v.grad`` for every v below root."""
    seed = 1.0 if gradient is None else seed_of(gradient)
    split: list[Any] = []
    steps = graph.steps([root], split)
    with _held(steps + split if split else steps) as held:
        if held is None:  # some of these nodes are another pass's: the core's pass
            grads = _core_pass([root], [seed], create_graph, steps)
            _accumulate((v, g) for v, g in grads.items() if type(v) is not _Unfused)
            return
        held.aside = _backprop((root,), (seed,), create_graph, False, held, steps)


def _added(old: Grad, g: Grad) -> Grad:
    # grads are added, as in PyTorch; a graph-carrying gradient replaces a plain 0.0
    if g is _NOTHING or g is _START:  # not reached, or only through ops with no derivative
        return old
    if isinstance(g, Value) and type(old) is float and old == 0.0:
        return g
    return old + g


class _Nothing:
    """The gradient before any contribution: nothing + g is g (no 0.0 + g node is built)."""

    def __add__(self, other: Grad) -> Grad:
        return other


_NOTHING: Any = _Nothing()
_START = -0.0  # a float pass's nothing: -0.0 + g is g, for every g (and a new float)


def _backprop(roots: Sequence[Any], seeds: Sequence[Grad], create_graph: bool, fresh: bool,
              held: _Pass, steps: list[Any]) -> list[tuple[Any, Grad]]:
    """Sum d(sum of seed * root)/d(v) in the grad slot of every v below the roots (the nodes
    ``held``, in the order of ``steps``); returns the nodes put aside, with their old
    gradients.

    A node whose gradient was 0.0 (or 0) is summed onto in place (0.0 + g1 + g2 + ... rounds
    as g1 + g2 + ... then + 0.0 would, but where that is -0.0); others, or every node when
    ``fresh``, are put aside: they start from nothing, and their sums are added when the
    pass ends. If the pass fails, ``held.end()`` puts every gradient back.
    """
    if create_graph and not grad_mode.enabled.get():  # derivatives as a graph, even in no_grad
        with grad_mode.enable_grad():
            return _backprop(roots, seeds, create_graph, fresh, held, steps)
    order, saved = held.order, held.saved
    if core_backward.debug:  # the steps, each cut sum in its top Part's place
        check_toposort([v.node if type(v) is Part else v for v in steps
                        if type(v) is not Part or v.top], flowing=True)
    # a Value seed makes every gradient a Value, as create_graph does: each starts from
    # nothing, as in the core's dictionary (no 0.0 + g node, no -0.0 for a zero's sign)
    graphs = create_graph or not _FLOATS.issuperset(map(type, seeds))
    nothing = False  # whether the zeros, too, start from nothing
    if fresh or graphs:
        aside = list(zip(order, saved))
    elif _NUMBERS.issuperset(map(type, saved)):  # the usual case, sorted out in C
        aside = list(zip(compress(order, saved), compress(saved, saved)))  # nonzero, NaN
        # summed onto in place, a value whose gradients are all -0.0 would pass on 0.0 +
        # -0.0, that is 0.0, where the core's pass passes on -0.0, and a -0.0 before the
        # pass + 0.0 would end 0.0; a rule of the user's may set one during the pass, and
        # such a pass cannot run again (see _Pass.needs_again)
        nothing = (_negative_zeros and min(map(copysign, repeat(1.0), filterfalse(None, saved)),
                                           default=1.0) < 0.0) or _users_rules(order)
    elif _users_rules(order) or any(map(_signed, saved)):
        aside = list(zip(order, saved))  # (as above)
    else:
        aside = [(v, g) for v, g in zip(order, saved) if type(g) not in _NUMBERS or g != 0.0]
    if nothing:  # the zeros' sums are added when the pass ends too (see _Pass.end)
        for v in compress(order, map(operator.not_, saved)):
            v._g = _START
        held.from_nothing = True
    elif len(aside) < len(order):
        held.redo = roots, seeds, steps
    start: Any = _NOTHING if graphs else _START
    for v, _ in aside:
        v._g = start
    nodes = reversed(steps)
    for root, seed in zip(roots, seeds):
        root._g = root._g + seed
    if graphs:
        chains = _VALUE_CHAINS if create_graph else _SEEDED_CHAINS
        for v in nodes:  # every child of v came earlier: its gradient is complete
            chains[type(v)](v, v._g)
    else:
        for v in nodes:
            v._chain(v._g)
    return aside


def _users_rules(order: list[Any]) -> bool:
    # whether a node of an op outside the table (autograd.primitive) is among these
    return len(TYPES) > _TABLE_OPS and not TYPES.difference(_TABLE_TYPES).isdisjoint(
        map(type, order))


def _signed(g: Any) -> bool:
    # whether adding a zero to g may show the zero's sign: g a float's or a Value's -0.0,
    # or a number of another kind (NumPy's, complex), whose zeros' signs are its own
    if isinstance(g, Value):
        g = g.data
    if isinstance(g, float):
        return g == 0.0 and copysign(1.0, g) < 0.0
    return type(g) is not int


def _zero_or_other(g: Any) -> bool:
    # a sum that ends a zero, or that is not a float (a user's rule gave a Value)
    return type(g) is not float or not g


Chain = Callable[[Value, Any], None]


def _chain(op: Op, graph: bool) -> Chain:
    """The chain rule through one node of ``op``: each parent's gradient += g * d(out)/d(parent).

    Every derivative is computed before any gradient changes; where the rule raises, the
    derivatives are the core's for a point with none (NaN, or an error naming the op). With
    ``graph`` the rule runs on Values.
    """
    partials = op.partials  # (m, out, args, param) -> one derivative per argument
    m: Any = VALUE_MATH if graph else FLOAT_MATH
    has_param = op.param is not None

    factor = op.factor

    def chain(v: Any, g: Any) -> None:
        parents = v.parents
        k = v.param if has_param else None
        out, args = (v, parents) if graph else (v.data, list(map(_DATA, parents)))
        try:  # (as the core's local_derivatives)
            outer = factor(m, out, k) if factor is not None else None
            ds = partials(m, out, args, k)
        except (ArithmeticError, ValueError) as e:
            outer, ds = None, undefined(op, [p.data for p in parents], k, e)
        if outer is not None:  # through the outer op first: a neuron's act'(out)
            g = g * outer
        for p, d in zip(parents, ds):
            p._g += g * d

    if op is ops.DOT:  # (used with Values for gradients: see _backprop)
        def dot_chain(v: Any, g: Any) -> None:
            if type(v._a) is list:  # a DOT that + built: as its unfused sums
                _sums_on_values(v._a, 1, v._b >> 1, g, None, graph)
            else:
                chain(v, g)
        return dot_chain
    return chain


def _sums_on_values(terms: Sequence[Any], lo: int, hi: int, g: Any, below: Any,
                    graph: bool) -> None:
    """The rules of the unfused sums s_hi, ..., s_lo (s_i = s_(i-1) + w_i x_i, s_0 = b)
    with gradients that are Values, each as the core runs ADD's rule, then MUL's for its
    product (on Values with ``graph``, else on floats): so the gradients are the graphs the
    core builds (with its g * 1.0 nodes), not only the same numbers. ``below`` is the Part
    of s_(lo-1) when lo > 1."""
    m = VALUE_MATH if graph else FLOAT_MATH
    d_sum, d_product = ops.ADD.partials(m, None, (None, None), None)
    for i in range(hi, lo - 1, -1):
        w, x = terms[2 * i - 1], terms[2 * i]
        down = g * d_sum  # the gradient of s_(i-1), or b's share
        if i == 1:
            terms[0]._g += down
        elif i == lo:
            below._g += down
        product = g * d_product
        dw, dx = ops.MUL.partials(m, None, (w, x) if graph else (w.data, x.data), None)
        w._g += product * dw
        x._g += product * dx
        g = down


def _part_chain(part: Part, g: float) -> None:
    """The float rules of the unfused sums a Part stands for (autograd/fast/graph.py): each
    sum's gradient is the DOT's (times 1.0), and they add as ``_sum_products`` does."""
    terms, g = part.node._a, part.node._g
    if part.lo == 1:
        _sum_products(terms[:2 * part.hi + 1], g)
    else:
        _pairs_down(terms, part.lo, part.hi, g)


def _part_chains(graph: bool) -> Chain:
    def part_chain(part: Any, g: Any) -> None:
        """A Part's sums with Values for gradients: the top Part has the DOT's gradient, the
        others their own."""
        _sums_on_values(part.node._a, part.lo, part.hi, part.node._g if part.top else g,
                        part.below, graph)
    return part_chain


class _Unfused:
    """One of the core's unfused sums or products in place of a DOT that + built, for the
    core's pass (see _core_pass)."""

    __slots__ = ("op", "parents")
    param = None
    data = 0.0  # (the rules of ADD and MUL do not read their output)

    def __init__(self, op: Op, parents: tuple[Any, ...]) -> None:
        self.op, self.parents = op, parents


def _core_pass(roots: Sequence[Any], seeds: Sequence[Grad], create_graph: bool,
               steps: list[Any]) -> dict[Any, Grad]:
    """The core's pass over the graph as the core would have made it: each DOT that + built
    as its unfused sums and products, in the order of the core's (Parts show where)."""
    order: list[Any] = []
    tops: dict[Any, tuple[Any, Any]] = {}  # a DOT -> its last sum's arguments
    below: dict[Any, Any] = {}  # a DOT -> its sum made last, going up
    for v in steps:
        if type(v) is Part or (type(v) is _DOT and type(v._a) is list):
            node, lo, hi = (v.node, v.lo, v.hi) if type(v) is Part else (v, 1, v._b >> 1)
            terms = node._a
            s = below.get(node, terms[0])
            for i in range(lo, hi + 1):
                product = _Unfused(ops.MUL, (terms[2 * i - 1], terms[2 * i]))
                order.append(product)
                if i == hi == node._b >> 1:
                    tops[node] = (s, product)
                    order.append(node)
                else:
                    s = _Unfused(ops.ADD, (s, product))
                    order.append(s)
            below[node] = s
        else:
            order.append(v)

    def edges(v: Any, partials: Sequence[Any]) -> Iterable[tuple[Any, Any]]:
        top = tops.get(v)
        if top is None:
            return zip(v.parents, partials)
        return zip(top, ops.ADD.partials(FLOAT_MATH, v.data, (0.0, 0.0), None))

    return core_backward.backprop(roots, seeds, create_graph, edges, order)


def _products(terms: Sequence[Any], g: float) -> None:
    # b + w_1 x_1 + w_2 x_2 + ...: d/db = 1, d/dw_i = x_i, d/dx_i = w_i, in argument order
    terms[0]._g += g
    pairs = islice(terms, 1, None)
    for w, x in zip(pairs, pairs):
        w._g += g * x.data
        x._g += g * w.data


def _sum_products(terms: Sequence[Any], g: float) -> None:
    # a DOT that + built, its terms in the order of its unfused sums (unrolled.unfused)
    _pairs_down(terms, 2, len(terms) >> 1, g)
    _products(terms[:3], g)


def _pairs_down(terms: Sequence[Any], lo: int, hi: int, g: float) -> None:
    # pairs hi, hi - 1, ..., lo of b, w_1, x_1, ...: d/dw_i = x_i, d/dx_i = w_i
    for i in range(2 * hi - 1, 2 * lo - 2, -2):
        w, x = terms[i], terms[i + 1]
        w._g += g * x.data
        x._g += g * w.data


def _row_products(xs: Sequence[Value], row: Sequence[Any], g: float) -> None:
    _products(interleaved(row[1], row[2:], xs), g)


# pairs -> DOT's float rule written out for that many (autograd/unrolled.py), for a node's
# inputs and Row, or for the terms of a DOT that + built; the loops above for longer sums
_ROW_PRODUCTS: dict[int, Callable[[Sequence[Value], Sequence[Any], float], None]] = PerOp(
    lambda n: unrolled.chain_function((n, False)) if n <= unrolled.MAX_WIDTH else _row_products)
_TERM_PRODUCTS: dict[int, Callable[[Sequence[Value], float], None]] = PerOp(
    lambda n: unrolled.chain_function((n, True)) if n <= unrolled.MAX_WIDTH else _sum_products)


def _dot_chain(v: Any, g: float) -> None:
    """DOT's float rule (a weighted sum's many edges), as its partials say; a DOT that +
    built sees the first v._b terms of its list."""
    xs, row = v._a, v._b
    if type(xs) is list:  # the last sum of a list sees all of it (no copy)
        _TERM_PRODUCTS[row >> 1](xs if len(xs) == row else xs[:row], g)
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
        try:
            (d,) = partials(m, v.data, (a.data,), v._b)
        except (ArithmeticError, ValueError) as e:  # (see _chain)
            (d,) = undefined(op, [a.data], v._b, e)
        a._g += g * d

    def binary(v: Any, g: float) -> None:
        a, b = v._a, v._b
        try:
            da, db = partials(m, v.data, (a.data, b.data), None)
        except (ArithmeticError, ValueError) as e:  # (see _chain)
            da, db = undefined(op, [a.data, b.data], None, e)
        a._g += g * da
        b._g += g * db

    return {1: unary, 2: binary}.get(op.arity) or _chain(op, graph=False)


# float rules written out for speed: tests/test_backward.py checks them bit for bit against a
# dictionary pass over the table's rules (NEURON's as act's rule, then DOT's),
# tests/test_nodes.py against the unfused act(dot(...))
WRITTEN_OUT: dict[Op, Chain] = {ops.DOT: _dot_chain, ops.NEURON: _neuron_chain}

# node type -> its chain rule on Values (create_graph); other ops' rules are made on first use
_VALUE_CHAINS: dict[type[Any], Chain] = PerOp(
    lambda node: _chain(node._OP, graph=True) if node._OP.differentiable else _no_chain)
# node type -> its chain rule on floats for gradients that are Values (a Value seed without
# create_graph): each multiplication and addition the core's makes, none skipped (g * 1.0)
_SEEDED_CHAINS: dict[type[Any], Chain] = PerOp(
    lambda node: _chain(node._OP, graph=False) if node._OP.differentiable else _no_chain)


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
    """Give each node type its float rule as a method, v._chain(g): the quickest dispatch;
    and Value.grad the reads and writes above."""
    Value._OP, Value._ARITY = ops.LEAF, 0  # type: ignore[attr-defined]
    # the grad slot, as the passes sum into it, named _g; Value.grad shows it as a user may
    # read it, without the partial sums of a pass running now
    if "_g" not in vars(Value):
        Value._g = vars(Value)["grad"]  # type: ignore[attr-defined]
    Value.grad = GRAD  # type: ignore[assignment, misc]
    for node in NODE_TYPES.values():
        node._chain = _float_chain(node._OP)
    Value._chain = _first_chain  # type: ignore[attr-defined]
    Part._chain = _part_chain  # type: ignore[attr-defined]
    _VALUE_CHAINS[Part] = _part_chains(graph=True)
    _SEEDED_CHAINS[Part] = _part_chains(graph=False)


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
         grad_outputs: Grad | Sequence[Grad] | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> list[Grad]:
    """d(outputs)/d(inputs) as a list, like torch.autograd.grad; no ``.grad`` is changed."""
    outs, ins, seeds = grad_arguments(outputs, inputs, grad_outputs)
    split: list[Any] = []
    steps = graph.steps(outs, split)
    with _held(steps + split if split else steps) as held:
        if held is None:  # some of these nodes are another pass's: the core's pass
            grads = _core_pass(outs, seeds, create_graph, steps)
            return used(ins, [grads.get(x) for x in ins], allow_unused)
        _backprop(outs, seeds, create_graph, True, held, steps)  # held.end() puts .grad back
        reached = set(held.order)
        # reached only through ops with no derivative (detach): as good as unused
        found = [_GRAD(x) if x in reached and _GRAD(x) is not _NOTHING
                 and _GRAD(x) is not _START else None for x in ins]
    return used(ins, found, allow_unused)
