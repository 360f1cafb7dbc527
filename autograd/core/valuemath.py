"""The functions derivative rules call, on Values: the rules then build a graph of their
derivatives (``create_graph``), which can be differentiated again. Each is FloatMath's
function of the same name; a step of a piecewise rule is a constant (its derivative is 0
wherever it has one)."""

from __future__ import annotations

import math
import operator
from typing import Any

from autograd.core.floats import FLOAT_MATH


def _number(a: Any) -> Any:
    return a if isinstance(a, float) else a.data


class ValueMath:
    """FloatMath's functions on Values: each as the Value method of its name."""

    exp, log, sqrt, expm1, sin, cos, sinh, cosh, sigmoid = (
        staticmethod(operator.methodcaller(name))
        for name in ("exp", "log", "sqrt", "expm1", "sin", "cos", "sinh", "cosh", "sigmoid"))
    pow = staticmethod(operator.pow)
    val = staticmethod(operator.attrgetter("data"))  # the plain number

    @staticmethod
    def select(a: Any, positive: Any, otherwise: Any) -> Any:
        """``positive`` where a > 0, else ``otherwise``."""
        return FLOAT_MATH.select(_number(a), positive, otherwise)

    @staticmethod
    def sign(a: Any) -> float:
        """The sign of a's number, a constant."""
        return FLOAT_MATH.sign(_number(a))

    @staticmethod
    def tie_step(a: Any, b: Any) -> float:
        """FloatMath.tie_step of the numbers, a constant."""
        return FLOAT_MATH.tie_step(_number(a), _number(b))

    @staticmethod
    def clamp_step(a: Any, low: float, high: float) -> float:
        """FloatMath.clamp_step of a's number, a constant."""
        return FLOAT_MATH.clamp_step(_number(a), low, high)

    @staticmethod
    def pow_db(out: Any, a: Any, b: Any) -> Any:
        """d(a^b)/db = a^b log a as a Value (a fixed base a is a float: log a is too)."""
        if _number(a) > 0.0:
            return out * (math.log(a) if isinstance(a, float) else a.log())
        return FLOAT_MATH.pow_db(_number(out), _number(a), _number(b))


VALUE_MATH = ValueMath()
