"""The one rule for errors, NaN and infinity, and how an error names its op.

An op whose arguments (and fixed parameter) are all finite gives a finite result or raises,
naming the op and its arguments; an op with NaN or infinity among them never raises and
gives the IEEE 754 result. The engine applies the rule to every node, the backward pass to
every derivative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd.ops import Op


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
