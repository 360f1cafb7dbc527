"""The one rule for errors, NaN and infinity, and how an error names its op.

An op whose arguments (and fixed parameter) are all finite gives a finite result or raises,
naming the op and its arguments; an op with NaN or infinity among them never raises and
gives the IEEE 754 result. The engine applies the rule to every node, the backward pass to
every derivative.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from autograd.core import ops
from autograd.core.ops import Op


def domain_error(op: Op, args: Sequence[float], error: Exception) -> Exception:
    """error, its message prefixed with the op and its arguments: log(-1.0): ..."""
    shown = ", ".join(repr(a) for a in args[:6]) + (f", ... ({len(args)} arguments)"
                                                     if len(args) > 6 else "")
    return type(error)(f"{op.name}({shown}): {error}")


def finite(args: Sequence[float]) -> bool:
    """Whether every number is finite."""
    return all(a - a == 0.0 for a in args)  # inf - inf and nan - nan are nan


def invalid(op: Op, args: Sequence[float], error: Exception) -> float:
    """NaN where an op raised on NaN or infinity; else the error, naming the op."""
    # Python raises where IEEE 754 calls an operation invalid (sin(inf), log(-inf),
    # inf + -inf in fsum): with NaN or infinity among the arguments, the IEEE result is NaN;
    # with finite arguments, the op has no value there
    if finite(args):
        raise domain_error(op, args, error) from None
    return math.nan


def checked(op: Op, out: float, args: Sequence[float]) -> float:
    """out, unless the op turned finite arguments into infinity or NaN."""
    # IEEE arithmetic overflows silently to inf; we refuse to turn finite inputs into it
    if out - out != 0.0 and finite(args):
        raise domain_error(op, args, OverflowError("result is not finite"))
    return out


def with_param(x: float, param: Any) -> tuple[float, ...]:
    """An argument and the numbers of a fixed parameter (k, a slope, bounds), for checks."""
    if type(param) is float:
        return (x, param)
    return (x, *param) if type(param) is tuple else (x,)  # no parameter, or an Op


# a number kept in the node is named where the user wrote it: x * 2 fails as mul(x, 2.0),
# 2 / x as div(2.0, x)
_WRITTEN = ({kept: (op, False) for op, kept in ops.NUMBER_SECOND.items()}
            | {kept: (op, True) for op, kept in ops.NUMBER_FIRST.items()
               if kept not in ops.NUMBER_SECOND.values()})


def as_written(op: Op, x: float, param: Any) -> tuple[Op, tuple[float, ...]]:
    """The op and arguments an error names, for a one-argument node of ``op``."""
    if op in _WRITTEN:
        binary, number_first = _WRITTEN[op]
        return binary, (param, x) if number_first else (x, param)
    return op, with_param(x, param)


def undefined(op: Op, xs: Sequence[float], param: Any, error: Exception) -> list[float]:
    """The local derivatives of a node of ``op`` whose rule raised ``error``: at a finite
    point there are none (an error naming the op); with NaN or infinity among the arguments
    they are NaN, as IEEE 754 makes an invalid operation."""
    named, args = (op, xs) if len(xs) != 1 else as_written(op, xs[0], param)
    if finite([*xs, *with_param(0.0, param)]):
        raise domain_error(named, args, type(error)(f"no finite derivative here ({error})"))
    return [math.nan] * len(xs)


def is_real(x: object) -> bool:
    """Whether x is a real number (an int, a float, a bool or any numbers.Real)."""
    return type(x) is float or type(x) is int or isinstance(x, numbers.Real)


def to_float(x: object) -> float:
    """x as a float; TypeError for anything but a real number."""
    if not is_real(x):
        raise TypeError(f"Value needs a real number (int or float), not {type(x).__name__}: {x!r}")
    return float(x)  # type: ignore[arg-type]


def operand(op: Op, x: Any) -> Any:
    """x, if ``op`` takes it (a real number); else a TypeError naming op."""
    if not is_real(x):
        raise TypeError(f"{op.name} takes Values and real numbers, not {type(x).__name__}: "
                        f"{x!r:.60}")
    return x
