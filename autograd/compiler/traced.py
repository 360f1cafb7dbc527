"""What tracing a function refuses: Python deciding something by a number that may change.

While ``autograd.jit`` or ``nn``'s compiled training traces a function, a branch taken on a
Value's number (``if v > 0``, ``v == 2``, ``int(n)``) would be taken once, when tracing, and
frozen into the code for every later call. The core asks ``refuse`` (given to
``grad_mode.tracing_values``) whenever that happens; jit's number arguments are ``Traced``
leaves, so the error can name the argument to mark static.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from autograd.core import grad_mode
from autograd.engine import Number, Value, toposort


def refuse(what: str, *operands: object) -> None:
    """Raise TypeError: Python would decide ``what`` by a traced value, once, for every call.

    == with a number is refused only in the user's code: autograd's own passes compare
    Values by identity while a function is traced."""
    if what == "== or != with a number" and not _from_user_code(4):
        return
    for o in operands:
        if isinstance(o, Value):  # a number argument, or a value computed from one
            traced = [v for v in toposort([o]) if isinstance(v, Traced)]
            if traced:
                names = ", ".join(dict.fromkeys(v.argument for v in traced))
                on = "on it" if o is traced[0] else f"on a value computed from it ({names})"
                raise TypeError(
                    f"jit traces {traced[0].argument} as a number that may change from call "
                    f"to call, so {what} {on} would be decided once, when tracing, and "
                    "frozen into the code for every later call: mark it static (jit(f, "
                    "static_argnums=...) or static_argnames=...), and f is traced again for "
                    "each of its values")
    raise TypeError(f"the code being traced uses {what} on a Value: the branch taken now "
                    "would be frozen into the compiled code for every later call or sample; "
                    "compute without branching (relu, maximum, clamp), mark the numbers it "
                    "depends on static (jit's static_argnums), or do not compile "
                    "(compiled=False)")


def _refuse(what: str, *operands: object) -> NoReturn:
    refuse(what, *operands)
    raise AssertionError("unreachable: refuse raises for everything but ==")


def _from_user_code(depth: int) -> bool:
    """Whether the code asking (``depth`` frames up) is outside autograd."""
    name = sys._getframe(depth).f_globals.get("__name__", "")
    return not (name == "autograd" or name.startswith("autograd."))


class Traced(Value):
    """A number argument of a function that ``autograd.jit`` traces: a leaf standing for a
    number that may be another at every call. Python may compute with it, but not decide
    anything by it (==, hash, truth, int, an index) while the function is traced: that
    would be decided once, for every call."""

    __slots__ = ("argument",)
    _IDENTITY_KEPT = True  # == and hash refuse while tracing, else are Value's (identity)

    def __init__(self, data: Number, label: str, argument: str) -> None:
        super().__init__(data, label)
        self.argument = argument  # how the function's caller passed it: "n", "xs[2]"

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if _tracing() and _from_user_code(2):
            _refuse("== or != (and `in`)", self)
        return False

    def __hash__(self) -> int:
        if _tracing() and _from_user_code(2):
            _refuse("hashing (a set or a dict key)", self)
        return object.__hash__(self)

    def __index__(self) -> int:
        _refuse("use as an integer (an index, a range bound)", self)

    def __int__(self) -> int:
        _refuse("int()", self)

    def __float__(self) -> float:
        _refuse("float() (math.sqrt(x) and other math functions call it)", self)


def _tracing() -> bool:
    return grad_mode.tracing.get() is not None
