"""Value: one float, its gradient and the op that made it, with the operators users reach for.

Every operator and method applies one op of the table (``ops.py``) through ``apply``: the
op's forward on the arguments' floats, the error rule (``errors.py``), then, in grad mode,
the op and the parents the result was computed from. ``backward()`` hands the graph to the
backward pass (``backward.py``).
"""

from __future__ import annotations

import math
import operator
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

from autograd.core import backward as backward_pass
from autograd.core import grad_mode, ops
from autograd.core.errors import as_written, checked, invalid, is_real, operand, to_float
from autograd.core.ops import VARIADIC, Op

Number = int | float
Grad = Union[float, "Value"]


def apply(op: Op, args: Sequence[Value | Number], param: Any = None) -> Value:
    """A new Value: ``op`` on ``args`` (with its fixed parameter), checked by the error rule.

    A number argument of + * / ** is kept in the node as the parameter of the op for it
    (x * 2 is mul_scalar(x, k=2.0)); any other number becomes a constant node.
    """
    if op.arity == 2 and not (isinstance(args[0], Value) and isinstance(args[1], Value)):
        a, b = args
        if isinstance(a, Value) and op in ops.NUMBER_SECOND:
            return apply(ops.NUMBER_SECOND[op], [a], to_float(operand(op, b)))
        if isinstance(b, Value) and op in ops.NUMBER_FIRST:
            return apply(ops.NUMBER_FIRST[op], [b], to_float(operand(op, a)))
    parents = tuple(a if isinstance(a, Value) else constant(operand(op, a)) for a in args)
    if op.arity == VARIADIC and op.param is None and param is not None:
        raise TypeError(f"{op.name} takes no parameter")
    xs = [p.data for p in parents]
    try:
        fixed = () if param is None else (param,)
        out = op.forward(xs, *fixed) if op.arity == VARIADIC else op.forward(*xs, *fixed)
    except (ArithmeticError, ValueError) as e:  # with NaN or inf arguments: NaN, else the error
        out = invalid(*_named(op, xs, param), e)
    if out - out != 0.0:  # inf or NaN: an error where every argument is finite
        named, numbers = _named(op, xs, param)
        checked(named, out, numbers)
    if not grad_mode.enabled.get():
        refuse = grad_mode.tracing.get() if grad_mode.traces else None
        if refuse is None:
            return Value(out)
        # inside no_grad while a function is traced: the node, behind a detach node, so that
        # compiled code computes it at every call and no gradient flows through it
        with grad_mode.enable_grad():
            return detached(apply(op, parents, param))
    return _node(out, op, parents, param)


def _named(op: Op, xs: list[float], param: Any) -> tuple[Op, Sequence[float]]:
    # the op and the numbers an error names: x * 2 as mul(x, 2.0)
    return as_written(op, xs[0], param) if len(xs) == 1 else (op, xs)


def _node(out: float, op: Op, parents: tuple[Value, ...], param: Any) -> Value:
    v = Value.__new__(Value)  # not Value(out): that would count as a leaf made while tracing
    v.data, v.grad, v._label, v._from = out, 0.0, None, (op, parents, param)
    return v


def constant(x: Number) -> Value:
    """A number lifted into the graph: a node of ``ops.CONST`` (it gets no gradient)."""
    return _node(to_float(x), ops.CONST, (), None)


def detached(v: Value) -> Value:
    """detach(v) as a node (ops.DETACH): v's number, with no gradient flowing back to v."""
    return _node(v.data, ops.DETACH, (v,), None)


class _Pending(threading.local):
    def __init__(self) -> None:
        self.nodes: dict[int, Value] = {}  # written below a node being pickled or copied


_PENDING = _Pending()


def restored(first: Any, op: Op, parents: tuple[Value, ...], param: Any, label: str | None,
             grad: Grad) -> Value:
    """A Value made again as pickle and deepcopy find it: a leaf whose number is ``first``,
    or ``op`` on ``parents`` (computed again: the same float), made after the nodes
    ``first`` lists, if any."""
    if op is ops.LEAF:
        v = Value(first)
    elif op is ops.CONST:
        v = constant(first)
    else:
        with grad_mode.enable_grad():
            v = apply(op, parents, param)
    v.label, v.grad = label, grad
    return v


HANDING_OVER = threading.Lock()  # handing gradients to .grad, one pass at a time


def accumulate(grads: Iterable[tuple[Value, Grad]]) -> None:
    """Add each gradient into its Value's ``.grad``, as PyTorch accumulates: every sum is
    made before any is written, so that if one fails, nothing changes."""
    with HANDING_OVER:
        sums: dict[Value, Grad] = {}
        for v, g in grads:
            old = sums.get(v, v.grad)
            # a gradient that is a graph (create_graph) replaces a plain 0.0
            sums[v] = g if isinstance(g, Value) and old == 0.0 and type(old) is float else old + g
        for v, g in sums.items():
            v.grad = g


def _refuse_if_tracing(what: str, *operands: object) -> None:
    # while a function is traced, a branch taken on a Value's number would be frozen into
    # the compiled code: the tracer says why, naming the argument (autograd/compiler/traced.py)
    refuse = grad_mode.tracing.get()
    if refuse is not None:
        refuse(what, *operands)


METHODS: dict[str, Op] = {}  # Value's methods that apply a one-argument op: name -> op


def _unary(op: Op, doc: str, name: str = "") -> Any:
    def method(self: Value) -> Value:
        return apply(op, [self])
    name = name or op.name
    method.__name__, method.__qualname__, method.__doc__ = name, f"Value.{name}", doc
    METHODS[name] = op
    return method


class Value:
    """A scalar that remembers how it was computed, so that gradients can flow back to it."""

    # _from is None for a leaf, else (op, parents, param): what this value was computed from
    __slots__ = ("_from", "_label", "data", "grad")
    data: float
    grad: Grad

    def __init__(self, data: Number, label: str | None = None) -> None:
        self.data = to_float(data)
        self.grad = 0.0
        self._from: tuple[Op, tuple[Value, ...], Any] | None = None
        self._label: str | None = None
        if label is not None:
            self.label = label
        if grad_mode.traces:  # made while a function is traced: a constant of its code
            made = grad_mode.made.get()
            if made is not None:
                made.append(self)

    @property
    def op(self) -> Op:
        """The primitive that produced this value (``ops.LEAF`` for an input)."""
        return ops.LEAF if self._from is None else self._from[0]

    @property
    def parents(self) -> tuple[Value, ...]:
        """The values this one was computed from, in argument order."""
        return () if self._from is None else self._from[1]

    @property
    def param(self) -> Any:
        """The fixed parameter of a parametrised op (the k of ``x ** k``, a leaky slope)."""
        return None if self._from is None else self._from[2]

    @property
    def fused(self) -> bool:
        """Whether the speed layer built this node from temporaries (never in the core)."""
        return False

    @property
    def label(self) -> str | None:
        """A name for drawings and compiled code, or None."""
        return self._label

    @label.setter
    def label(self, label: str | None) -> None:
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Value label must be a str or None, not {type(label).__name__}")
        self._label = label

    # --- arithmetic: each operator is one op of the table ---

    def __add__(self, other: Value | Number) -> Value:
        return apply(ops.ADD, [self, other])

    def __radd__(self, other: Number) -> Value:
        return apply(ops.ADD, [self, other])  # b + a as a + b: the same float, b kept as k

    def __mul__(self, other: Value | Number) -> Value:
        return apply(ops.MUL, [self, other])

    def __rmul__(self, other: Number) -> Value:
        return apply(ops.MUL, [other, self])

    def __truediv__(self, other: Value | Number) -> Value:
        return apply(ops.DIV, [self, other])

    def __rtruediv__(self, other: Number) -> Value:
        return apply(ops.DIV, [other, self])

    def __pow__(self, other: Value | Number) -> Value:
        return apply(ops.POW, [self, other])

    def __rpow__(self, other: Number) -> Value:
        return apply(ops.POW, [other, self])

    def __sub__(self, other: Value | Number) -> Value:
        # a - b = a + (-b): negation is exact, so nothing is lost in rounding
        b = other if isinstance(other, Value) else operand(ops.ADD, other)
        return apply(ops.ADD, [self, -b])

    def __rsub__(self, other: Number) -> Value:
        return apply(ops.ADD, [operand(ops.ADD, other), -self])

    __neg__ = _unary(ops.NEG, "-x", "__neg__")
    __abs__ = _unary(ops.ABS, "|x|", "__abs__")
    exp = _unary(ops.EXP, "e to the power of this value.")
    expm1 = _unary(ops.EXPM1, "e^x - 1, accurate near 0 (where exp(x) - 1 is not).")
    log = _unary(ops.LOG, "Natural logarithm (needs a positive value).")
    log1p = _unary(ops.LOG1P, "log(1 + x), accurate near 0 (needs x > -1).")
    sqrt = _unary(ops.SQRT, "Square root (needs a non-negative value).")
    tanh = _unary(ops.TANH, "Hyperbolic tangent.")
    sigmoid = _unary(ops.SIGMOID, "Logistic function 1 / (1 + e^-x), stable for large |x|.")
    relu = _unary(ops.RELU, "max(x, 0).")
    softplus = _unary(ops.SOFTPLUS, "log(1 + e^x), stable for large |x|.")
    sin = _unary(ops.SIN, "Sine.")
    cos = _unary(ops.COS, "Cosine.")
    tan = _unary(ops.TAN, "Tangent.")
    asin = _unary(ops.ASIN, "Arcsine (needs -1 <= x <= 1).")
    acos = _unary(ops.ACOS, "Arccosine (needs -1 <= x <= 1).")
    atan = _unary(ops.ATAN, "Arctangent.")
    sinh = _unary(ops.SINH, "Hyperbolic sine.")
    cosh = _unary(ops.COSH, "Hyperbolic cosine.")

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope * x."""
        if not is_real(slope):
            raise TypeError(f"leaky_relu slope must be a real number, not {type(slope).__name__}")
        return apply(ops.LEAKY_RELU, [self], float(slope))

    def clamp(self, min: float | None = None, max: float | None = None) -> Value:  # noqa: A002
        """min(max(x, min), max), as torch.clamp; a bound left out is no bound."""
        if min is None and max is None:
            raise ValueError("clamp needs at least one of min and max")
        low, high = (-math.inf if min is None else to_float(operand(ops.CLAMP, min)),
                     math.inf if max is None else to_float(operand(ops.CLAMP, max)))
        if low != low or high != high:
            raise ValueError(f"clamp bounds must not be NaN, got min={min!r}, max={max!r}")
        return apply(ops.CLAMP, [self], (low, high))

    # --- gradients ---

    def backward(self, gradient: Grad | None = None, create_graph: bool = False) -> None:
        """Add d(self)/d(v) * gradient (default 1.0) into ``v.grad`` for every v below."""
        seed = 1.0 if gradient is None else seed_of(gradient)
        accumulate(backward_pass.backprop([self], [seed], create_graph).items())

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this value's graph.

        While a function is traced to be compiled, a ``detach`` node instead (JAX's
        stop_gradient): its value is computed again at every call, and no gradient flows
        back through it."""
        if grad_mode.tracing.get():
            stopped = detached(self)
            stopped.label = self.label
            return stopped
        return Value(self.data, self.label)

    def item(self) -> float:
        """The plain number, as torch's ``Tensor.item()``: no gradient flows through it."""
        _refuse_if_tracing("reading its number (.item())", self)
        return self.data

    def __float__(self) -> float:
        # math.exp(v), float(v) and NumPy would quietly turn v into a constant: d/dv lost
        raise TypeError(
            "a Value does not turn into a float by itself: that would leave the graph and "
            "lose its gradient (math.exp(v) would be a constant). Use the Value's own "
            "operations, e.g. v.exp(), v.log(), v.sin(), or v.item() for the plain number")

    # --- PyTorch's 0-d tensor habits: order, truth and format read the data; == is identity,
    # as Values hash by identity (a == b is True only for the same Value) ---

    def _order(self, other: Value | Number, order: Callable[[float, float], bool]) -> bool:
        _refuse_if_tracing("an ordering (<, <=, >, >=)", self, other)
        if isinstance(other, Value):
            return order(self.data, other.data)
        if not is_real(other):
            raise TypeError(f"a Value compares with Values and real numbers, not "
                            f"{type(other).__name__}")
        return order(self.data, other)

    def __lt__(self, other: Value | Number) -> bool:
        return self._order(other, operator.lt)

    def __le__(self, other: Value | Number) -> bool:
        return self._order(other, operator.le)

    def __gt__(self, other: Value | Number) -> bool:
        return self._order(other, operator.gt)

    def __ge__(self, other: Value | Number) -> bool:
        return self._order(other, operator.ge)

    def __eq__(self, other: object) -> bool:
        # a bool, never NotImplemented: no other type's == is asked
        if self is other:
            return True
        if is_real(other):  # run without tracing, a number argument would compare by value
            _refuse_if_tracing("== or != with a number", other, self)
        return False

    __hash__ = object.__hash__  # by identity, as == is

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if ("__eq__" in vars(cls) or "__hash__" in vars(cls)) and not getattr(
                cls, "_IDENTITY_KEPT", False):
            raise TypeError(f"{cls.__name__}: a Value subclass must not redefine == or hash: "
                            "Values are equal only to themselves")
        super().__init_subclass__(**kwargs)

    def __bool__(self) -> bool:
        _refuse_if_tracing("truth (if, while, and, or, not)", self)
        return self.data != 0.0  # NaN is true, as in PyTorch and Python

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else str(self)

    def __repr__(self) -> str:
        label = "" if self.label is None else f", label={self.label!r}"
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # --- pickle and copy.deepcopy: a node is made again from its op, parents and parameter ---

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        fields = (self.op, self.parents, self.param, self.label, self.grad)
        if not self.parents:
            return (restored, (self.data, *fields))
        if _PENDING.nodes.pop(id(self), None) is self:  # its parents are already written
            return (restored, (None, *fields))
        # the first node written: all that lies below it goes first, in topological order,
        # so that no node is written inside another (no recursion, however deep the graph)
        below = backward_pass.toposort([self])[:-1]
        _PENDING.nodes = {id(v): v for v in below}
        return (restored, (below, *fields))


def seed_of(g: object) -> Grad:
    """A backward pass's starting gradient: a Value or a real number (as a float)."""
    return g if isinstance(g, Value) else to_float(g)
