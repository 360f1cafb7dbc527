"""Value: one float, its gradient and the op that made it; backward applies the chain rule."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Union

from autograd import graph
from autograd.ops import (
    ABS,
    ACOS,
    ADD,
    ASIN,
    ATAN,
    CLAMP,
    CONST,
    COS,
    COSH,
    DIV,
    DOT,
    EXP,
    EXPM1,
    FLOAT_MATH,
    LEAF,
    LEAKY_RELU,
    LOG,
    LOG1P,
    MAXIMUM,
    MINIMUM,
    MUL,
    NEG,
    NEURON,
    OPS,
    POW,
    POWC,
    RELU,
    RPOW,
    SIGMOID,
    SIN,
    SINH,
    SOFTPLUS,
    SQRT,
    SUM,
    TAN,
    TANH,
    VARIADIC,
    Op,
)

Number = int | float
Grad = Union[float, "Value"]

_grad_enabled: ContextVar[bool] = ContextVar("grad_enabled", default=True)


class Value:
    """A scalar that remembers how it was computed, so that gradients can flow back to it."""

    __slots__ = ("_a", "_b", "_op", "data", "grad", "label")
    data: float
    grad: Grad
    label: str | None
    _op: Op
    # parents: unary ops keep theirs in _a (and a fixed parameter, if any, in _b); binary
    # ops in _a and _b; variadic ops keep a tuple in _a. Two slots cost less than a tuple.
    _a: Any
    _b: Any

    def __init__(self, data: Number, label: str | None = None) -> None:
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Value label must be a str or None, not {type(label).__name__}")
        self.data = _to_float(data)
        self.grad = 0.0
        self.label = label
        self._op = LEAF
        self._a = self._b = None

    # --- what made this value (read by drawing, checking and compiling) ---

    @property
    def op(self) -> Op:
        """The primitive that produced this value (``ops.LEAF`` or ``ops.CONST`` for inputs)."""
        return self._op

    @property
    def parents(self) -> tuple[Value, ...]:
        """The values this one was computed from, in argument order."""
        arity = self._op.arity
        if arity == 2:
            return (self._a, self._b)
        if arity == 1:
            return (self._a,)
        if arity == VARIADIC:
            return self._a  # type: ignore[no-any-return]
        return ()

    @property
    def param(self) -> float | None:
        """The fixed parameter of a parametrised op (the k of ``x ** k``, a leaky slope)."""
        return self._b if self._op.param else None

    # --- arithmetic: each operator is one entry of the op table ---

    def __add__(self, other: Value | Number) -> Value:
        return _binary(ADD, self, other)

    def __radd__(self, other: Number) -> Value:
        return _binary(ADD, other, self)

    def __sub__(self, other: Value | Number) -> Value:
        # a - b = a + (-b): negation is exact, so nothing is lost in rounding
        return _binary(ADD, self, -_operand(ADD, other))

    def __rsub__(self, other: Number) -> Value:
        return _binary(ADD, _operand(ADD, other), -self)

    def __mul__(self, other: Value | Number) -> Value:
        return _binary(MUL, self, other)

    def __rmul__(self, other: Number) -> Value:
        return _binary(MUL, other, self)

    def __truediv__(self, other: Value | Number) -> Value:
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _binary(DIV, other, self)

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _binary(POW, self, other)
        return _unary(POWC, self, _to_float(_operand(POWC, other)))  # k is a plain float

    def __rpow__(self, other: Number) -> Value:
        # a number base is a fixed parameter, not a constant node: no derivative is
        # computed for it (0 ** y has none, yet y's exists)
        return _unary(RPOW, self, _to_float(_operand(RPOW, other)))

    def __neg__(self) -> Value:
        return _unary(NEG, self)

    def __abs__(self) -> Value:
        return _unary(ABS, self)

    def exp(self) -> Value:
        """e to the power of this value."""
        return _unary(EXP, self)

    def expm1(self) -> Value:
        """e to the power of this value, minus 1 (accurate near 0, where exp(x) - 1 is not)."""
        return _unary(EXPM1, self)

    def log(self) -> Value:
        """Natural logarithm (needs a positive value)."""
        return _unary(LOG, self)

    def log1p(self) -> Value:
        """log(1 + x), accurate near 0 (needs x > -1)."""
        return _unary(LOG1P, self)

    def sqrt(self) -> Value:
        """Square root (needs a non-negative value)."""
        return _unary(SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(TANH, self)

    def sigmoid(self) -> Value:
        """Logistic function 1 / (1 + e^-x), stable for large |x|."""
        return _unary(SIGMOID, self)

    def relu(self) -> Value:
        """max(x, 0)."""
        return _unary(RELU, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope * x."""
        if not _is_real(slope):
            raise TypeError(f"leaky_relu slope must be a real number, not {type(slope).__name__}")
        return _unary(LEAKY_RELU, self, float(slope))

    def softplus(self) -> Value:
        """log(1 + e^x), stable for large |x|."""
        return _unary(SOFTPLUS, self)

    def sin(self) -> Value:
        """Sine."""
        return _unary(SIN, self)

    def cos(self) -> Value:
        """Cosine."""
        return _unary(COS, self)

    def tan(self) -> Value:
        """Tangent."""
        return _unary(TAN, self)

    def asin(self) -> Value:
        """Arcsine (needs -1 <= x <= 1)."""
        return _unary(ASIN, self)

    def acos(self) -> Value:
        """Arccosine (needs -1 <= x <= 1)."""
        return _unary(ACOS, self)

    def atan(self) -> Value:
        """Arctangent."""
        return _unary(ATAN, self)

    def sinh(self) -> Value:
        """Hyperbolic sine."""
        return _unary(SINH, self)

    def cosh(self) -> Value:
        """Hyperbolic cosine."""
        return _unary(COSH, self)

    def clamp(self, min: float | None = None, max: float | None = None) -> Value:  # noqa: A002
        """min(max(x, min), max), as torch.clamp; a bound left out is no bound."""
        if min is None and max is None:
            raise ValueError("clamp needs at least one of min and max")
        low, high = (-math.inf if min is None else _to_float(_operand(CLAMP, min)),
                     math.inf if max is None else _to_float(_operand(CLAMP, max)))
        if low != low or high != high:
            raise ValueError(f"clamp bounds must not be NaN, got min={min!r}, max={max!r}")
        return _unary(CLAMP, self, (low, high))

    # --- gradients ---

    def backward(self, gradient: Grad | None = None, create_graph: bool = False) -> None:
        """Add d(self)/d(v) * gradient (default 1.0) into ``v.grad`` for every v below."""
        seed = 1.0 if gradient is None else _check_seed(gradient)
        grads = _backprop((self,), (seed,), create_graph)
        for v, g in grads.items():
            # grads are added, as in PyTorch; a graph-carrying gradient replaces a plain 0.0
            if type(g) is not float and type(v.grad) is float and v.grad == 0.0:
                v.grad = g
            else:
                v.grad = v.grad + g

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

    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _data(other)

    def __bool__(self) -> bool:
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
    v = Value(x)
    v._op = CONST
    return v


def _node(data: float, op: Op, a: Any, b: Any) -> Value:
    v = object.__new__(Value)
    v.data = data
    v.grad = 0.0
    v.label = None
    if _grad_enabled.get():
        v._op, v._a, v._b = op, a, b
    else:
        v._op, v._a, v._b = LEAF, None, None
    return v


def _domain_error(op: Op, args: Sequence[float], error: Exception) -> Exception:
    shown = ", ".join(repr(a) for a in args[:6]) + (f", ... ({len(args)} arguments)"
                                                     if len(args) > 6 else "")
    return type(error)(f"{op.name}({shown}): {error}")


def _finite(args: Sequence[float]) -> bool:
    return all(a - a == 0.0 for a in args)  # inf - inf and nan - nan are nan


def _invalid(op: Op, args: Sequence[float], error: Exception) -> float:
    # Python raises where IEEE 754 calls an operation invalid (sin(inf), log(-inf),
    # inf + -inf in fsum): with NaN or infinity among the arguments, the IEEE result is NaN;
    # with finite arguments, the op has no value there
    if _finite(args):
        raise _domain_error(op, args, error) from None
    return math.nan


def _checked(op: Op, out: float, args: Sequence[float]) -> float:
    # IEEE arithmetic overflows silently to inf; we refuse to turn finite inputs into it
    if out - out != 0.0 and _finite(args):
        raise _domain_error(op, args, OverflowError("result is not finite"))
    return out


def _with(x: float, param: Any) -> tuple[float, ...]:
    """An argument and the numbers of a fixed parameter (k, a slope, bounds), for checks."""
    if type(param) is float:
        return (x, param)
    return (x, *param) if type(param) is tuple else (x,)  # no parameter, or an Op


def _unary(op: Op, a: Value, param: Any = None) -> Value:
    x = a.data
    try:
        out = op.forward(x) if param is None else op.forward(x, param)
    except (ArithmeticError, ValueError) as e:
        out = _invalid(op, _with(x, param), e)
    if out - out != 0.0:
        _checked(op, out, _with(x, param))
    return _node(out, op, a, param)


def _binary(op: Op, a: Value | Number, b: Value | Number) -> Value:
    if type(a) is not Value:
        a = _const(_operand(op, a))
    if type(b) is not Value:
        b = _const(_operand(op, b))
    x, y = a.data, b.data
    try:
        out = op.forward(x, y)
    except (ArithmeticError, ValueError) as e:
        out = _invalid(op, (x, y), e)
    if out - out != 0.0:
        _checked(op, out, (x, y))
    return _node(out, op, a, b)


_ONLY_VALUES = {Value}


def _variadic(op: Op, args: Sequence[Value | Number], param: Any = None) -> Value:
    nodes: tuple[Value, ...] = tuple(args)  # type: ignore[arg-type]
    if set(map(type, nodes)) != _ONLY_VALUES:  # numbers become constants
        nodes = tuple(v if type(v) is Value else _const(_operand(op, v)) for v in args)
    xs = [v.data for v in nodes]
    try:
        out = op.forward(xs) if param is None else op.forward(xs, param)
    except (ArithmeticError, ValueError) as e:
        out = _invalid(op, xs, e)
    return _node(_checked(op, out, xs), op, nodes, param)


def _weighted(op: Op, ws: Sequence[Value | Number], xs: Sequence[Value | Number],
              bias: Value | Number, param: Op | None = None) -> Value:
    # arguments in the order DOT and NEURON take them: b, w_1..w_n, x_1..x_n
    if len(ws) != len(xs):
        raise ValueError(f"{op.name} needs two sequences of equal length, got {len(ws)} and "
                         f"{len(xs)}")
    return _variadic(op, (bias, *ws, *xs), param)


def apply(op: Op, args: Sequence[Value], param: Any = None) -> Value:
    """A new node of ``op`` on ``args`` (and its fixed parameter), checked as operators are."""
    if op.arity == 1:
        return _unary(op, args[0], param)
    if op.arity == 2:
        return _binary(op, args[0], args[1])
    return _variadic(op, args, param)


def maximum(a: Value | Number, b: Value | Number) -> Value:
    """The larger of a and b (NaN if either is), as torch.maximum; a tie splits the gradient."""
    return _binary(MAXIMUM, a, b)


def minimum(a: Value | Number, b: Value | Number) -> Value:
    """The smaller of a and b (NaN if either is), as torch.minimum."""
    return _binary(MINIMUM, a, b)


def dot(ws: Sequence[Value | Number], xs: Sequence[Value | Number],
        bias: Value | Number = 0.0) -> Value:
    """bias + sum_i ws[i] * xs[i] as a single node (a neuron's weighted sum)."""
    return _weighted(DOT, ws, xs, bias)


FUSABLE = {op.name: op for op in OPS if op.arity == 1 and op.from_output}


def neuron(ws: Sequence[Value | Number], xs: Sequence[Value | Number],
           bias: Value | Number = 0.0, activation: str = "relu") -> Value:
    """activation(bias + sum_i ws[i] * xs[i]) as a single node (a whole neuron)."""
    if activation not in FUSABLE:
        raise ValueError(f"neuron fuses the activations {', '.join(FUSABLE)}; "
                         f"for {activation!r} apply it to dot(...)")
    return _weighted(NEURON, ws, xs, bias, FUSABLE[activation])


def sum(values: Iterable[Value | Number]) -> Value:  # noqa: A001 (autograd.sum, like torch.sum)
    """The sum of many values as a single node, rounded once (math.fsum)."""
    return _variadic(SUM, tuple(values))


def _check_seed(g: object) -> Grad:
    if isinstance(g, Value):
        return g
    return _to_float(g)


# --- the backward pass ---

class _Nothing:
    """The gradient before any contribution: nothing + g is g (no 0.0 + g node is built)."""

    def __add__(self, other: Grad) -> Grad:
        return other


_NOTHING: Any = _Nothing()


class _ValueMath:
    """The functions derivative rules use, on Values (so derivatives form a graph)."""

    exp = staticmethod(Value.exp)
    log = staticmethod(Value.log)
    sin = staticmethod(Value.sin)
    cos = staticmethod(Value.cos)
    sigmoid = staticmethod(Value.sigmoid)

    expm1 = staticmethod(Value.expm1)
    sinh = staticmethod(Value.sinh)
    cosh = staticmethod(Value.cosh)
    sqrt = staticmethod(Value.sqrt)
    pow = staticmethod(Value.__pow__)

    @staticmethod
    def val(a: Value) -> float:
        """The plain number (rules branch on it for piecewise functions)."""
        return a.data


VALUE_MATH = _ValueMath()


def _backprop(roots: Sequence[Value], seeds: Sequence[Grad],
              create_graph: bool) -> dict[Value, Grad]:
    """d(sum of seed * root)/d(v) for every v below the roots, by the chain rule in reverse."""
    if create_graph and not _grad_enabled.get():  # derivatives as a graph, even in no_grad
        with enable_grad():
            return _backprop(roots, seeds, create_graph)
    grads: dict[Value, Grad] = {}
    get = grads.get
    for root, seed in zip(roots, seeds):
        grads[root] = get(root, _NOTHING) + seed
    order = graph.toposort(roots)
    if graph.debug:
        graph.check_toposort(order)
    m = VALUE_MATH if create_graph else FLOAT_MATH
    for v in reversed(order):
        op = v._op
        if op.arity == 0:
            continue
        g = grads[v]  # complete: every child of v came earlier in this loop
        parents = v.parents
        out, args = (v, parents) if create_graph else (v.data, [p.data for p in parents])
        ds: Sequence[Any]
        try:
            if op.arity == 1:
                ds = (op.partials(m, out, args[0]) if v._b is None
                      else op.partials(m, out, args[0], v._b),)
            elif op.arity == 2:
                ds = op.partials(m, out, *args)
            else:
                ds = (op.partials(m, out, args) if v._b is None
                      else op.partials(m, out, args, v._b))
        except (ArithmeticError, ValueError) as e:
            # at a finite point the derivative has no value; with NaN or infinity among the
            # arguments it is NaN, as IEEE 754 makes an invalid operation
            xs = [p.data for p in parents]
            if _finite([*xs, *_with(0.0, v.param)]):
                raise _domain_error(op, xs, type(e)(f"no finite derivative here ({e})")) from None
            ds = (math.nan,) * len(parents)
        # chain rule: d(root)/d(p) += d(root)/d(v) * d(v)/d(p); a value used several times
        # receives the sum of its contributions
        for p, d in zip(parents, ds):
            grads[p] = get(p, _NOTHING) + g * d
    return grads


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
         grad_outputs: Grad | Sequence[Grad] | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> list[Grad]:
    """d(outputs)/d(inputs) as a list, like torch.autograd.grad; no ``.grad`` is changed."""
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    ins = [inputs] if isinstance(inputs, Value) else list(inputs)
    for v in (*outs, *ins):
        if not isinstance(v, Value):
            raise TypeError(f"grad takes Values as outputs and inputs, not {type(v).__name__}")
    if grad_outputs is None:
        seeds: list[Grad] = [1.0] * len(outs)
    else:
        given = ([grad_outputs] if _is_operand(grad_outputs)
                 else list(grad_outputs))  # type: ignore[arg-type]
        seeds = [_check_seed(g) for g in given]
        if len(seeds) != len(outs):
            raise ValueError(f"grad got {len(outs)} outputs but {len(seeds)} grad_outputs")
    grads = _backprop(outs, seeds, create_graph)
    for i, x in enumerate(ins):
        if x not in grads and not allow_unused:
            raise ValueError(f"input {i} ({x!r}) is not used to compute the outputs; "
                             "pass allow_unused=True to get 0.0 for it")
    return [grads.get(x, 0.0) for x in ins]


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``.grad`` of every value to 0.0 (gradients accumulate until you do)."""
    for v in values:
        v.grad = 0.0


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside, operations compute values but record no graph (per thread and task)."""
    token = _grad_enabled.set(False)
    try:
        yield
    finally:
        _grad_enabled.reset(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record graphs again inside a ``no_grad`` block."""
    token = _grad_enabled.set(True)
    try:
        yield
    finally:
        _grad_enabled.reset(token)


def is_grad_enabled() -> bool:
    """Whether operations currently record a graph."""
    return _grad_enabled.get()
