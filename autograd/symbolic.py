"""Derivative rules run on symbols: each rule of the table, called with ``SYMBOLIC`` and
``Sym`` arguments, returns its derivatives as Python source.

This is how the compiler gets the code of every derivative without a second copy of any:
the rule that computes floats in the backward pass and Values under ``create_graph``
computes source text here, the same operations in the same order (so the code's floats are
the rule's). A step of a piecewise rule (select, sign, tie_step, clamp_step, pow_db) is
written as a call of the kernel of that name, which compiled code finds on floats and on
NumPy arrays (autograd/kernels.py).
"""

from __future__ import annotations

from typing import Any


def literal(x: float) -> str:
    """A number as a Python expression that binds tighter than any operator."""
    text = repr(float(x))  # a NumPy scalar or Fraction would not be plain Python source
    return f"({text})" if text.startswith("-") else text  # inf and nan are names in the code

# how tightly an expression binds: a sum, a product, a negation, a power, an atom
SUM, PRODUCT, NEGATION, POWER, ATOM = range(5)


def unpack(names: list[str]) -> str:
    """The left side of an unpacking assignment: 'a, b', 'a,' or '()'."""
    return ", ".join(names) + ("," if len(names) == 1 else "") if names else "()"


class Sym:
    """An expression as source text, with how tightly it binds."""

    __slots__ = ("binds", "text")

    def __init__(self, text: str, binds: int = ATOM) -> None:
        self.text, self.binds = text, binds

    def __add__(self, other: Any) -> Sym:
        return infix(self, "+", other, SUM)

    def __radd__(self, other: Any) -> Sym:
        return infix(other, "+", self, SUM)

    def __sub__(self, other: Any) -> Sym:
        return infix(self, "-", other, SUM)

    def __rsub__(self, other: Any) -> Sym:
        return infix(other, "-", self, SUM)

    def __mul__(self, other: Any) -> Sym:
        return infix(self, "*", other, PRODUCT)

    def __rmul__(self, other: Any) -> Sym:
        return infix(other, "*", self, PRODUCT)

    def __truediv__(self, other: Any) -> Sym:
        return infix(self, "/", other, PRODUCT)

    def __rtruediv__(self, other: Any) -> Sym:
        return infix(other, "/", self, PRODUCT)

    def __pow__(self, other: Any) -> Sym:
        return infix(self, "**", other, POWER)

    def __rpow__(self, other: Any) -> Sym:
        return infix(other, "**", self, POWER)

    def __neg__(self) -> Sym:
        return Sym(f"-{grouped(self, NEGATION)}", NEGATION)

    def __abs__(self) -> Sym:
        return call("abs", self)

    def __bool__(self) -> bool:
        raise TypeError("a derivative rule that branches with `if` on its arguments cannot be "
                        "written as code: branch with m.select (or m.sign) instead")

    def _compared(self, other: Any) -> bool:
        return self.__bool__()  # a comparison would decide a branch now, for every run

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _compared
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"Sym({self.text!r})"


def source(x: Any) -> Sym:
    """x as an expression: a Sym itself, a number as a literal."""
    return x if isinstance(x, Sym) else Sym(literal(x))


def grouped(x: Any, binds: int) -> str:
    """x's text, in parentheses unless it binds more tightly than ``binds``."""
    x = source(x)
    return x.text if x.binds > binds else f"({x.text})"


def infix(a: Any, symbol: str, b: Any, binds: int) -> Sym:
    """a symbol b, evaluated as written: a left operand of equal binding needs no
    parentheses (a - b - c is (a - b) - c), a right one does (a - (b - c)); ** is the
    other way round."""
    if binds == POWER:
        return Sym(f"{grouped(a, POWER)} ** {grouped(b, NEGATION)}", POWER)
    return Sym(f"{grouped(a, binds - 1)} {symbol} {grouped(b, binds)}", binds)


def call(name: str, *args: Any) -> Sym:
    """name(args), a call of the kernel of that name."""
    return Sym(f"{name}({', '.join(source(a).text for a in args)})")


def _calling(name: str) -> Any:
    return staticmethod(lambda *args: call(name, *args))


class SymbolicMath:
    """FloatMath's functions on symbols: each a call of the kernel of its name."""

    exp, log, sqrt, expm1 = _calling("exp"), _calling("log"), _calling("sqrt"), _calling("expm1")
    sin, cos, sinh, cosh = _calling("sin"), _calling("cos"), _calling("sinh"), _calling("cosh")
    sigmoid, sign, tie_step = _calling("sigmoid"), _calling("sign"), _calling("tie_step")
    clamp_step, pow_db = _calling("clamp_step"), _calling("pow_db")

    @staticmethod
    def pow(a: Any, b: Any) -> Sym:
        """a ** b."""
        return infix(a, "**", b, POWER)

    @staticmethod
    def select(a: Any, positive: Any, otherwise: Any) -> Sym:
        """positive where a > 0, else otherwise: (a > 0.0) itself for 1 and 0 (True and
        False multiply as 1 and 0, on floats and on arrays), else the kernel."""
        if isinstance(positive, float) and isinstance(otherwise, float) and (
                positive, otherwise) == (1.0, 0.0):
            return Sym(f"({source(a).text} > 0.0)")
        return call("select", a, positive, otherwise)

    @staticmethod
    def val(a: Any) -> Any:
        """The plain number: not known when code is written."""
        raise TypeError("a derivative rule that branches on m.val cannot be written as code: "
                        "branch with m.select (or m.sign) instead")


class ArraySymbolicMath(SymbolicMath):
    """The same for code on arrays of any library: a step is the kernel's float array, for
    the Array API standard does not multiply booleans by numbers."""

    @staticmethod
    def select(a: Any, positive: Any, otherwise: Any) -> Sym:
        """positive where a > 0, else otherwise: the kernel."""
        return call("select", a, positive, otherwise)


SYMBOLIC = SymbolicMath()
ARRAY_SYMBOLIC = ArraySymbolicMath()


def derivatives(partials: Any, out: str, args: list[str], k: Any,
                m: SymbolicMath = SYMBOLIC) -> tuple[str, ...]:
    """The source of each derivative ``partials(m, out, x, k)`` gives, at these names."""
    return tuple(source(d).text for d in partials(m, Sym(out), [Sym(a) for a in args], k))
