"""Value: one float, its gradient and the op that made it, with the operators users reach for.

Every operator and method is one op of the table (``autograd/ops.py``), applied by the
node makers of ``autograd/nodes.py``: they compute the forward value on floats, check it,
and record the op and its parents. The backward pass (``autograd/backward.py``), grad mode
(``autograd/grad_mode.py``) and functions of several Values (``autograd/functions.py``)
live in modules of their own.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Callable
from typing import Any, NoReturn, Union

from autograd import grad_mode, graph, nodes, ops, owner  # noqa: F401 (owner checks the package)
from autograd.nodes import (
    UNARY,
    Node,
    Number,
    add,
    as_number,
    binary,
    is_real,
    operand,
    order_data,
    radd,
    to_float,
    unary,
)
from autograd.ops import Op

Grad = Union[float, "Value"]
__all__ = ["Grad", "Number", "Value", "as_number"]


def _method(op: Op, doc: str) -> Callable[[Value], Value]:
    """A Value method applying a one-argument op of the table."""
    make = UNARY[op]
    def method(self: Value) -> Value:
        return make(self, None)
    method.__name__, method.__doc__ = op.name, doc
    method.__qualname__ = f"Value.{op.name}"  # where pickle finds it
    return method


def _compare(order: Callable[[float, float], bool]) -> Callable[[Value, Value | Number], bool]:
    """An ordering of Values by their data, as for PyTorch's 0-d tensors."""
    def compare(self: Value, other: Value | Number) -> bool:
        if grad_mode.tracing.get():
            _refuse_while_tracing("an ordering (<, <=, >, >=)", self, other)
        return order(self.data, order_data(other))
    return compare


def _refuse_while_tracing(what: str, *operands: object) -> NoReturn:
    """TypeError: Python would decide something by a traced value, once, for every call."""
    for o in operands:
        if isinstance(o, Value):  # a number argument, or a value computed from one
            traced = [v for v in graph.toposort([o]) if isinstance(v, Traced)]
            if traced:
                names = ", ".join(dict.fromkeys(v.argument for v in traced))
                on = "on it" if o is traced[0] else f"on a value computed from it ({names})"
                raise TypeError(
                    f"jit traces {traced[0].argument} as a number that may change from call "
                    f"to call, so {what} {on} would be decided once, when tracing, and "
                    "frozen into the code for every later call: mark it static (jit(f, "
                    "static_argnums=...) or static_argnames=...), and f is traced again for "
                    "each of its values")
    raise TypeError(f"the code being traced uses {what} on a Value: the branch taken now "
                    "would be frozen into the compiled code for every later call or sample; "
                    "compute without branching (relu, maximum, clamp), mark the numbers it "
                    "depends on static (jit's static_argnums), or do not compile "
                    "(compiled=False)")


def _from_user_code(depth: int = 2) -> bool:
    """Whether the code asking (``depth`` frames up) is outside autograd, whose own passes
    put Values in sets and compare them by identity while a function is traced."""
    name = sys._getframe(depth).f_globals.get("__name__", "")
    return not (name == "autograd" or name.startswith("autograd."))


def _operator(op: Op, reflected: bool = False) -> Callable[[Value, Value | Number], Value]:
    """A Value operator applying a two-argument op (``2 / x`` is div(2, x): reflected)."""
    if reflected:
        return lambda self, other: binary(op, other, self)
    return nodes.BINARY[op]


_IDENTITY = ("__eq__", "__ne__", "__hash__")


class Value(Node):
    """A scalar that remembers how it was computed, so that gradients can flow back to it."""

    # A node's class is its op: Value itself is a leaf, and each op of the table has a
    # subclass (autograd/nodes.py) that adds no slot, so a node costs five slots and its float.
    __slots__ = ()
    grad: Grad
    _chain: Callable[[Grad], None]  # the chain rule through this node (autograd/backward.py)

    def __init__(self, data: Number, label: str | None = None) -> None:
        self.data = to_float(data)
        self.grad = 0.0
        if label is not None:
            self.label = label
        if grad_mode.traces:  # made while a function is traced: a constant of its code
            made = grad_mode.made.get()
            if made is not None:
                made.append(self)

    # --- arithmetic: each operator is one entry of the op table ---

    __add__, __radd__ = add, radd  # products fuse into sums (see nodes.add)
    __mul__, __rmul__ = _operator(ops.MUL), _operator(ops.MUL, reflected=True)
    __truediv__, __rtruediv__ = _operator(ops.DIV), _operator(ops.DIV, reflected=True)
    __neg__ = _method(ops.NEG, "-x")
    __abs__ = _method(ops.ABS, "|x|")

    def __sub__(self, other: Value | Number) -> Value:
        # a - b = a + (-b): negation is exact, so nothing is lost in rounding
        return binary(ops.ADD, self, -operand(ops.ADD, other))

    def __rsub__(self, other: Number) -> Value:
        return binary(ops.ADD, operand(ops.ADD, other), -self)

    __pow__, __rpow__ = _operator(ops.POW), _operator(ops.POW, reflected=True)

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
        if not is_real(slope):
            raise TypeError(f"leaky_relu slope must be a real number, not {type(slope).__name__}")
        return unary(ops.LEAKY_RELU, self, float(slope))

    def clamp(self, min: float | None = None, max: float | None = None) -> Value:  # noqa: A002
        """min(max(x, min), max), as torch.clamp; a bound left out is no bound."""
        if min is None and max is None:
            raise ValueError("clamp needs at least one of min and max")
        low, high = (-math.inf if min is None else to_float(operand(ops.CLAMP, min)),
                     math.inf if max is None else to_float(operand(ops.CLAMP, max)))
        if low != low or high != high:
            raise ValueError(f"clamp bounds must not be NaN, got min={min!r}, max={max!r}")
        return unary(ops.CLAMP, self, (low, high))

    # --- gradients ---

    def backward(self, gradient: Grad | None = None, create_graph: bool = False) -> None:
        """Add d(self)/d(v) * gradient (default 1.0) into ``v.grad`` for every v below."""
        from autograd.backward import backward  # the backward pass has a module of its own

        backward(self, gradient, create_graph)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this value's graph.

        While a function is traced to be compiled, a ``detach`` node instead (JAX's
        stop_gradient): its value is computed again at every call, and no gradient flows
        back through it."""
        if grad_mode.tracing.get():
            stopped = nodes.stopped(self)
            stopped.label = self.label
            return stopped
        return Value(self.data, self.label)

    def item(self) -> float:
        """The plain number, as torch's ``Tensor.item()``: no gradient flows through it."""
        if grad_mode.tracing.get():  # the number now would be frozen into compiled code
            _refuse_while_tracing("reading its number (.item())", self)
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

    def __eq__(self, other: object) -> bool:
        # a bool, never NotImplemented: no other type's == is asked
        if self is other:
            return True
        if grad_mode.tracing.get() and (isinstance(other, Traced) or is_real(other)) and \
                _from_user_code():
            # run without tracing, a number argument would compare by its value here
            _refuse_while_tracing("== or != with a number", other, self)
        return False

    __hash__ = Node.__hash__

    def __init_subclass__(cls, **kwargs: Any) -> None:
        ours = cls.__module__ in (nodes.__name__, __name__)  # an op's node type, or Traced
        if not ours and any(name in vars(cls) for name in _IDENTITY):
            raise TypeError(f"{cls.__name__}: a Value subclass must not redefine == or hash: "
                            "Values are equal only to themselves")
        super().__init_subclass__(**kwargs)
        if not ours:  # a class of the user's, whose == could still be set once it is made
            nodes.SUBCLASSED.append(cls)

    def __bool__(self) -> bool:
        if grad_mode.tracing.get():
            _refuse_while_tracing("truth (if, while, and, or, not)", self)
        return self.data != 0.0  # NaN is true, as in PyTorch and Python

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else str(self)

    def __repr__(self) -> str:
        label = "" if self.label is None else f", label={self.label!r}"
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def _repr_html_(self) -> str:
        """How Jupyter shows a Value: its numbers, and its graph when small (autograd.draw)."""
        from autograd.draw import notebook_html  # drawing stays out of the engine's imports

        return notebook_html(self)


nodes.register_leaf(Value)


class Traced(Value):
    """A number argument of a function that ``autograd.jit`` traces: a leaf standing for a
    number that may be another at every call. Python may compute with it, but not decide
    anything by it (==, hash, truth, int, an index) while the function is traced: that
    would be decided once, for every call."""

    __slots__ = ("argument",)

    def __init__(self, data: Number, label: str, argument: str) -> None:
        super().__init__(data, label)
        self.argument = argument  # how the function's caller passed it: "n", "xs[2]"

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if grad_mode.tracing.get() and _from_user_code():
            _refuse_while_tracing("== or != (and `in`)", self)
        return False

    def __hash__(self) -> int:
        if grad_mode.tracing.get() and _from_user_code():
            _refuse_while_tracing("hashing (a set or a dict key)", self)
        return object.__hash__(self)

    def __index__(self) -> int:
        _refuse_while_tracing("use as an integer (an index, a range bound)", self)

    def __int__(self) -> int:
        _refuse_while_tracing("int()", self)

    def __float__(self) -> float:
        _refuse_while_tracing("float() (math.sqrt(x) and other math functions call it)", self)
