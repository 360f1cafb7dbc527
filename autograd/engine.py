"""Value: one float, its gradient and the op that made it; the nodes of a graph are made here.

Every operator and method is one op of the table (``autograd/ops.py``): it computes the
forward value on floats, checks it, and records the op and its parents. The backward pass
(``autograd/backward.py``), grad mode (``autograd/grad_mode.py``) and functions of several
Values (``autograd/functions.py``) live in modules of their own.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Sequence
from typing import Any, Union

from autograd import grad_mode, ops
from autograd.errors import checked, invalid, with_param
from autograd.ops import Op

Number = int | float
Grad = Union[float, "Value"]


_new = object.__new__
_recording = grad_mode.enabled.get


def _unary_maker(op: Op) -> Callable[[Value, Any], Value]:
    """The function making nodes of a one-argument op, checked as errors.py says."""
    forward = op.forward

    def unary(a: Value, param: Any) -> Value:
        x = a.data
        try:
            out = forward(x) if param is None else forward(x, param)
        except (ArithmeticError, ValueError) as e:
            out = invalid(op, with_param(x, param), e)
        if out - out != 0.0:
            checked(op, out, with_param(x, param))
        if _recording():
            v = _new(_NODES[op])
            v._a = a
            v._b = param
        else:
            v = _new(Value)
        v.data = out
        v.grad = 0.0
        return v
    return unary


def _binary_maker(op: Op) -> Callable[[Value, Any], Value]:
    """The function making nodes of a two-argument op, checked as errors.py says."""
    forward = op.forward

    def binary(a: Value, b: Value | Number) -> Value:
        if not isinstance(b, Value):  # a number becomes a constant node
            b = _const(_operand(op, b))
        x, y = a.data, b.data
        try:
            out = forward(x, y)
        except (ArithmeticError, ValueError) as e:
            out = invalid(op, (x, y), e)
        if out - out != 0.0:
            checked(op, out, (x, y))
        if _recording():
            v = _new(_NODES[op])
            v._a = a
            v._b = b
        else:
            v = _new(Value)
        v.data = out
        v.grad = 0.0
        return v
    return binary


class PerOp(dict[Any, Any]):
    """key -> what the engine makes for it, made on first use (for ops outside the table too)."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        self[key] = made = self.make(key)
        return made


def _node_type(op: Op) -> type[Value]:
    """The node type of ``op``, made on first use (for ops outside the table too)."""
    node = _NODES.get(op)
    if node is None:
        # one subclass of Value per op, adding no slot: a node's type tells its op, as
        # PyTorch's grad_fn types do
        _NODES[op] = node = type(op.name, (Value,), {"__slots__": (), "_OP": op,
                                                     "_ARITY": op.arity, "__module__": __name__})
        _TYPES.add(node)
    return node


_NODES: dict[Op, type[Value]] = {}  # filled below Value, and by _node_type for other ops
_TYPES: set[type] = set()  # Value and its node types
_UNARY: dict[Op, Callable[[Value, Any], Value]] = PerOp(_unary_maker)
_BINARY: dict[Op, Callable[[Value, Any], Value]] = PerOp(_binary_maker)


def _method(op: Op, doc: str) -> Callable[[Value], Value]:
    """A Value method applying a one-argument op of the table."""
    unary = _UNARY[op]
    def method(self: Value) -> Value:
        return unary(self, None)
    method.__name__, method.__doc__ = op.name, doc
    return method


def _compare(order: Callable[[float, float], bool]) -> Callable[[Value, Value | Number], bool]:
    """An ordering of Values by their data, as for PyTorch's 0-d tensors."""
    def compare(self: Value, other: Value | Number) -> bool:
        _not_tracing()
        return order(self.data, _data(other))
    return compare


def _not_tracing() -> None:
    if grad_mode.tracing.get():
        raise TypeError("the code being traced compares a Value or asks its truth: the branch "
                        "taken now would be frozen into the compiled code for every sample; "
                        "compute without branching (relu, maximum, clamp) or train with "
                        "compiled=False")


def _operator(op: Op, reflected: bool = False) -> Callable[[Value, Value | Number], Value]:
    """A Value operator applying a two-argument op (``2 * x`` is mul(2, x): reflected)."""
    binary = _BINARY[op]
    if reflected:
        return lambda self, other: binary(_const(_operand(op, other)), self)
    return binary


class Value:
    """A scalar that remembers how it was computed, so that gradients can flow back to it."""

    # A node's class is its op: Value itself is a leaf, and each op of the table has a
    # subclass (see _NODES) that adds no slot, so a node costs five slots and its float.
    # Parents: unary ops keep theirs in _a (and their fixed parameter, or None, in _b); binary
    # ops in _a and _b; variadic ops keep a tuple in _a. _label is set only when given.
    __slots__ = ("_a", "_b", "_label", "data", "grad")
    data: float
    grad: Grad
    _a: Any
    _b: Any
    _label: str | None
    _chain: Callable[[Grad], None]  # the chain rule through this node (autograd/backward.py)
    _OP: Op = ops.LEAF
    _ARITY = 0

    def __init__(self, data: Number, label: str | None = None) -> None:
        self.data = _to_float(data)
        self.grad = 0.0
        if label is not None:
            self.label = label

    # --- what made this value (read by drawing, checking and compiling) ---

    @property
    def op(self) -> Op:
        """The primitive that produced this value (``ops.LEAF`` or ``ops.CONST`` for inputs)."""
        return self._OP

    @property
    def parents(self) -> tuple[Value, ...]:
        """The values this one was computed from, in argument order."""
        arity = self._ARITY
        if arity == 2:
            return (self._a, self._b)
        if arity == 1:
            return (self._a,)
        if arity == ops.VARIADIC:
            return self._a  # type: ignore[no-any-return]
        return ()

    @property
    def param(self) -> float | None:
        """The fixed parameter of a parametrised op (the k of ``x ** k``, a leaky slope)."""
        return self._b if self._OP.param else None

    @property
    def label(self) -> str | None:
        """A name for drawings and compiled code, or None."""
        try:
            return self._label
        except AttributeError:
            return None

    @label.setter
    def label(self, label: str | None) -> None:
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Value label must be a str or None, not {type(label).__name__}")
        self._label = label

    # --- arithmetic: each operator is one entry of the op table ---

    __add__, __radd__ = _operator(ops.ADD), _operator(ops.ADD, reflected=True)
    __mul__, __rmul__ = _operator(ops.MUL), _operator(ops.MUL, reflected=True)
    __truediv__, __rtruediv__ = _operator(ops.DIV), _operator(ops.DIV, reflected=True)
    __neg__ = _method(ops.NEG, "-x")
    __abs__ = _method(ops.ABS, "|x|")

    def __sub__(self, other: Value | Number) -> Value:
        # a - b = a + (-b): negation is exact, so nothing is lost in rounding
        return _binary(ops.ADD, self, -_operand(ops.ADD, other))

    def __rsub__(self, other: Number) -> Value:
        return _binary(ops.ADD, _operand(ops.ADD, other), -self)

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _binary(ops.POW, self, other)
        return _unary(ops.POWC, self, _to_float(_operand(ops.POWC, other)))  # k is a plain float

    def __rpow__(self, other: Number) -> Value:
        # a number base is a fixed parameter, not a constant node: no derivative is
        # computed for it (0 ** y has none, yet y's exists)
        return _unary(ops.RPOW, self, _to_float(_operand(ops.RPOW, other)))

    exp = _method(ops.EXP, "e to the power of this value.")
    expm1 = _method(ops.EXPM1, "e^x - 1, accurate near 0 (where exp(x) - 1 is not).")
    log = _method(ops.LOG, "Natural logarithm (needs a positive value).")
    log1p = _method(ops.LOG1P, "log(1 + x), accurate near 0 (needs x > -1).")
    sqrt = _method(ops.SQRT, "Square root (needs a non-negative value).")
    tanh = _method(ops.TANH, "Hyperbolic tangent.")
    sigmoid = _method(ops.SIGMOID, "Logistic function 1 / (1 + e^-x), stable for large |x|.")
    relu = _method(ops.RELU, "max(x, 0).")
    softplus = _method(ops.SOFTPLUS, "log(1 + e^x), stable for large |x|.")
    sin = _method(ops.SIN, "Sine.")
    cos = _method(ops.COS, "Cosine.")
    tan = _method(ops.TAN, "Tangent.")
    asin = _method(ops.ASIN, "Arcsine (needs -1 <= x <= 1).")
    acos = _method(ops.ACOS, "Arccosine (needs -1 <= x <= 1).")
    atan = _method(ops.ATAN, "Arctangent.")
    sinh = _method(ops.SINH, "Hyperbolic sine.")
    cosh = _method(ops.COSH, "Hyperbolic cosine.")

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope * x."""
        if not _is_real(slope):
            raise TypeError(f"leaky_relu slope must be a real number, not {type(slope).__name__}")
        return _unary(ops.LEAKY_RELU, self, float(slope))

    def clamp(self, min: float | None = None, max: float | None = None) -> Value:  # noqa: A002
        """min(max(x, min), max), as torch.clamp; a bound left out is no bound."""
        if min is None and max is None:
            raise ValueError("clamp needs at least one of min and max")
        low, high = (-math.inf if min is None else _to_float(_operand(ops.CLAMP, min)),
                     math.inf if max is None else _to_float(_operand(ops.CLAMP, max)))
        if low != low or high != high:
            raise ValueError(f"clamp bounds must not be NaN, got min={min!r}, max={max!r}")
        return _unary(ops.CLAMP, self, (low, high))

    # --- gradients ---

    def backward(self, gradient: Grad | None = None, create_graph: bool = False) -> None:
        """Add d(self)/d(v) * gradient (default 1.0) into ``v.grad`` for every v below."""
        from autograd.backward import backward  # the backward pass has a module of its own

        backward(self, gradient, create_graph)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this value's graph."""
        return Value(self.data, self.label)

    def item(self) -> float:
        """The plain number, as torch's ``Tensor.item()``: no gradient flows through it."""
        return self.data

    def __float__(self) -> float:
        # math.exp(v), float(v) and NumPy would quietly turn v into a constant: d/dv lost
        raise TypeError(
            "a Value does not turn into a float by itself: that would leave the graph and "
            "lose its gradient (math.exp(v) would be a constant). Use the Value's own "
            "operations, e.g. v.exp(), v.log(), v.sin(), or v.item() for the plain number")

    # --- PyTorch's 0-d tensor habits: order, truth and format read the data; == is identity,
    # as Values hash by identity (a == b is True only for the same Value) ---

    __lt__, __le__ = _compare(operator.lt), _compare(operator.le)
    __gt__, __ge__ = _compare(operator.gt), _compare(operator.ge)

    def __bool__(self) -> bool:
        _not_tracing()
        return self.data != 0.0  # NaN is true, as in PyTorch and Python

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else str(self)

    def __repr__(self) -> str:
        label = "" if self.label is None else f", label={self.label!r}"
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


# --- building nodes ---

def _is_real(x: object) -> bool:
    return type(x) is float or type(x) is int or isinstance(x, numbers.Real)


def _is_operand(x: object) -> bool:
    return isinstance(x, Value) or _is_real(x)


def _to_float(x: object) -> float:
    if isinstance(x, float):
        return float(x)
    if not _is_real(x):
        raise TypeError(f"Value needs a real number (int or float), not {type(x).__name__}: {x!r}")
    return float(x)  # type: ignore[arg-type]


def _data(x: object) -> float:
    if isinstance(x, Value):
        return x.data
    if not _is_real(x):
        raise TypeError(f"a Value compares with Values and real numbers, not "
                        f"{type(x).__name__}")
    return x  # type: ignore[return-value]


def as_number(x: Value | Number) -> float:
    """The plain float of a Value (its data) or of a real number."""
    return x.data if isinstance(x, Value) else _to_float(x)


def _operand(op: Op, x: Any) -> Any:
    if not _is_operand(x):
        raise TypeError(f"{op.name} takes Values and real numbers, not {type(x).__name__}: "
                        f"{x!r:.60}")
    return x


def _const(x: Number) -> Value:
    v = _new(_NODES[ops.CONST])
    v.data = _to_float(x)
    v.grad = 0.0
    return v


def _unary(op: Op, a: Value, param: Any = None) -> Value:
    _node_type(op)  # the operators' closures find it in _NODES
    return _UNARY[op](a, param)


def _binary(op: Op, a: Value | Number, b: Value | Number) -> Value:
    _node_type(op)
    return _BINARY[op](a if isinstance(a, Value) else _const(_operand(op, a)), b)


def _variadic(op: Op, args: Sequence[Value | Number], param: Any = None) -> Value:
    nodes: tuple[Value, ...] = tuple(args)  # type: ignore[arg-type]
    if not _TYPES.issuperset(map(type, nodes)):  # numbers become constants
        nodes = tuple(v if isinstance(v, Value) else _const(_operand(op, v)) for v in args)
    xs = [v.data for v in nodes]
    try:
        out = op.forward(xs) if param is None else op.forward(xs, param)
    except (ArithmeticError, ValueError) as e:
        out = invalid(op, xs, e)
    checked(op, out, xs)
    if _recording():
        v = _new(_node_type(op))
        v._a, v._b = nodes, param
    else:
        v = _new(Value)
    v.data = out
    v.grad = 0.0
    return v


_TYPES.add(Value)
for _op in (ops.CONST, *ops.OPS):
    _node_type(_op)
