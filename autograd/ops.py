"""The op table as the compiler reads it: the core's table (``core/ops.py``: each op's
forward and derivative rule) and, for each op, what only code needs: its forward as source
(its derivatives are its rule run on symbols, ``symbolic.py``), where it has kinks and
poles, and how far its result may be from the exact one. How drawings show an op is with
the drawing code (``views/symbols.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.core.floats import FLOAT_MATH, FloatMath, divide, power, products
from autograd.core.ops import (
    ABS,
    ACOS,
    ADD,
    ADD_SCALAR,
    ASIN,
    ATAN,
    CLAMP,
    CONST,
    COS,
    COSH,
    DETACH,
    DIV,
    DIV_SCALAR,
    DOT,
    EXP,
    EXPM1,
    LEAF,
    LEAKY_RELU,
    LOG,
    LOG1P,
    MAXIMUM,
    MINIMUM,
    MUL,
    MUL_SCALAR,
    NEG,
    NEURON,
    NUMBER_FIRST,
    NUMBER_SECOND,
    OPS,
    POW,
    POWC,
    RDIV,
    RELU,
    RPOW,
    SHIFT,
    SIGMOID,
    SIN,
    SINH,
    SOFTPLUS,
    SQRT,
    SUM,
    TABLE,
    TAN,
    TANH,
    VARIADIC,
    WEIGHTED,
    Op,
    slope,
    table_op,
)
from autograd.symbolic import ARRAY_SYMBOLIC, SYMBOLIC, Sym, derivatives, literal, source

__all__ = [
    "ABS",
    "ACOS",
    "ADD",
    "ADD_SCALAR",
    "ASIN",
    "ATAN",
    "CLAMP",
    "CONST",
    "COS",
    "COSH",
    "DETACH",
    "DIV",
    "DIV_SCALAR",
    "DOT",
    "DOT_INLINE",
    "EXP",
    "EXPM1",
    "FACTS",
    "FLOAT_MATH",
    "LEAF",
    "LEAKY_RELU",
    "LOG",
    "LOG1P",
    "MAXIMUM",
    "MINIMUM",
    "MUL",
    "MUL_SCALAR",
    "NEG",
    "NEURON",
    "NUMBER_FIRST",
    "NUMBER_SECOND",
    "OPS",
    "POW",
    "POWC",
    "RDIV",
    "RELU",
    "RPOW",
    "SHIFT",
    "SIGMOID",
    "SIN",
    "SINH",
    "SOFTPLUS",
    "SQRT",
    "SUM",
    "TABLE",
    "TAN",
    "TANH",
    "VARIADIC",
    "WEIGHTED",
    "Code",
    "CodeRule",
    "Facts",
    "FloatMath",
    "Forward",
    "Op",
    "Where",
    "at_one",
    "at_tie",
    "at_zero",
    "code_rule",
    "critical",
    "divide",
    "facts",
    "kinks",
    "literal",
    "nonnegative",
    "poles",
    "power",
    "products",
    "ruled",
    "slope",
    "steepest",
    "table_op",
    "template",
    "ulps",
]


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
# the same -> the forward's source alone
Forward = Callable[[str, Sequence[str], Any], str]
# (arguments, parameter) -> differences that are 0 where the op has a kink or a pole
Where = Callable[[Sequence[Any], Any], tuple[Any, ...]]


def _tuple(args: Sequence[str]) -> str:
    return f"({', '.join(args)},)" if args else "()"


def template(forward: str) -> Forward:
    """An op's forward as source, from a format string over {a}, {b} (the arguments) and
    {k} (its parameter)."""
    def written(out: str, args: Sequence[str], k: Any) -> str:
        return forward.format(**dict(zip("ab", args)), k="" if k is None else literal(k))
    return written


@dataclass(frozen=True)
class Facts:
    """What the compiler knows of an op beyond its forward and derivative on floats."""

    # the forward as source code (its derivatives are the rule's own, run on symbols)
    forward: Forward | None = None
    # where the derivative jumps: differences of the arguments (and parameter) that are 0 at
    # a kink, on floats or arrays alike; vector code hands samples near one to the engine
    kinks: Where | None = None
    # where it has no value or no finite derivative (1/b at b = 0, log at 0, asin at 1)
    poles: Where | None = None
    # how far its result may be from the exact one, in units of the last place: 0 for a
    # choice among its arguments, 0.5 for one correctly rounded IEEE 754 operation; None
    # where NumPy's exp or tanh may differ from math's
    ulps: float | None = None
    # the largest |derivative| anywhere, for a one-argument op where it is bounded (relu and
    # tanh: 1, sigmoid: 1/4): how much an error in its argument can grow, at most
    steepest: float | None = None
    # whether its values are never below 0 (relu, sigmoid): the largest |value| is then the
    # largest value, one reduction instead of two
    nonnegative: bool = False


def at_zero(args: Sequence[Any], k: Any) -> tuple[Any, ...]:
    """A kink (or pole) where the first argument is 0."""
    return (args[0],)


def at_tie(args: Sequence[Any], k: Any) -> tuple[Any, ...]:
    """A kink where the two arguments are equal."""
    return (args[0] - args[1],)


def at_one(args: Sequence[Any], k: Any) -> tuple[Any, ...]:
    """Poles where the first argument is 1 or -1."""
    return (args[0] - 1.0, args[0] + 1.0)


def _every(a: Any, period: float) -> tuple[Any, ...]:
    # points j * period: r = a mod period is 0 at one and period just below the next (% is
    # the floor remainder on floats and arrays alike)
    r = a % period
    return (r, r - period)


def _tan_poles(args: Sequence[Any], k: Any) -> tuple[Any, ...]:
    # tan's poles are pi/2 + j pi
    return _every(args[0] - math.pi / 2, math.pi)


def _rpow_poles(args: Sequence[Any], k: float) -> tuple[Any, ...]:
    # 0 ** a jumps at a = 0 (0 above, 1 at 0, no value below); k ** a for k < 0 is real only
    # at whole a; smooth for k > 0
    if k == 0:
        return (args[0],)
    return _every(args[0], 1.0) if k < 0 else ()


def _powc_poles(args: Sequence[Any], k: float) -> tuple[Any, ...]:
    # a ** k at a = 0 has no finite derivative for k < 1, and below 0 no value unless k is
    # a whole number
    return () if float(k).is_integer() and k >= 0 else (args[0],)


def _powc_forward(out: str, args: Sequence[str], k: float) -> str:
    # an integer power of a float is always real: plain ** then, the checked pow_ otherwise
    a = args[0]
    return f"{a} ** {literal(k)}" if float(k).is_integer() else f"pow_({a}, {literal(k)})"


def _clamp_forward(out: str, args: Sequence[str], bounds: tuple[float, float]) -> str:
    return f"clamp({args[0]}, {literal(bounds[0])}, {literal(bounds[1])})"


DOT_INLINE = 32  # longer weighted sums call dot_, keeping every line short


def _dot_forward(out: str, args: Sequence[str], k: Any = None) -> str:
    b, ws, xs = args[0], args[1::2], args[2::2]
    if len(ws) <= DOT_INLINE:  # b + w_1 x_1 + ..., added left to right as the table's dot
        return " + ".join([b, *(f"{w} * {x}" for w, x in zip(ws, xs))])
    return f"dot_({b}, ({', '.join(ws)},), ({', '.join(xs)},))"


def _neuron_forward(out: str, args: Sequence[str], act: Op) -> str:
    outer = FACTS[act].forward
    assert outer is not None
    return outer(out, [_dot_forward(out, args)], None)  # act(b + w·x)


FACTS: dict[Op, Facts] = {
    LEAF: Facts(),
    CONST: Facts(),
    ADD: Facts(template("{a} + {b}"), ulps=0.5),
    MUL: Facts(template("{a} * {b}"), ulps=0.5),
    DIV: Facts(template("{a} / {b}"), poles=lambda args, k: (args[1],), ulps=0.5),
    POW: Facts(template("pow_({a}, {b})"), poles=at_zero),
    ADD_SCALAR: Facts(template("{a} + {k}"), ulps=0.5),
    MUL_SCALAR: Facts(template("{a} * {k}"), ulps=0.5),
    DIV_SCALAR: Facts(template("{a} / {k}"), ulps=0.5),
    RDIV: Facts(template("{k} / {a}"), poles=at_zero, ulps=0.5),
    NEG: Facts(template("-{a}"), ulps=0.0),
    POWC: Facts(_powc_forward, poles=_powc_poles),
    RPOW: Facts(template("pow_({k}, {a})"), poles=_rpow_poles),
    ABS: Facts(template("abs({a})"), kinks=at_zero, ulps=0.0),
    EXP: Facts(template("exp({a})"), nonnegative=True),
    EXPM1: Facts(template("expm1({a})")),
    LOG: Facts(template("log({a})"), poles=at_zero),
    SQRT: Facts(template("sqrt({a})"), poles=at_zero, ulps=0.5),
    TANH: Facts(template("tanh({a})"), steepest=1.0),
    SIGMOID: Facts(template("sigmoid({a})"), steepest=0.25, nonnegative=True),
    RELU: Facts(template("relu({a})"), kinks=at_zero, ulps=0.0, steepest=1.0, nonnegative=True),
    LEAKY_RELU: Facts(template("leaky_relu({a}, {k})"), kinks=at_zero,
                      ulps=0.5),
    SOFTPLUS: Facts(template("softplus({a})"), steepest=1.0, nonnegative=True),
    SIN: Facts(template("sin({a})")),
    COS: Facts(template("cos({a})")),
    TAN: Facts(template("tan({a})"), poles=_tan_poles),
    ATAN: Facts(template("atan({a})")),
    ASIN: Facts(template("asin({a})"), poles=at_one),
    ACOS: Facts(template("acos({a})"), poles=at_one),
    SINH: Facts(template("sinh({a})")),
    COSH: Facts(template("cosh({a})")),
    LOG1P: Facts(template("log1p({a})"), poles=lambda args, k: (args[0] + 1.0,)),
    MAXIMUM: Facts(template("maximum({a}, {b})"), kinks=at_tie, ulps=0.0),
    MINIMUM: Facts(template("minimum({a}, {b})"), kinks=at_tie, ulps=0.0),
    CLAMP: Facts(_clamp_forward, kinks=lambda args, k: (args[0] - k[0], args[0] - k[1]),
                 ulps=0.0),
    DETACH: Facts(template("{a}"), ulps=0.0),
    SHIFT: Facts(lambda out, args, k: f"shift({_tuple(args)})", ulps=0.0),
    DOT: Facts(_dot_forward),
    NEURON: Facts(_neuron_forward),
    SUM: Facts(lambda out, args, k: f"fsum({_tuple(args)})"),
}


def facts(op: Op) -> Facts:
    """What the compiler and drawings know of ``op``: an op a user defined says (its
    ``facts``); of another op not listed, its name alone."""
    known = FACTS.get(op) or getattr(op, "facts", None)
    return known if isinstance(known, Facts) else Facts()


def code_rule(op: Op, arrays: bool = False) -> CodeRule | None:
    """The op as source code: its forward as the compiler writes it, its derivatives (and
    factor) its own rule run on symbols; None for an op without a forward as code. With
    ``arrays``, code for arrays of any library (autograd/compiler/vectorized.py)."""
    known = facts(op)
    m = ARRAY_SYMBOLIC if arrays else SYMBOLIC
    forward = known.forward
    if forward is None:
        return None

    def rule(out: str, args: Sequence[str], k: Any) -> Code:
        try:
            partials = derivatives(op.partials, out, list(args), k, m)
        except (TypeError, AttributeError):  # a rule that does not run on symbols: a user's
            if op in FACTS:  # that branches with `if` (the table's all run on symbols)
                raise
            partials = ruled(op, out, args, k)
        except ArithmeticError:  # on the parameter alone (1 / k for k = 0): at run time,
            partials = ruled(op, out, args, k)  # where the rule raises, as the engine's does
        factor = source(op.factor(m, Sym(out), k)).text if op.factor else None
        return Code(forward(out, args, k), partials, factor)
    return rule


def ruled(op: Op, out: str, args: Sequence[str], k: Any) -> tuple[str, ...]:
    """The op's derivatives as calls of its rule at run time, on the code's numbers (the
    kernel ``partial_``): for a rule that cannot run on symbols."""
    fixed = "None" if k is None else literal(k)
    return tuple(f"partial_({op.name!r}, {i}, {out}, {_tuple(args)}, {fixed})"
                 for i in range(len(args)))


def kinks(op: Op) -> Where | None:
    """Where the op's derivative jumps, or None."""
    return facts(op).kinks


def poles(op: Op) -> Where | None:
    """Where the op has no value or no finite derivative, or None."""
    return facts(op).poles


def ulps(op: Op) -> float | None:
    """How far the op's result may be from the exact one, in units of the last place."""
    return facts(op).ulps


def steepest(op: Op) -> float | None:
    """The largest |derivative| of a one-argument op anywhere, or None if not known."""
    return facts(op).steepest


def nonnegative(op: Op) -> bool:
    """Whether an op's values are never below 0 (NaN aside)."""
    return facts(op).nonnegative


def critical(op: Op, args: Sequence[Any], k: Any) -> tuple[Any, ...]:
    """The differences that are 0 at a kink or a pole of ``op`` (floats or arrays)."""
    known = facts(op)
    return ((known.kinks(args, k) if known.kinks else ())
            + (known.poles(args, k) if known.poles else ()))
