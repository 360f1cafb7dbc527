"""The float functions the op table computes with, exact where IEEE 754 allows.

Python's own operators raise where IEEE 754 would give infinity (``2.0 ** 2000``) or are
not the function wanted (``max`` ignores NaN); these are the table's forward functions, and
``FloatMath`` the functions its derivative rules call on floats.
"""

from __future__ import annotations

import math
import operator
import sys
from collections.abc import Sequence
from typing import Any


class FloatMath:
    """The functions derivative rules call, on plain floats."""

    exp, log, sqrt, expm1 = (staticmethod(f) for f in (math.exp, math.log, math.sqrt, math.expm1))
    sin, cos, sinh, cosh = (staticmethod(f) for f in (math.sin, math.cos, math.sinh, math.cosh))

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
        """1 / (1 + e^-a), without overflow for large |a|."""
        if a >= 0.0:
            return 1.0 / (1.0 + math.exp(-a))
        e = math.exp(a)
        return e / (1.0 + e)

    @staticmethod
    def val(a: float) -> float:
        """The plain number (a rule of a user's op may branch on it; the table's do not)."""
        return a

    # the steps of piecewise rules: branches taken by the namespace, never by a rule's own
    # `if`, so that a rule also runs on Values (create_graph) and on symbols (compiled code)

    @staticmethod
    def select(a: float, positive: Any, otherwise: Any) -> Any:
        """``positive`` where a > 0, else ``otherwise`` (NaN is not > 0)."""
        return positive if a > 0.0 else otherwise

    @staticmethod
    def sign(a: float) -> float:
        """1 for a > 0, -1 for a < 0, else 0 (NaN too): d|a|/da, 0 at the kink as PyTorch."""
        return 1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)

    @staticmethod
    def tie_step(a: float, b: float) -> float:
        """d max(a, b)/da as PyTorch takes it: 1 where a > b, 0 where a < b, 1/2 at a tie."""
        return 0.5 if a == b else (0.0 if a < b else 1.0)

    @staticmethod
    def clamp_step(a: float, low: float, high: float) -> float:
        """d clamp(a)/da: 1 from low to high (both included, as PyTorch), else 0."""
        return 1.0 if low <= a <= high else 0.0

    @staticmethod
    def pow_db(out: float, a: float, b: float) -> float:
        """d(a^b)/db = a^b log a, for a > 0; 0 at a = 0 for b > 0 (PyTorch's one-sided limit);
        NaN with NaN or infinity; else it does not exist."""
        if a > 0.0:
            return out * math.log(a)
        if a == 0.0 and b > 0.0:
            return 0.0
        if a - a != 0.0 or b - b != 0.0:  # NaN or -inf: log a is NaN (IEEE)
            return math.nan
        raise ValueError(f"the derivative of a**b with respect to b does not exist at a={a!r}")


FLOAT_MATH = FloatMath()


def power(a: float, b: float) -> float:
    """a ** b, refusing a complex result."""
    out: float | complex = a**b
    if isinstance(out, complex):
        raise ValueError("a negative number to a fractional power is not real")
    return out


def divide(a: float, b: float) -> float:
    """a / b; inf / 0 and nan / 0 as IEEE 754 has them, finite / 0 an error."""
    try:
        return a / b
    except ZeroDivisionError:
        if a - a == 0.0:
            raise
        return a * math.copysign(math.inf, b)


_SUM_IN_ORDER = sys.version_info < (3, 12)  # from 3.12, sum() of floats compensates rounding


def products(b: float, ws: Sequence[float], xs: Sequence[float]) -> float:
    """b + w_1 x_1 + w_2 x_2 + ..., added left to right from b (micrograd's order)."""
    if _SUM_IN_ORDER:  # the same numbers, quicker
        return sum(map(operator.mul, ws, xs), b)
    total = b
    for w, x in zip(ws, xs):
        total += w * x
    return total


def softplus(a: float) -> float:
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))  # log(1 + e^a), never overflowing


def clamp(a: float, bounds: tuple[float, float]) -> float:
    out = bounds[0] if a < bounds[0] else a  # min(max(a, lo), hi): hi wins if lo > hi
    return bounds[1] if out > bounds[1] else out


