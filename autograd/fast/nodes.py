"""Nodes made for speed: a class per op, products fused into sums, weighted sums in Rows.

The speed layer's nodes compute what the core's do (``autograd/core/value.py``), with the
same floats, in less time and memory. A node's class is its op: every op gets a subclass of
``Value`` that adds one slot, so a node costs five slots and its float. A node keeps one
parent in ``_a`` (the core's ``_from`` slot) and its parameter, or None, in ``_b``; two
parents in ``_a`` and ``_b``; many parents as a tuple in ``_a`` and the parameter in ``_b``,
except weighted sums (see ``Row``). Each maker ends alike (in grad mode a node of the op's
type, else a leaf, then its float and a zero gradient): written out in each rather than
called, as a call per node would cost about a tenth of making the node.
"""

from __future__ import annotations

import operator
import sys
import sysconfig
from collections.abc import Callable, Sequence
from typing import Any

from autograd.core import grad_mode, ops
from autograd.core.errors import as_written, checked, invalid, is_real, operand, to_float
from autograd.core.ops import VARIADIC, WEIGHTED, Op, interleaved
from autograd.core.value import Value

Number = int | float

_new: Callable[[type[Any]], Node] = object.__new__
_recording = grad_mode.enabled.get
_tracing = grad_mode.tracing.get
_data = operator.attrgetter("data")


class Node(Value):
    """A node of the speed layer: its op is its class, its parents in ``_a`` and ``_b``."""

    # Parents: unary ops keep theirs in _a (and their fixed parameter, or None, in _b); binary
    # ops in _a and _b; variadic ops a tuple in _a and their parameter in _b, except weighted
    # sums. A DOT or NEURON node keeps its inputs x_1..x_n (a tuple, shared by every neuron of
    # a layer) in _a and its Row (activation, b, w_1..w_n) in _b (shared by every sample);
    # a DOT that + built (see add below) keeps its terms b, w_1, x_1, ... as the first _b
    # entries of a list shared with the sums it grew from. _label is set only when given.
    __slots__ = ("_b",)
    _a: Any  # the core's slot _from (what a value was computed from), below: the first parent
    _g: Any  # the core's slot grad, as the passes sum it (named so by install, backward.py)
    _b: Any
    _OP: Op = ops.LEAF
    _ARITY = 0
    _STOPS = False  # whether the op passes no gradient on (detach, shift)

    @property
    def op(self) -> Op:
        """The primitive that produced this value."""
        return self._OP

    @property
    def parents(self) -> tuple[Any, ...]:
        """The values this one was computed from, in argument order."""
        arity = self._ARITY
        if arity == 2:
            return (self._a, self._b)
        if arity == 1:
            return (self._a,)
        if arity == VARIADIC:
            ps, b = self._a, self._b
            if type(b) is Row:  # (b, w_1, x_1, w_2, x_2, ...), as DOT's arguments are ordered
                return tuple(interleaved(b[1], b[2:], ps))
            return ps if type(ps) is tuple else tuple(ps[:b])
        return ()

    @property
    def fused(self) -> bool:
        """Whether ``+`` built this node from temporaries: a DOT drawn as it was written."""
        return self._ARITY == VARIADIC and type(self._a) is list

    @property
    def param(self) -> Any:
        """The fixed parameter of a parametrised op (the k of ``x ** k``, a leaky slope)."""
        if not self._OP.param:
            return None
        b = self._b
        return b[0] if type(b) is Row else b  # a neuron's activation is in its Row

    @property
    def label(self) -> str | None:
        """A name for drawings and compiled code, or None."""
        return getattr(self, "_label", None)

    @label.setter
    def label(self, label: str | None) -> None:
        Value.label.fset(self, label)  # type: ignore[attr-defined]


Node._a = vars(Value)["_from"]  # one slot, two names: Node's nodes have no tuple _from


class PerOp(dict[Any, Any]):
    """key -> what the engine makes for it, made on first use (for ops outside the table too)."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        self[key] = made = self.make(key)
        return made


class Shared(tuple):  # type: ignore[type-arg]
    """A tuple that weighted nodes share: equal only to itself and hashed by identity, so a
    set of them is kept in C without reading their items (autograd/graph.py)."""

    __slots__ = ()
    __hash__ = object.__hash__
    __eq__ = object.__eq__
    __ne__ = object.__ne__


class Row(Shared):
    """The fixed part of a weighted sum's node: (activation or None, b, w_1, ..., w_n), one
    tuple shared by every node made from the same row of weights."""

    __slots__ = ()


class Inputs(Shared):
    """The inputs x_1, ..., x_n of weighted nodes: one tuple for all the nodes of a layer."""

    __slots__ = ()



def _make_node_type(op: Op) -> type[Any]:
    # one subclass of Node per op, adding no slot: a node's type tells its op, as PyTorch's
    # grad_fn types do
    node = type(op.name, (Node,), {"__slots__": (), "_OP": op, "_ARITY": op.arity,
                                   "_STOPS": not op.differentiable, "__module__": __name__})
    TYPES.add(node)
    return node


NODE_TYPES: dict[Op, type[Any]] = PerOp(_make_node_type)  # op -> its node type
NODE_TYPES[ops.LEAF] = Value
TYPES: set[type] = {Value, Node}  # Value and the node types
for _op in (ops.CONST, *ops.OPS):
    NODE_TYPES[_op]


def _descendants(cls: type) -> list[type]:
    classes: list[type] = cls.__subclasses__()
    for sub in classes:
        classes += sub.__subclasses__()
    return classes


def _user_class(cls: type) -> bool:
    # a class of the user's: neither a node type nor one that keeps Value's identity
    return cls not in TYPES and not getattr(cls, "_IDENTITY_KEPT", False)


# Value's subclasses other than the node types made at import, each recorded as it is made
# (record_subclasses below): whether a user's is among them is then asked of a few classes,
# not of a walk over every node type. They are kept for good: one no longer used only makes
# the check slower.
_MADE: set[type] = set()


def subclassed() -> bool:
    """Whether Value has subclasses of a user's, whose == could be set after they are made
    (autograd/fast/weighted.py): not the node types, nor one that keeps Value's identity."""
    for cls in _MADE:
        if _user_class(cls):
            return True
        # below a class of ours, one made without passing through Value's __init_subclass__
        # (a class between them whose __init_subclass__ does not call super())
        if cls not in TYPES and cls.__subclasses__() and any(map(_user_class, _descendants(cls))):
            return True
    return False


def record_subclasses() -> None:
    """From now on, record each subclass of Value as it is made (with those made before).

    A node type defines no __init_subclass__: every class made below Value passes through
    Value's, but for those below a class whose own does not call super(); subclassed()
    looks below the recorded classes that are not the user's."""
    checked_subclass = vars(Value)["__init_subclass__"].__func__

    def __init_subclass__(cls: type, /, **kwargs: Any) -> None:
        checked_subclass(cls, **kwargs)  # a class Value refuses is not made
        _MADE.add(cls)

    _MADE.update(cls for cls in _descendants(Value) if cls not in TYPES)
    Value.__init_subclass__ = classmethod(__init_subclass__)  # type: ignore[assignment]


def _unary_maker(op: Op) -> Callable[[Value, Any], Value]:
    """The function making nodes of a one-argument op, checked as errors.py says."""
    forward, node = op.forward, NODE_TYPES[op]

    def unary(a: Any, param: Any) -> Value:
        x = a.data
        try:
            out = forward(x) if param is None else forward(x, param)
        except (ArithmeticError, ValueError) as e:
            out = invalid(*as_written(op, x, param), e)
        if out - out != 0.0:
            written, args = as_written(op, x, param)
            checked(written, out, args)
        if _recording():
            v = _new(node)
            v._a = a
            v._b = param
        elif grad_mode.traces and _tracing():
            return traced_without_grad(unary, a, param)
        else:
            v = _new(Value)
            v._from = v._label = None
        v.data = out
        v._g = 0.0
        return v
    return unary


def _binary_maker(op: Op) -> Callable[[Value, Any], Value]:
    """The function making nodes of a two-argument op, checked as errors.py says."""
    forward, node = op.forward, NODE_TYPES[op]
    with_number = ops.NUMBER_SECOND.get(op)

    def binary(a: Any, b: Value | Number) -> Value:
        if not isinstance(b, Value):  # a number is kept in the node (or becomes a constant)
            if with_number is not None:
                return UNARY[with_number](a, to_float(operand(op, b)))
            b = const(operand(op, b))
        x, y = a.data, b.data
        try:
            out = forward(x, y)
        except (ArithmeticError, ValueError) as e:
            out = invalid(op, (x, y), e)
        if out - out != 0.0:
            checked(op, out, (x, y))
        if _recording():
            v = _new(node)
            v._a = a
            v._b = b
        elif grad_mode.traces and _tracing():
            return traced_without_grad(binary, a, b)
        else:
            v = _new(Value)
            v._from = v._label = None
        v.data = out
        v._g = 0.0
        return v
    return binary


UNARY: dict[Op, Callable[[Value, Any], Value]] = PerOp(_unary_maker)
BINARY: dict[Op, Callable[[Value, Any], Value]] = PerOp(_binary_maker)


def unary(op: Op, a: Any, param: Any = None) -> Value:
    """A node of the one-argument ``op`` (with its fixed parameter, if any)."""
    return UNARY[op](a, param)


def binary(op: Op, a: Any | Number, b: Value | Number) -> Value:
    """A node of the two-argument ``op``; a number argument is kept in the node where the
    table has an op for that (ops.NUMBER_FIRST, NUMBER_SECOND), else a constant node."""
    if not isinstance(a, Value):
        first = ops.NUMBER_FIRST.get(op)
        if first is not None and isinstance(b, Value):
            return UNARY[first](b, to_float(operand(op, a)))
        a = const(operand(op, a))
    return BINARY[op](a, b)


def variadic(op: Op, args: Sequence[Value | Number], param: Any = None) -> Value:
    """A node of the many-argument ``op``; number arguments become constant nodes."""
    nodes: tuple[Value, ...] = tuple(args)  # type: ignore[arg-type]
    if not TYPES.issuperset(map(type, nodes)):  # numbers become constants
        nodes = tuple(v if isinstance(v, Value) else const(operand(op, v)) for v in args)
    if op in WEIGHTED and len(nodes) % 2 == 0:
        raise ValueError(f"{op.name} takes b, w_1, x_1, w_2, x_2, ...: an odd number of "
                         f"arguments, not {len(nodes)}")
    xs = list(map(_data, nodes))
    try:
        out = op.forward(xs) if param is None else op.forward(xs, param)
    except (ArithmeticError, ValueError) as e:
        out = invalid(op, xs, e)
    if out - out != 0.0:
        checked(op, out, xs)
    if not _recording():
        if grad_mode.traces and _tracing():
            return traced_without_grad(variadic, op, nodes, param)
        v = _new(Value)
        v._from = v._label = None
    elif op in WEIGHTED:
        v = _new(NODE_TYPES[op])
        v._a, v._b = Inputs(nodes[2::2]), Row((param, nodes[0], *nodes[1::2]))
    else:
        v = _new(NODE_TYPES[op])
        v._a, v._b = nodes, param
    v.data = out
    v._g = 0.0
    return v


def stopped(v: Any) -> Value:
    """detach(v) as a node (ops.DETACH): v's value, computed again wherever v is, with no
    gradient flowing back through it."""
    s = _new(NODE_TYPES[ops.DETACH])
    s._a = v
    s._b = None
    s.data = v.data
    s._g = 0.0
    return s


def traced_without_grad(make: Callable[..., Value], *args: Any) -> Value:
    """What ``make(*args)`` records inside no_grad while a function is traced: the node, as
    in grad mode, behind a detach node. Without tracing it would be a leaf, its number
    frozen into the compiled code; so it is computed again at every call, and no gradient
    flows through it, as no_grad promises."""
    with grad_mode.enable_grad():
        return stopped(make(*args))


def const(x: Number) -> Value:
    """A constant node: a number lifted into the graph (it gets no gradient of its own)."""
    v = _new(NODE_TYPES[ops.CONST])
    v.data = to_float(x)
    v._g = 0.0
    return v


# --- a + b, with products that nothing else holds fused into one DOT node ---
#
# sum(w * x for w, x in zip(ws, xs)) builds n products and n sums. A product that only the
# expression itself holds (sys.getrefcount tells) can never be seen again, so it need not
# become a node: the sum takes its two factors as a term, b + u1*w1 + u2*w2 + ..., with the
# same floats (each product is rounded, then added, as before). A running sum that only the
# expression holds grows the same way. Anything held elsewhere (a variable, a list) stays a
# node of its own, parent of the sum. This is NumPy's temporary elision, for graphs.

_ADD = ops.ADD
_add_plain = BINARY[_ADD]
_refs = sys.getrefcount
_MUL, _DOT = NODE_TYPES[ops.MUL], NODE_TYPES[ops.DOT]


def _temp_count() -> int:
    """What sys.getrefcount reports, inside an operator, for an operand only the caller holds
    (a temporary of an expression, sum()'s running total and items); -1, so that nothing
    fuses, on an interpreter where that differs from an operand held by a variable, or where
    the answer is in doubt."""
    if (sys.implementation.name != "cpython" or sys.version_info >= (3, 14)
            or sysconfig.get_config_var("Py_GIL_DISABLED")):
        return -1  # 3.14 pushes borrowed references: a variable's value looks temporary
    # a tracer or profiler that reads frame.f_locals (a debugger, a coverage tool) keeps the
    # probe's locals in a dict, one more reference each: counted then, a variable would later
    # look like a temporary. So the probe runs with this thread's tracer and profiler paused,
    # twice, and must find the same count; a tool of sys.monitoring (3.12, 3.13) may read
    # frames too: then nothing fuses
    trace, profile = sys.gettrace(), sys.getprofile()
    sys.settrace(None)
    sys.setprofile(None)
    try:
        counts = {_probe(), _probe()}
    finally:
        sys.setprofile(profile)
        sys.settrace(trace)
    monitoring = getattr(sys, "monitoring", None)
    if len(counts) != 1 or (monitoring is not None and any(
            monitoring.get_tool(tool) is not None for tool in range(6))):
        return -1
    return counts.pop()


def _probe() -> int:
    """The count of a temporary, if every temporary and none of the held operands has it."""
    seen: list[tuple[int, int]] = []

    class Probe:
        def __add__(self, other: Any) -> Probe:
            seen.append((_refs(self), _refs(other)))
            return Probe()

    def held() -> None:
        a, b = Probe(), Probe()
        a + b

    held()
    Probe() + Probe()
    # sum(): after its first addition (whose start the caller holds too), the running total
    # and the items are temporaries
    sum((Probe() for _ in range(3)), Probe())
    (held_a, held_b), temp, _, *temps = seen
    temps.append(temp)
    counts = {count for pair in temps for count in pair}
    if len(counts) != 1 or min(held_a, held_b) <= min(counts):
        return -1
    return counts.pop()


_TEMP = _temp_count()


class NotKept:
    """The gradient of a value fused into a sum as a temporary, found alive after all."""

    def __add__(self, other: Any) -> NotKept:
        return self  # a backward pass through the sum adds nothing here

    def __repr__(self) -> str:
        return ("<gradient not kept: this value was fused into a sum as a temporary (only "
                "a C extension, such as a NumPy object array, held it); keep it in a Python "
                "variable or list to get its gradient>")

    def _refuse(self, *args: Any) -> Any:
        raise TypeError(repr(self))

    __float__ = __mul__ = __rmul__ = __radd__ = __sub__ = __rsub__ = __truediv__ = _refuse


NOT_KEPT = NotKept()


def add(a: Any, b: Any) -> Value:
    """a + b (Value.__add__)."""
    # each operand's count: the caller's reference, this frame's, getrefcount's argument
    if type(b) is _MUL and _refs(b) == _TEMP and _recording():
        if type(a) is _DOT and _refs(a) == _TEMP:  # a grows by the term (u, w)
            terms = a._a  # a keeps seeing its first a._b terms only
            if type(terms) is list and len(terms) == a._b:
                out = a.data + b.data  # b.data is u * w, rounded: the float a + u * w
                if out - out != 0.0:
                    checked(_ADD, out, (a.data, b.data))
                a._g = b._g = NOT_KEPT
                terms += (b._a, b._b)
                v = _new(_DOT)
                v._a = terms
                v._b = len(terms)
                v.data = out
                v._g = 0.0
                return v
        return _products(a, b)
    if type(a) is _MUL and _refs(a) == _TEMP and _recording():  # u * w + b = b + u * w
        if not isinstance(b, Value):
            return _products(const(operand(_ADD, b)), a)
        # the core's pass reaches the product's values before b's, the fused sum b's
        # first: the same order for the rules of all but b's own, so only a leaf b
        if b._ARITY == 0:  # type: ignore[attr-defined]
            return _products(b, a)
    return _add_plain(a, b)


def radd(a: Any, b: Any) -> Value:
    """b + a for a number b (Value.__radd__): sum() starts from 0 + its first term."""
    if type(a) is _MUL and _refs(a) == _TEMP and _recording():
        return _products(const(operand(_ADD, b)), a)
    return _add_plain(a, b)  # a + b: the same float, b kept in the node


def _products(s: Any, product: Any) -> Value:
    """s + u * w as a new DOT node of the terms (s, u, w)."""
    x, y = s.data, product.data
    out = x + y  # y is u * w, rounded: the float s + u * w has always had
    if out - out != 0.0:
        checked(_ADD, out, (x, y))
    product._g = NOT_KEPT
    v = _new(_DOT)
    v._a = [s, product._a, product._b]
    v._b = 3
    v.data = out
    v._g = 0.0
    return v


# --- arguments ---

def is_operand(x: object) -> bool:
    """Whether x is a Value or a real number."""
    return isinstance(x, Value) or is_real(x)


def apply(op: Op, args: Sequence[Value | Number], param: Any = None) -> Value:
    """A new node of ``op`` on ``args`` (and its fixed parameter): the core's ``apply``."""
    if op.arity == 1:
        return UNARY[op](args[0], param)  # type: ignore[arg-type]
    if op.arity == 2:
        return binary(op, args[0], args[1])
    return variadic(op, args, param)
