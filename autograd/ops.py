"""The op table: every primitive's forward function and local derivatives, side by side.

Every rule has one signature, as every code rule has: ``partials(m, out, x, k)`` returns
d(out)/d(x[i]) for each argument x[i] (x[0] is a, x[1] is b in the comments), given the
op's fixed parameter k (None for ops without one). It is written once and serves two
paths: with ``m = FLOAT_MATH`` and float arguments it gives floats (a plain backward pass);
with the engine's Value namespace and ``Value`` arguments it builds a graph
(``create_graph=True``), so the derivatives can themselves be differentiated. ``out`` is
the op's own result, which many derivatives reuse (d e^a/da = e^a).
"""

from __future__ import annotations

import math
import operator  # add, mul, neg: on floats as float's own, and quicker to call
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

VARIADIC = -1


@dataclass(frozen=True)
class Code:
    """An op as Python source: its forward expression and one derivative per argument.

    ``factor``, when set, is a derivative common to every argument (an activation's
    slope in NEURON): the compiler multiplies it into the incoming gradient once.
    """

    forward: str
    partials: tuple[str, ...]
    factor: str | None = None


# (output name, argument names or literals, the op's fixed parameter) -> Code
CodeRule = Callable[[str, Sequence[str], Any], Code]


def literal(x: float) -> str:
    """A number as a Python expression that binds tighter than any operator."""
    text = repr(float(x))  # a NumPy scalar or Fraction would not be plain Python source
    return f"({text})" if text.startswith("-") else text  # inf and nan are names in the code


def _tuple(args: Sequence[str]) -> str:
    """A tuple of these names as source: (a, b), (a,) or ()."""
    return f"({', '.join(args)},)" if args else "()"


def template(forward: str, *partials: str) -> CodeRule:
    """A code rule from format strings over {a}, {b} (the arguments), {out} and {k}."""
    def rule(out: str, args: Sequence[str], k: Any) -> Code:
        names = dict(zip("ab", args), out=out, k="" if k is None else literal(k))
        return Code(forward.format(**names), tuple(p.format(**names) for p in partials))
    return rule


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive: its name, arity, forward on floats and local derivatives."""

    name: str
    arity: int  # 0 for leaves, 1, 2, or VARIADIC
    forward: Callable[..., float]
    partials: Callable[..., Any]
    symbol: str = ""  # how a drawing or formula shows it
    param: str | None = None  # name of a fixed (non-differentiated) parameter, if any
    # where the derivative jumps: differences of the arguments (and parameter) that are 0 at
    # a kink, on floats or arrays alike; property tests keep away from kinks, and vector
    # code hands the samples near one to the engine's own order of operations
    kinks: Callable[[Sequence[Any], Any], tuple[Any, ...]] | None = None
    # True when the derivative is a function of the output alone (tanh' = 1 - tanh^2):
    # such an op can be fused behind a weighted sum (see NEURON)
    from_output: bool = False
    code: CodeRule | None = None  # the same op as source code, for autograd.compile
    # how a drawing shows the op with its fixed parameter (default: symbol(parameter))
    show: Callable[[Any], str] | None = None
    activation: bool = False  # a nonlinearity a neuron applies (nn's activations, by name)
    # False for an op through which no gradient flows (its partials are ()): the backward
    # pass and compiled code treat its result as a constant computed at run time
    differentiable: bool = True
    # how far its result may be from the exact one, in units of the last place: 0 for a
    # choice among its arguments (relu, abs, maximum), 0.5 for one correctly rounded IEEE 754
    # operation (+, -, *, /, sqrt); None where NumPy's exp or tanh may differ from math's.
    # Where it is a number, every path computes the same float from the same arguments
    ulps: float | None = None
    # where it has no value or no finite derivative (1/b at b = 0, log and sqrt at 0, asin at
    # 1): differences that are 0 there, as kinks are; near one, rounding decides between a
    # number and an error, or moves the result without bound
    poles: Callable[[Sequence[Any], Any], tuple[Any, ...]] | None = None

    def critical(self, args: Sequence[Any], k: Any) -> tuple[Any, ...]:
        """The differences that are 0 at a kink or a pole of this op (floats or arrays)."""
        return ((self.kinks(args, k) if self.kinks else ())
                + (self.poles(args, k) if self.poles else ()))

    def label(self, param: Any) -> str:
        """The op as drawn: its symbol, with its fixed parameter where it has one."""
        if self.show is not None:
            return self.show(param)
        return f"{self.symbol}({param!r})" if self.param is not None else self.symbol

    def __repr__(self) -> str:
        return f"Op({self.name})"

    # an op is one primitive, as a function is: copying a model that holds one (a neuron's
    # activation) keeps the same op, whose nodes the engine knows
    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        if TABLE.get(self.name) is not self:
            raise TypeError(f"{self!r} is not an op of the table: it cannot be pickled")
        return table_op, (self.name,)  # unpickled as the table's own op


def at_zero(args: Sequence[Any], k: Any) -> tuple[Any, ...]:
    """A kink where the first argument is 0."""
    return (args[0],)


def at_tie(args: Sequence[Any], k: Any) -> tuple[Any, ...]:
    """A kink where the two arguments are equal."""
    return (args[0] - args[1],)


def at_one(args: Sequence[Any], k: Any) -> tuple[Any, ...]:
    """Poles where the first argument is 1 or -1."""
    return (args[0] - 1.0, args[0] + 1.0)


def _powc_poles(args: Sequence[Any], k: float) -> tuple[Any, ...]:
    # a ** k at a = 0 has no finite derivative for k < 1, and below 0 no value unless k is
    # a whole number
    return () if float(k).is_integer() and k >= 0 else (args[0],)


class FloatMath:
    """The functions derivative rules use, on plain floats."""

    exp = staticmethod(math.exp)
    log = staticmethod(math.log)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    sinh = staticmethod(math.sinh)
    cosh = staticmethod(math.cosh)
    sqrt = staticmethod(math.sqrt)
    expm1 = staticmethod(math.expm1)

    @staticmethod
    def pow(a: float, b: float) -> float:
        """a ** b; a result too large for a float is +-inf (IEEE 754), as ``1 / tiny`` is."""
        try:
            return a**b  # type: ignore[no-any-return]
        except OverflowError:  # Python raises where IEEE 754 rounds to infinity
            odd = float(b).is_integer() and b % 2 == 1
            return -math.inf if a < 0.0 and odd else math.inf

    @staticmethod
    def sigmoid(a: float) -> float:
        """Logistic function 1 / (1 + e^-a), without overflow for large |a|."""
        if a >= 0.0:
            return 1.0 / (1.0 + math.exp(-a))
        e = math.exp(a)
        return e / (1.0 + e)

    @staticmethod
    def val(a: float) -> float:
        """The plain number (rules branch on it for piecewise functions)."""
        return a


FLOAT_MATH = FloatMath()


def _pow(a: float, b: float) -> float:
    out: float | complex = a**b
    if isinstance(out, complex):
        raise ValueError("a negative number to a fractional power is not real")
    return out


def _div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:  # IEEE 754: inf / 0 = inf, nan / 0 = nan; finite / 0 has no value
        if a - a == 0.0:
            raise
        return a * math.copysign(math.inf, b)


def _maximum(a: float, b: float) -> float:
    return a if a >= b or a != a else b  # NaN wins, as in torch.maximum


def _minimum(a: float, b: float) -> float:
    return a if a <= b or a != a else b


def tie_step(a: Any, b: Any) -> float:
    """d max(a, b)/da as PyTorch takes it: 1 where a > b, 0 where a < b, 1/2 at a tie."""
    x, y = a if isinstance(a, float) else a.data, b if isinstance(b, float) else b.data
    return 0.5 if x == y else (0.0 if x < y else 1.0)


def _clamp(a: float, bounds: tuple[float, float]) -> float:
    # min(max(a, lo), hi), as torch.clamp (hi wins if lo > hi); NaN stays NaN
    low, high = bounds
    out = low if a < low else a
    return high if out > high else out


def _clamp_step(a: Any, bounds: tuple[float, float]) -> float:
    x = a if isinstance(a, float) else a.data
    return 1.0 if bounds[0] <= x <= bounds[1] else 0.0  # 1 on the bounds, as PyTorch


def _clamp_code(out: str, args: Sequence[str], bounds: tuple[float, float]) -> Code:
    k = f"{literal(bounds[0])}, {literal(bounds[1])}"
    return Code(f"clamp({args[0]}, {k})", (f"clamp_step({args[0]}, {k})",))


def _shift(args: Sequence[float]) -> float:
    return max((a for a in args if a - a == 0.0), default=0.0)  # inf - inf, nan - nan: nan


def _softplus(a: float) -> float:
    # log(1 + e^a) = max(a, 0) + log(1 + e^-|a|): no overflow for large |a|
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _pow_da(m: Any, a: Any, b: Any) -> Any:
    # d(a^b)/da = b a^(b-1)
    return b * m.pow(a, b - 1.0)


def _pow_db(m: Any, out: Any, a: Any, b: Any) -> Any:
    # d(a^b)/db = a^b log a, which exists only for a > 0 (and is 0 at a = 0 for b > 0, the
    # one-sided limit PyTorch also uses)
    constant = isinstance(a, float)  # a fixed base (k^a) is a plain float on both paths
    base = a if constant else m.val(a)
    if base > 0.0:
        return out * (math.log(a) if constant else m.log(a))
    if base == 0.0 and m.val(b) > 0.0:
        return 0.0
    if base - base != 0.0 or m.val(b) - m.val(b) != 0.0:  # NaN or -inf: log a is NaN (IEEE)
        return math.nan
    raise ValueError(f"the derivative of a**b with respect to b does not exist at a={base!r}")


def products(b: float, ws: Sequence[float], xs: Sequence[float]) -> float:
    """b + w_1 x_1 + w_2 x_2 + ..., added left to right from b (the order micrograd's Neuron
    uses, and compiled code's b + w1 * x1 + ...)."""
    if _SUM_IN_ORDER:  # the fast way, with the same numbers
        return sum(map(operator.mul, ws, xs), b)
    total = b
    for w, x in zip(ws, xs):
        total += w * x
    return total


def _dot(args: Sequence[float]) -> float:
    return products(args[0], args[1::2], args[2::2])  # (b, w_1, x_1, w_2, x_2, ...)


_SUM_IN_ORDER = sys.version_info < (3, 12)  # from 3.12, sum() of floats compensates rounding


def _dot_partials(m: Any, out: Any, x: Sequence[Any], k: None) -> list[Any]:
    ds = [1.0] * len(x)  # d/db = 1, d/dw_i = x_i, d/dx_i = w_i over (b, w_1, x_1, ...)
    ds[1::2], ds[2::2] = x[2::2], x[1::2]
    return ds


def slope(act: Op, m: Any, out: Any) -> Any:
    """act'(a) read from act's output out = act(a), for an op whose derivative is a
    function of its output (``Op.from_output``): its argument is not needed."""
    return act.partials(m, out, (None,), None)[0]


def _neuron_partials(m: Any, out: Any, x: Sequence[Any], act: Op) -> list[Any]:
    s = slope(act, m, out)  # act'(b + w·x), read from the output
    return [s * d for d in _dot_partials(m, out, x, None)]


def _powc_code(out: str, args: Sequence[str], k: float) -> Code:
    # an integer power of a float is always real: plain ** then, the checked pow_ otherwise
    a = args[0]
    forward = f"{a} ** {literal(k)}" if float(k).is_integer() else f"pow_({a}, {literal(k)})"
    return Code(forward, ("0.0" if k == 0 else f"{literal(k)} * {a} ** {literal(k - 1)}",))


DOT_INLINE = 32  # longer weighted sums call dot_, keeping every line short


def _dot_code(out: str, args: Sequence[str], k: Any = None) -> Code:
    b, ws, xs = args[0], args[1::2], args[2::2]
    if len(ws) <= DOT_INLINE:  # b + w_1 x_1 + ..., added left to right as _dot does
        forward = " + ".join([b, *(f"{w} * {x}" for w, x in zip(ws, xs))])
    else:
        forward = f"dot_({b}, ({', '.join(ws)},), ({', '.join(xs)},))"
    return Code(forward, ("1.0", *(d for w, x in zip(ws, xs) for d in (x, w))))


def _neuron_code(out: str, args: Sequence[str], act: Op) -> Code:
    assert act.code is not None
    dot = _dot_code(out, args)
    outer = act.code(out, [dot.forward], None)  # act(b + w·x), its slope read from out
    return Code(outer.forward, dot.partials, factor=outer.partials[0])


# Inputs: a leaf is made by the user, a constant by lifting a plain number into the graph.
LEAF = Op("leaf", 0, float, lambda m, out, x, k: ())
CONST = Op("const", 0, float, lambda m, out, x, k: ())

# d(a+b)/da = 1, d(a+b)/db = 1
ADD = Op("add", 2, operator.add, lambda m, out, x, k: (1.0, 1.0), "+", ulps=0.5,
         code=template("{a} + {b}", "1.0", "1.0"))
# d(ab)/da = b, d(ab)/db = a
MUL = Op("mul", 2, operator.mul, lambda m, out, x, k: (x[1], x[0]), "*", ulps=0.5,
         code=template("{a} * {b}", "{b}", "{a}"))
# d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -(a/b)/b
DIV = Op("div", 2, _div, lambda m, out, x, k: (1.0 / x[1], -out / x[1]), "/", ulps=0.5,
         poles=lambda args, k: (args[1],), code=template("{a} / {b}", "1.0 / {b}", "-{out} / {b}"))
# d(a^b)/da = b a^(b-1), d(a^b)/db = a^b log a
POW = Op("pow", 2, _pow,
         lambda m, out, x, k: (_pow_da(m, x[0], x[1]), _pow_db(m, out, x[0], x[1])),
         "**", poles=at_zero, code=template("pow_({a}, {b})", "{b} * {a} ** ({b} - 1.0)",
                             "pow_db({out}, {a}, {b})"))
# A number operand is kept in the node as the op's parameter (x * 2, 1 - x, 2 ** x): no
# constant node is made for it, and no derivative is computed for it.
# d(a+k)/da = 1
ADD_SCALAR = Op("add_scalar", 1, operator.add, lambda m, out, x, k: (1.0,), "+", param="k",
                ulps=0.5,
                code=template("{a} + {k}", "1.0"), show=lambda k: f"+ {k!r}")
# d(ak)/da = k
MUL_SCALAR = Op("mul_scalar", 1, operator.mul, lambda m, out, x, k: (k,), "*", param="k",
                ulps=0.5,
                code=template("{a} * {k}", "{k}"), show=lambda k: f"* {k!r}")
# d(a/k)/da = 1/k
DIV_SCALAR = Op("div_scalar", 1, _div, lambda m, out, x, k: (1.0 / k,), "/", param="k",
                ulps=0.5,
                code=template("{a} / {k}", "1.0 / {k}"), show=lambda k: f"/ {k!r}")
# d(k/a)/da = -k/a^2 = -(k/a)/a
RDIV = Op("rdiv", 1, lambda a, k: _div(k, a), lambda m, out, x, k: (-out / x[0],), "/",
          ulps=0.5,
          param="numerator", poles=at_zero, code=template("{k} / {a}", "-{out} / {a}"),
          show=lambda k: f"{k!r} /")
# d(-a)/da = -1
NEG = Op("neg", 1, operator.neg, lambda m, out, x, k: (-1.0,), "-", ulps=0.0,
         code=template("-{a}", "-1.0"))
# d(a^k)/da = k a^(k-1), for a fixed number k
POWC = Op("pow_scalar", 1, _pow,
          lambda m, out, x, k: (0.0 if k == 0 else _pow_da(m, x[0], k),), "**", param="k",
          poles=_powc_poles, code=_powc_code, show=lambda k: f"** {k!r}")
# d(k^a)/da = k^a log k, for a fixed number k (a constant base needs no derivative of its own)
RPOW = Op("rpow", 1, lambda a, k: _pow(k, a), lambda m, out, x, k: (_pow_db(m, out, k, x[0]),),
          "**", param="base", code=template("pow_({k}, {a})", "pow_db({out}, {k}, {a})"),
          show=lambda k: f"{k!r} **")
# d|a|/da = sign(a), taken as 0 at the kink (as PyTorch does)
ABS = Op("abs", 1, abs,
         lambda m, out, x, k: (1.0 if m.val(x[0]) > 0 else (-1.0 if m.val(x[0]) < 0 else 0.0),),
         "abs", kinks=at_zero, ulps=0.0, code=template("abs({a})", "sign({a})"))
# d e^a/da = e^a
EXP = Op("exp", 1, math.exp, lambda m, out, x, k: (out,), "exp", from_output=True,
         code=template("exp({a})", "{out}"))
# d(e^a - 1)/da = e^a (not out + 1, which rounds to 0 where e^a is below 1e-16)
EXPM1 = Op("expm1", 1, math.expm1, lambda m, out, x, k: (m.exp(x[0]),), "expm1",
           code=template("expm1({a})", "exp({a})"))
# d log(a)/da = 1/a
LOG = Op("log", 1, math.log, lambda m, out, x, k: (1.0 / x[0],), "log",
         poles=at_zero, code=template("log({a})", "1.0 / {a}"))
# d sqrt(a)/da = 1 / (2 sqrt(a))
SQRT = Op("sqrt", 1, math.sqrt, lambda m, out, x, k: (0.5 / out,), "sqrt", ulps=0.5,
          poles=at_zero, code=template("sqrt({a})", "0.5 / {out}"))
# d tanh(a)/da = 1 - tanh(a)^2
TANH = Op("tanh", 1, math.tanh, lambda m, out, x, k: (1.0 - out * out,), "tanh",
          from_output=True, activation=True, code=template("tanh({a})", "1.0 - {out} * {out}"))
# d s(a)/da = s(a) (1 - s(a))
SIGMOID = Op("sigmoid", 1, FloatMath.sigmoid, lambda m, out, x, k: (out * (1.0 - out),),
             "sigmoid", from_output=True, activation=True,
             code=template("sigmoid({a})", "{out} * (1.0 - {out})"))
# d relu(a)/da = 1 for a > 0 (where relu(a) > 0), else 0 (0 at the kink, as PyTorch); as
# code, the comparison itself: True and False multiply as 1 and 0, on floats and on arrays
RELU = Op("relu", 1, lambda a: 0.0 if a <= 0.0 else a,
          lambda m, out, x, k: (1.0 if m.val(out) > 0 else 0.0,), "relu", kinks=at_zero, ulps=0.0,
          from_output=True, activation=True, code=template("relu({a})", "({out} > 0.0)"))
# d/da = 1 for a > 0, else the slope k
LEAKY_RELU = Op("leaky_relu", 1, lambda a, k: a if a > 0.0 else k * a,
                lambda m, out, x, k: (1.0 if m.val(x[0]) > 0 else k,), "leaky_relu", param="slope",
                kinks=at_zero, activation=True, ulps=0.5,
                code=template("leaky_relu({a}, {k})", "leaky_step({a}, {k})"))
# d log(1 + e^a)/da = sigmoid(a) = e^a / (1 + e^a) = 1 - e^-out, as out = log(1 + e^a)
SOFTPLUS = Op("softplus", 1, _softplus, lambda m, out, x, k: (-m.expm1(-out),), "softplus",
              from_output=True, activation=True, code=template("softplus({a})", "-expm1(-{out})"))
# d sin(a)/da = cos(a)
SIN = Op("sin", 1, math.sin, lambda m, out, x, k: (m.cos(x[0]),), "sin",
         code=template("sin({a})", "cos({a})"))
# d cos(a)/da = -sin(a)
COS = Op("cos", 1, math.cos, lambda m, out, x, k: (-m.sin(x[0]),), "cos",
         code=template("cos({a})", "-sin({a})"))
# d tan(a)/da = 1 + tan(a)^2
TAN = Op("tan", 1, math.tan, lambda m, out, x, k: (1.0 + out * out,), "tan", from_output=True,
         code=template("tan({a})", "1.0 + {out} * {out}"))
# d atan(a)/da = 1 / (1 + a^2)
ATAN = Op("atan", 1, math.atan, lambda m, out, x, k: (1.0 / (1.0 + x[0] * x[0]),), "atan",
          code=template("atan({a})", "1.0 / (1.0 + {a} * {a})"))
# d asin(a)/da = 1 / sqrt(1 - a^2), written (1 - a)(1 + a) so that it stays exact near |a| = 1
ASIN = Op("asin", 1, math.asin,
          lambda m, out, x, k: (1.0 / m.sqrt((1.0 - x[0]) * (1.0 + x[0])),), "asin",
          poles=at_one, code=template("asin({a})", "1.0 / sqrt((1.0 - {a}) * (1.0 + {a}))"))
# d acos(a)/da = -1 / sqrt(1 - a^2)
ACOS = Op("acos", 1, math.acos,
          lambda m, out, x, k: (-1.0 / m.sqrt((1.0 - x[0]) * (1.0 + x[0])),), "acos",
          poles=at_one, code=template("acos({a})", "-1.0 / sqrt((1.0 - {a}) * (1.0 + {a}))"))
# d sinh(a)/da = cosh(a)
SINH = Op("sinh", 1, math.sinh, lambda m, out, x, k: (m.cosh(x[0]),), "sinh",
          code=template("sinh({a})", "cosh({a})"))
# d cosh(a)/da = sinh(a)
COSH = Op("cosh", 1, math.cosh, lambda m, out, x, k: (m.sinh(x[0]),), "cosh",
          code=template("cosh({a})", "sinh({a})"))
# d log(1 + a)/da = 1 / (1 + a)
LOG1P = Op("log1p", 1, math.log1p, lambda m, out, x, k: (1.0 / (1.0 + x[0]),), "log1p",
           poles=lambda args, k: (args[0] + 1.0,), code=template("log1p({a})", "1.0 / (1.0 + {a})"))
# d max(a, b)/da = 1 where a > b, 0 where a < b, 1/2 each at a tie (PyTorch's convention)
MAXIMUM = Op("maximum", 2, _maximum,
             lambda m, out, x, k: (tie_step(x[0], x[1]), tie_step(x[1], x[0])), "max",
             kinks=at_tie, ulps=0.0,
             code=template("maximum({a}, {b})", "tie_step({a}, {b})", "tie_step({b}, {a})"))
# d min(a, b)/da = 1 where a < b, 0 where a > b, 1/2 each at a tie
MINIMUM = Op("minimum", 2, _minimum,
             lambda m, out, x, k: (tie_step(x[1], x[0]), tie_step(x[0], x[1])), "min",
             kinks=at_tie, ulps=0.0,
             code=template("minimum({a}, {b})", "tie_step({b}, {a})", "tie_step({a}, {b})"))
# d clamp(a, lo, hi)/da = 1 for lo <= a <= hi (bounds included, as PyTorch), else 0
CLAMP = Op("clamp", 1, _clamp, lambda m, out, x, k: (_clamp_step(x[0], k),), "clamp",
           param="bounds", kinks=lambda args, k: (args[0] - k[0], args[0] - k[1]), ulps=0.0,
           code=_clamp_code, show=lambda k: f"clamp({k[0]!r}, {k[1]!r})")
# detach(a) = a, with no gradient through it (JAX's stop_gradient): what a.detach() and
# no_grad() record while a function is traced to be compiled, so that the value is computed
# again at every call (outside tracing, detach() makes a new leaf)
DETACH = Op("detach", 1, lambda a: a, lambda m, out, x, k: (), "detach", differentiable=False,
            ulps=0.0,
            code=template("{a}"))
# the largest finite argument (0.0 if none is): the shift that keeps log-sum-exp and softmax
# from overflowing; it cancels in their derivatives, so no gradient flows through it
SHIFT = Op("shift", VARIADIC, _shift, lambda m, out, x, k: (), "shift", differentiable=False,
           ulps=0.0,
           code=lambda out, args, k: Code(f"shift({_tuple(args)})", ()))
# b + w_1 x_1 + w_2 x_2 + ... over arguments (b, w_1, x_1, w_2, x_2, ...), added left to right:
# autograd.dot, and the sum that a + b builds from products nothing else holds
# (autograd/nodes.py), e.g. sum(w * x for w, x in zip(ws, xs)); d/db = 1, d/dw_i = x_i,
# d/dx_i = w_i
DOT = Op("dot", VARIADIC, _dot, _dot_partials, "b+w·x", code=_dot_code)
# act(b + sum_i w_i x_i): a whole neuron as one node, for an activation act whose derivative
# is a function of its output: d/d(arg) = act'(out) * d(b + w·x)/d(arg)
NEURON = Op("neuron", VARIADIC, lambda args, act: act.forward(_dot(args)), _neuron_partials,
            "act(b+w·x)", param="activation", code=_neuron_code,
            show=lambda act: f"{act.name}(b+w·x)")
# d(a_1 + ... + a_n)/da_i = 1
SUM = Op("sum", VARIADIC, math.fsum, lambda m, out, x, k: [1.0] * len(x), "sum",
         code=lambda out, args, k: Code(f"fsum({_tuple(args)})", ("1.0",) * len(args)))

# the op that keeps a number operand in the node: second (x * 2) or first (2 * x); a number
# base needs no derivative of its own (0 ** y has none, yet y's exists)
NUMBER_SECOND = {ADD: ADD_SCALAR, MUL: MUL_SCALAR, DIV: DIV_SCALAR, POW: POWC}
NUMBER_FIRST = {ADD: ADD_SCALAR, MUL: MUL_SCALAR, DIV: RDIV, POW: RPOW}

# every primitive of the table, in the order defined above (no list to keep by hand)
OPS: tuple[Op, ...] = tuple(op for op in list(globals().values())
                            if isinstance(op, Op) and op.arity != 0)
TABLE: dict[str, Op] = {op.name: op for op in (LEAF, CONST, *OPS)}


def table_op(name: str) -> Op:
    """The op of the table named ``name`` (how a pickled op is read back)."""
    return TABLE[name]
