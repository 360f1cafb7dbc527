"""The op table: every primitive's forward function and its derivative rule, side by side.

A rule has one signature: ``partials(m, out, x, k)`` returns d(out)/d(x[i]) for each
argument x[i] (x[0] is a, x[1] is b in the comments), given the op's output ``out`` (many
derivatives reuse it: d e^a/da = e^a) and its fixed parameter k (None for most ops). ``m``
holds the functions a rule calls (exp, log, ..., and the steps of piecewise rules: select,
sign, tie_step, clamp_step, pow_db); a rule never branches itself. So the rule, written
once, is read in three ways: with ``m = FLOAT_MATH`` and floats it gives floats (the
backward pass); with Values and ``VALUE_MATH`` (``valuemath.py``) it builds a graph
(``create_graph``); the compiler runs it on symbols to write its code.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.core.floats import (
    FloatMath,
    clamp,
    divide,
    power,
    products,
    softplus,
)

VARIADIC = -1


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive: its name, arity, forward on floats and derivative rule."""

    name: str
    arity: int  # 0 for inputs, 1, 2, or VARIADIC
    forward: Callable[..., float]
    partials: Callable[..., Any]
    param: str | None = None  # the name of a fixed (not differentiated) parameter, if any
    # True when the derivative is a function of the output alone (tanh' = 1 - tanh^2)
    from_output: bool = False
    differentiable: bool = True  # False: no gradient flows through it (its rule gives ())
    # for an op that is two in one (a neuron: act after a weighted sum), the outer one's
    # derivative, factor(m, out, k): the gradient is multiplied by it first, then by partials
    factor: Callable[..., Any] | None = None

    def __repr__(self) -> str:
        return f"Op({self.name})"

    # an op is one primitive, as a function is: a copy of a model keeps the same op
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        if TABLE.get(self.name) is not self:
            raise TypeError(f"{self!r} is not an op of the table: it cannot be pickled by name")
        return table_op, (self.name,)


def _pow_da(m: Any, a: Any, b: Any) -> Any:
    return b * m.pow(a, b - 1.0)  # d(a^b)/da = b a^(b-1)


def _dot(args: Sequence[float]) -> float:
    return products(args[0], args[1::2], args[2::2])  # (b, w_1, x_1, w_2, x_2, ...)


def _dot_partials(m: Any, out: Any, x: Sequence[Any], k: None) -> list[Any]:
    ds = [1.0] * len(x)  # d/db = 1, d/dw_i = x_i, d/dx_i = w_i over (b, w_1, x_1, ...)
    ds[1::2], ds[2::2] = x[2::2], x[1::2]
    return ds


def slope(act: Op, m: Any, out: Any) -> Any:
    """act'(a) read from act's output out = act(a) (an op with ``from_output``)."""
    return act.partials(m, out, (None,), None)[0]


# Inputs: a leaf is made by the user, a constant by lifting a plain number into the graph.
LEAF = Op("leaf", 0, float, lambda m, out, x, k: ())
CONST = Op("const", 0, float, lambda m, out, x, k: ())

# d(a+b)/da = 1, d(a+b)/db = 1
ADD = Op("add", 2, operator.add, lambda m, out, x, k: (1.0, 1.0))
# d(ab)/da = b, d(ab)/db = a
MUL = Op("mul", 2, operator.mul, lambda m, out, x, k: (x[1], x[0]))
# d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b
DIV = Op("div", 2, divide, lambda m, out, x, k: (1.0 / x[1], -out / x[1]))
# d(a^b)/da = b a^(b-1), d(a^b)/db = a^b log a
POW = Op("pow", 2, power,
         lambda m, out, x, k: (_pow_da(m, x[0], x[1]), m.pow_db(out, x[0], x[1])))
# A number operand is kept in the node as the op's parameter k (x * 2, 1 - x, 2 ** x): no
# constant node is made for it, and no derivative is taken for it.
# d(a+k)/da = 1
ADD_SCALAR = Op("add_scalar", 1, operator.add, lambda m, out, x, k: (1.0,), param="k")
# d(ak)/da = k
MUL_SCALAR = Op("mul_scalar", 1, operator.mul, lambda m, out, x, k: (k,), param="k")
# d(a/k)/da = 1/k
DIV_SCALAR = Op("div_scalar", 1, divide, lambda m, out, x, k: (1.0 / k,), param="k")
# d(k/a)/da = -k/a^2 = -(k/a)/a
RDIV = Op("rdiv", 1, lambda a, k: divide(k, a), lambda m, out, x, k: (-out / x[0],),
          param="numerator")
# d(-a)/da = -1
NEG = Op("neg", 1, operator.neg, lambda m, out, x, k: (-1.0,))
# d(a^k)/da = k a^(k-1), for a fixed number k
POWC = Op("pow_scalar", 1, power,
          lambda m, out, x, k: (0.0 if k == 0 else _pow_da(m, x[0], k),), param="k")
# d(k^a)/da = k^a log k, for a fixed number k
RPOW = Op("rpow", 1, lambda a, k: power(k, a),
          lambda m, out, x, k: (m.pow_db(out, k, x[0]),), param="base")
# d|a|/da = sign(a), taken as 0 at the kink (as PyTorch does)
ABS = Op("abs", 1, abs, lambda m, out, x, k: (m.sign(x[0]),))
# d e^a/da = e^a
EXP = Op("exp", 1, math.exp, lambda m, out, x, k: (out,), from_output=True)
# d(e^a - 1)/da = e^a (not out + 1, which rounds to 0 where e^a is below 1e-16)
EXPM1 = Op("expm1", 1, math.expm1, lambda m, out, x, k: (m.exp(x[0]),))
# d log(a)/da = 1/a
LOG = Op("log", 1, math.log, lambda m, out, x, k: (1.0 / x[0],))
# d sqrt(a)/da = 1 / (2 sqrt(a))
SQRT = Op("sqrt", 1, math.sqrt, lambda m, out, x, k: (0.5 / out,))
# d tanh(a)/da = 1 - tanh(a)^2
TANH = Op("tanh", 1, math.tanh, lambda m, out, x, k: (1.0 - out * out,), from_output=True)
# d s(a)/da = s(a) (1 - s(a))
SIGMOID = Op("sigmoid", 1, FloatMath.sigmoid, lambda m, out, x, k: (out * (1.0 - out),),
             from_output=True)
# d relu(a)/da = 1 for a > 0 (where relu(a) > 0), else 0 (0 at the kink, as PyTorch)
RELU = Op("relu", 1, lambda a: 0.0 if a <= 0.0 else a,
          lambda m, out, x, k: (m.select(out, 1.0, 0.0),), from_output=True)
# d/da = 1 for a > 0, else the slope k
LEAKY_RELU = Op("leaky_relu", 1, lambda a, k: a if a > 0.0 else k * a,
                lambda m, out, x, k: (m.select(x[0], 1.0, k),), param="slope")
# d log(1 + e^a)/da = e^a / (1 + e^a) = 1 - e^-out, as out = log(1 + e^a)
SOFTPLUS = Op("softplus", 1, softplus, lambda m, out, x, k: (-m.expm1(-out),),
              from_output=True)
# d sin(a)/da = cos(a)
SIN = Op("sin", 1, math.sin, lambda m, out, x, k: (m.cos(x[0]),))
# d cos(a)/da = -sin(a)
COS = Op("cos", 1, math.cos, lambda m, out, x, k: (-m.sin(x[0]),))
# d tan(a)/da = 1 + tan(a)^2
TAN = Op("tan", 1, math.tan, lambda m, out, x, k: (1.0 + out * out,), from_output=True)
# d atan(a)/da = 1 / (1 + a^2)
ATAN = Op("atan", 1, math.atan, lambda m, out, x, k: (1.0 / (1.0 + x[0] * x[0]),))
# d asin(a)/da = 1 / sqrt(1 - a^2), written (1 - a)(1 + a) so that it stays exact near |a| = 1
ASIN = Op("asin", 1, math.asin,
          lambda m, out, x, k: (1.0 / m.sqrt((1.0 - x[0]) * (1.0 + x[0])),))
# d acos(a)/da = -1 / sqrt(1 - a^2)
ACOS = Op("acos", 1, math.acos,
          lambda m, out, x, k: (-1.0 / m.sqrt((1.0 - x[0]) * (1.0 + x[0])),))
# d sinh(a)/da = cosh(a)
SINH = Op("sinh", 1, math.sinh, lambda m, out, x, k: (m.cosh(x[0]),))
# d cosh(a)/da = sinh(a)
COSH = Op("cosh", 1, math.cosh, lambda m, out, x, k: (m.sinh(x[0]),))
# d log(1 + a)/da = 1 / (1 + a)
LOG1P = Op("log1p", 1, math.log1p, lambda m, out, x, k: (1.0 / (1.0 + x[0]),))
# d max(a, b)/da = 1 where a > b, 0 where a < b, 1/2 each at a tie (PyTorch's convention);
# NaN wins, as in torch.maximum
MAXIMUM = Op("maximum", 2, lambda a, b: a if a >= b or a != a else b,
             lambda m, out, x, k: (m.tie_step(x[0], x[1]), m.tie_step(x[1], x[0])))
# d min(a, b)/da = 1 where a < b, 0 where a > b, 1/2 each at a tie
MINIMUM = Op("minimum", 2, lambda a, b: a if a <= b or a != a else b,
             lambda m, out, x, k: (m.tie_step(x[1], x[0]), m.tie_step(x[0], x[1])))
# d clamp(a, lo, hi)/da = 1 for lo <= a <= hi (bounds included, as PyTorch), else 0
CLAMP = Op("clamp", 1, clamp, lambda m, out, x, k: (m.clamp_step(x[0], *k),),
           param="bounds")
# detach(a) = a, with no gradient through it (JAX's stop_gradient): what detach() and
# no_grad() record while a function is traced, so that compiled code computes it at every call
DETACH = Op("detach", 1, lambda a: a, lambda m, out, x, k: (), differentiable=False)
# the largest finite argument (0.0 if none is): the shift that keeps log-sum-exp and softmax
# from overflowing; it cancels in their derivatives, so no gradient flows through it
SHIFT = Op("shift", VARIADIC, lambda xs: max((a for a in xs if a - a == 0.0), default=0.0),
           lambda m, out, x, k: (), differentiable=False)
# b + w_1 x_1 + w_2 x_2 + ... over (b, w_1, x_1, w_2, x_2, ...), added left to right;
# d/db = 1, d/dw_i = x_i, d/dx_i = w_i
DOT = Op("dot", VARIADIC, _dot, _dot_partials)
# act(b + sum_i w_i x_i), a whole neuron, for an activation whose derivative is a function of
# its output: d/d(arg) = act'(out) * d(b + w·x)/d(arg), the chain rule through act, then dot
NEURON = Op("neuron", VARIADIC, lambda xs, act: act.forward(_dot(xs)),
            lambda m, out, x, act: _dot_partials(m, out, x, None), param="activation",
            factor=lambda m, out, act: slope(act, m, out))
# d(a_1 + ... + a_n)/da_i = 1
SUM = Op("sum", VARIADIC, math.fsum, lambda m, out, x, k: [1.0] * len(x))

# the weighted sums, over arguments (b, w_1, x_1, w_2, x_2, ...)
WEIGHTED = (DOT, NEURON)


def interleaved(b: Any, ws: Sequence[Any], xs: Sequence[Any]) -> list[Any]:
    """[b, w_1, x_1, w_2, x_2, ...], the order of a weighted sum's arguments."""
    if len(ws) != len(xs):
        raise ValueError(f"a weighted sum needs as many weights as inputs, got {len(ws)} "
                         f"weights for {len(xs)} inputs")
    args = [b] * (2 * len(ws) + 1)
    args[1::2], args[2::2] = ws, xs
    return args


def check_weighted(op: Op, act: Op | None, rows: int, biases: int) -> None:
    """ValueError unless these make weighted sums: DOT, or NEURON with its activation, and a
    bias for each row of weights."""
    if op not in WEIGHTED or (op is NEURON) != (act is not None):
        raise ValueError(f"weighted nodes are DOT (act None) or NEURON (with an activation), "
                         f"not {op.name} with {act!r}")
    if rows != biases:
        raise ValueError(f"{rows} rows of weights but {biases} biases")

# the op that keeps a number operand in the node: second (x * 2) or first (2 * x)
NUMBER_SECOND = {ADD: ADD_SCALAR, MUL: MUL_SCALAR, DIV: DIV_SCALAR, POW: POWC}
NUMBER_FIRST = {ADD: ADD_SCALAR, MUL: MUL_SCALAR, DIV: RDIV, POW: RPOW}

# every primitive, in the order above (no list kept by hand)
OPS: tuple[Op, ...] = tuple(op for op in list(globals().values())
                            if isinstance(op, Op) and op.arity != 0)
TABLE: dict[str, Op] = {op.name: op for op in (LEAF, CONST, *OPS)}


def table_op(name: str) -> Op:
    """The op of the table named ``name`` (how a pickled op is read back)."""
    return TABLE[name]
