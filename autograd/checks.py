"""Argument checks: a real number, an integer, a bound; each error names the argument.

Every refused argument raises ValueError; one of the wrong type (a str, a bool, a float
where an integer is needed) raises NumberTypeError, which is a TypeError as well.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import TypeGuard, TypeVar

from autograd.core.errors import is_real

T = TypeVar("T")


class NumberTypeError(TypeError, ValueError):
    """An argument that is not a number of the kind asked: a TypeError and a ValueError."""


def is_number(value: object) -> TypeGuard[numbers.Real]:
    """Whether ``value`` is a real number as a setting or input is (NumPy scalars and
    Fractions too), not a bool: Value arithmetic takes True as 1, as Python does
    (``is_real``), but ``lr=True`` is a mistake."""
    return is_real(value) and not isinstance(value, bool)


def _error(name: str, what: str, value: object, kind: type[ValueError] = ValueError,
           why: str = "") -> ValueError:
    text = repr(value)
    shown = text if len(text) <= 60 else text[:57] + "..."
    if kind is NumberTypeError:
        shown += f" ({type(value).__name__})"
    return kind(f"{name} must be {what}, got {shown}{why}")


def _float(name: str, value: object, what: str) -> float:
    if not is_number(value):
        raise _error(name, what, value, NumberTypeError)
    try:
        return float(value)
    except OverflowError:  # an int or Fraction beyond 1.8e308
        raise _error(name, what, value, why=", too large for a float") from None


def real(name: str, value: object) -> float:
    """A real number as a plain float; NaN and infinity pass."""
    if type(value) is float:  # nearly always (the compiler's inputs): no ABC check, no call
        return value
    return _float(name, value, "a real number")


def at_least(name: str, value: object, low: float, *, strict: bool = False,
             finite: bool = False) -> float:
    """A real number >= low (> low if strict; not infinity if finite) as a float; not NaN."""
    what = f"a {'finite ' if finite else ''}real number {'>' if strict else '>='} {low:g}"
    x = _float(name, value, what)
    if not (x > low if strict else x >= low) or (finite and x == math.inf):  # NaN fails
        raise _error(name, what, value)
    return x


def in_range(name: str, value: object, low: float, high: float, *,
             strict: bool = False) -> float:
    """A real number in [low, high) ((low, high) if strict) as a float; not NaN."""
    what = f"a real number in {'(' if strict else '['}{low:g}, {high:g})"
    x = _float(name, value, what)
    if not ((x > low if strict else x >= low) and x < high):  # NaN fails
        raise _error(name, what, value)
    return x


def one_of(kind: str, name: str, table: Mapping[str, T]) -> T:
    """The entry of ``table`` called ``name``; ValueError naming the choices otherwise."""
    if name not in table:
        raise ValueError(f"unknown {kind} {name!r}; choose one of {', '.join(table)}")
    return table[name]


def integer(name: str, value: object, low: int) -> int:
    """An integer >= low (NumPy integers too, not a bool) as a plain int."""
    what = f"an integer >= {low}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _error(name, what, value, NumberTypeError)
    if value < low:
        raise _error(name, what, value)
    return int(value)
