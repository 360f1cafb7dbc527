"""The op table as the compiler and the drawings read it: the core's table (``core/ops.py``:
each op's forward and derivative rule) and, for each op, what only they need: its source
code, how a drawing shows it, where it has kinks and poles, and how far its result may be
from the exact one.
"""

from __future__ import annotations

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
    clamp_step,
    pow_db,
    slope,
    table_op,
    tie_step,
)

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
    "Op",
    "Where",
    "at_one",
    "at_tie",
    "at_zero",
    "clamp_step",
    "code_rule",
    "critical",
    "divide",
    "facts",
    "kinks",
    "label",
    "literal",
    "poles",
    "pow_db",
    "power",
    "products",
    "slope",
    "symbol",
    "table_op",
    "template",
    "tie_step",
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
# (arguments, parameter) -> differences that are 0 where the op has a kink or a pole
Where = Callable[[Sequence[Any], Any], tuple[Any, ...]]


def literal(x: float) -> str:
    """A number as a Python expression that binds tighter than any operator."""
    text = repr(float(x))  # a NumPy scalar or Fraction would not be plain Python source
    return f"({text})" if text.startswith("-") else text  # inf and nan are names in the code


def _tuple(args: Sequence[str]) -> str:
    return f"({', '.join(args)},)" if args else "()"


def template(forward: str, *partials: str) -> CodeRule:
    """A code rule from format strings over {a}, {b} (the arguments), {out} and {k}."""
    def rule(out: str, args: Sequence[str], k: Any) -> Code:
        names = dict(zip("ab", args), out=out, k="" if k is None else literal(k))
        return Code(forward.format(**names), tuple(p.format(**names) for p in partials))
    return rule


@dataclass(frozen=True)
class Facts:
    """What the compiler and the drawings know of an op beyond its forward and derivative."""

    symbol: str  # how a drawing or formula shows it
    code: CodeRule | None = None  # the op as source code, for autograd.compile
    # where the derivative jumps: differences of the arguments (and parameter) that are 0 at
    # a kink, on floats or arrays alike; vector code hands samples near one to the engine
    kinks: Where | None = None
    # where it has no value or no finite derivative (1/b at b = 0, log at 0, asin at 1)
    poles: Where | None = None
    # how far its result may be from the exact one, in units of the last place: 0 for a
    # choice among its arguments, 0.5 for one correctly rounded IEEE 754 operation; None
    # where NumPy's exp or tanh may differ from math's
    ulps: float | None = None
    show: Callable[[Any], str] | None = None  # the op drawn with its parameter


def at_zero(args: Sequence[Any], k: Any) -> tuple[Any, ...]:
    """A kink (or pole) where the first argument is 0."""
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


def _powc_code(out: str, args: Sequence[str], k: float) -> Code:
    # an integer power of a float is always real: plain ** then, the checked pow_ otherwise
    a = args[0]
    forward = f"{a} ** {literal(k)}" if float(k).is_integer() else f"pow_({a}, {literal(k)})"
    return Code(forward, ("0.0" if k == 0 else f"{literal(k)} * {a} ** {literal(k - 1)}",))


def _clamp_code(out: str, args: Sequence[str], bounds: tuple[float, float]) -> Code:
    k = f"{literal(bounds[0])}, {literal(bounds[1])}"
    return Code(f"clamp({args[0]}, {k})", (f"clamp_step({args[0]}, {k})",))


DOT_INLINE = 32  # longer weighted sums call dot_, keeping every line short


def _dot_code(out: str, args: Sequence[str], k: Any = None) -> Code:
    b, ws, xs = args[0], args[1::2], args[2::2]
    if len(ws) <= DOT_INLINE:  # b + w_1 x_1 + ..., added left to right as the table's dot
        forward = " + ".join([b, *(f"{w} * {x}" for w, x in zip(ws, xs))])
    else:
        forward = f"dot_({b}, ({', '.join(ws)},), ({', '.join(xs)},))"
    return Code(forward, ("1.0", *(d for w, x in zip(ws, xs) for d in (x, w))))


def _neuron_code(out: str, args: Sequence[str], act: Op) -> Code:
    rule = FACTS[act].code
    assert rule is not None
    dot = _dot_code(out, args)
    outer = rule(out, [dot.forward], None)  # act(b + w·x), its slope read from out
    return Code(outer.forward, dot.partials, factor=outer.partials[0])


FACTS: dict[Op, Facts] = {
    LEAF: Facts("leaf"),
    CONST: Facts("const"),
    ADD: Facts("+", template("{a} + {b}", "1.0", "1.0"), ulps=0.5),
    MUL: Facts("*", template("{a} * {b}", "{b}", "{a}"), ulps=0.5),
    DIV: Facts("/", template("{a} / {b}", "1.0 / {b}", "-{out} / {b}"),
               poles=lambda args, k: (args[1],), ulps=0.5),
    POW: Facts("**", template("pow_({a}, {b})", "{b} * {a} ** ({b} - 1.0)",
                              "pow_db({out}, {a}, {b})"), poles=at_zero),
    ADD_SCALAR: Facts("+", template("{a} + {k}", "1.0"), ulps=0.5, show=lambda k: f"+ {k!r}"),
    MUL_SCALAR: Facts("*", template("{a} * {k}", "{k}"), ulps=0.5, show=lambda k: f"* {k!r}"),
    DIV_SCALAR: Facts("/", template("{a} / {k}", "1.0 / {k}"), ulps=0.5,
                      show=lambda k: f"/ {k!r}"),
    RDIV: Facts("/", template("{k} / {a}", "-{out} / {a}"), poles=at_zero, ulps=0.5,
                show=lambda k: f"{k!r} /"),
    NEG: Facts("-", template("-{a}", "-1.0"), ulps=0.0),
    POWC: Facts("**", _powc_code, poles=_powc_poles, show=lambda k: f"** {k!r}"),
    RPOW: Facts("**", template("pow_({k}, {a})", "pow_db({out}, {k}, {a})"),
                show=lambda k: f"{k!r} **"),
    ABS: Facts("abs", template("abs({a})", "sign({a})"), kinks=at_zero, ulps=0.0),
    EXP: Facts("exp", template("exp({a})", "{out}")),
    EXPM1: Facts("expm1", template("expm1({a})", "exp({a})")),
    LOG: Facts("log", template("log({a})", "1.0 / {a}"), poles=at_zero),
    SQRT: Facts("sqrt", template("sqrt({a})", "0.5 / {out}"), poles=at_zero, ulps=0.5),
    TANH: Facts("tanh", template("tanh({a})", "1.0 - {out} * {out}")),
    SIGMOID: Facts("sigmoid", template("sigmoid({a})", "{out} * (1.0 - {out})")),
    # relu's derivative as code is the comparison itself: True and False multiply as 1 and 0
    RELU: Facts("relu", template("relu({a})", "({out} > 0.0)"), kinks=at_zero, ulps=0.0),
    LEAKY_RELU: Facts("leaky_relu", template("leaky_relu({a}, {k})", "leaky_step({a}, {k})"),
                      kinks=at_zero, ulps=0.5),
    SOFTPLUS: Facts("softplus", template("softplus({a})", "-expm1(-{out})")),
    SIN: Facts("sin", template("sin({a})", "cos({a})")),
    COS: Facts("cos", template("cos({a})", "-sin({a})")),
    TAN: Facts("tan", template("tan({a})", "1.0 + {out} * {out}")),
    ATAN: Facts("atan", template("atan({a})", "1.0 / (1.0 + {a} * {a})")),
    ASIN: Facts("asin", template("asin({a})", "1.0 / sqrt((1.0 - {a}) * (1.0 + {a}))"),
                poles=at_one),
    ACOS: Facts("acos", template("acos({a})", "-1.0 / sqrt((1.0 - {a}) * (1.0 + {a}))"),
                poles=at_one),
    SINH: Facts("sinh", template("sinh({a})", "cosh({a})")),
    COSH: Facts("cosh", template("cosh({a})", "sinh({a})")),
    LOG1P: Facts("log1p", template("log1p({a})", "1.0 / (1.0 + {a})"),
                 poles=lambda args, k: (args[0] + 1.0,)),
    MAXIMUM: Facts("max", template("maximum({a}, {b})", "tie_step({a}, {b})",
                                   "tie_step({b}, {a})"), kinks=at_tie, ulps=0.0),
    MINIMUM: Facts("min", template("minimum({a}, {b})", "tie_step({b}, {a})",
                                   "tie_step({a}, {b})"), kinks=at_tie, ulps=0.0),
    CLAMP: Facts("clamp", _clamp_code, kinks=lambda args, k: (args[0] - k[0], args[0] - k[1]),
                 ulps=0.0, show=lambda k: f"clamp({k[0]!r}, {k[1]!r})"),
    DETACH: Facts("detach", template("{a}"), ulps=0.0),
    SHIFT: Facts("shift", lambda out, args, k: Code(f"shift({_tuple(args)})", ()), ulps=0.0),
    DOT: Facts("b+w·x", _dot_code),
    NEURON: Facts("act(b+w·x)", _neuron_code, show=lambda act: f"{act.name}(b+w·x)"),
    SUM: Facts("sum", lambda out, args, k: Code(f"fsum({_tuple(args)})", ("1.0",) * len(args))),
}


def facts(op: Op) -> Facts:
    """What the compiler and drawings know of ``op``: an op a user defined says (its
    ``facts``); of another op not listed, its name alone."""
    known = FACTS.get(op) or getattr(op, "facts", None)
    return known if isinstance(known, Facts) else Facts(op.name)


def code_rule(op: Op) -> CodeRule | None:
    """The op as source code, or None."""
    return facts(op).code


def symbol(op: Op) -> str:
    """How a drawing or formula shows the op."""
    return facts(op).symbol


def label(op: Op, param: Any) -> str:
    """The op as drawn: its symbol, with its fixed parameter where it has one."""
    known = facts(op)
    if known.show is not None:
        return known.show(param)
    return f"{known.symbol}({param!r})" if op.param is not None else known.symbol


def kinks(op: Op) -> Where | None:
    """Where the op's derivative jumps, or None."""
    return facts(op).kinks


def poles(op: Op) -> Where | None:
    """Where the op has no value or no finite derivative, or None."""
    return facts(op).poles


def ulps(op: Op) -> float | None:
    """How far the op's result may be from the exact one, in units of the last place."""
    return facts(op).ulps


def critical(op: Op, args: Sequence[Any], k: Any) -> tuple[Any, ...]:
    """The differences that are 0 at a kink or a pole of ``op`` (floats or arrays)."""
    known = facts(op)
    return ((known.kinks(args, k) if known.kinks else ())
            + (known.poles(args, k) if known.poles else ()))
