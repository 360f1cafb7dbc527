"""Ops users add: a primitive from its forward on floats and its derivative rule.

HIPS autograd calls this ``primitive`` (and ``defvjp``), PyTorch ``torch.autograd.Function``,
JAX ``custom_jvp``. Here an op is what the table's entries are: a forward function on
floats and a derivative rule in the table's one signature, ``partials(m, out, x, k)``, that
returns d(out)/d(x[i]) for each argument. The engine then needs nothing else: the backward
pass and ``create_graph`` run the rule as they run the table's, ``gradcheck`` checks it,
the compiler writes code that calls it (on floats; on NumPy arrays element by element, the
same floats), drawings show the op by its name, and a one-argument op is an ``nn``
activation by name.

    @autograd.primitive(lambda m, out, x, k: (1.0 / (1.0 + abs(x[0])) ** 2,))
    def softsign(a):
        return a / (1.0 + abs(a))  # softsign(Value(2.0)) is a Value
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast, overload

from autograd import kernels
from autograd.core.floats import FLOAT_MATH
from autograd.core.ops import TABLE, Op
from autograd.engine import Number, Value, apply
from autograd.ops import Facts, Where, literal

Partials = Callable[[Any, Any, Sequence[Any], Any], Sequence[Any]]


@dataclass(frozen=True, eq=False)
class Primitive(Op):
    """An op a user defined: an Op, with what the compiler and drawings need of it."""

    kinks: Where | None = None  # where its derivative jumps (see autograd.ops.Facts)

    @property
    def facts(self) -> Facts:
        """Its forward as a call of its own function, its kinks; its derivatives are its
        rule run on symbols, or calls of its rule where the rule branches with `if`
        (autograd.ops.ruled)."""
        return Facts(self._forward, kinks=self.kinks)

    def _forward(self, out: str, args: Sequence[str], k: Any) -> str:
        fixed = [] if k is None else [literal(k)]
        return f"{kernel_name(self)}({', '.join([*args, *fixed])})"

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        if getattr(PRIMITIVES.get(self.name), "op", None) is not self:
            raise TypeError(f"{self!r} is no longer the primitive of that name: it cannot be "
                            "pickled by name")
        return named, (self.name,)


class PrimitiveFunction(Protocol):
    """What ``primitive`` returns: the op applied to Values and numbers (a Value), with the Op
    as its ``op``."""

    op: Primitive
    __name__: str

    def __call__(self, *args: Value | Number, **fixed: float) -> Value: ...


# every primitive defined, by name (the latest of a name): the function applying it
PRIMITIVES: dict[str, PrimitiveFunction] = {}


def named(name: str) -> Primitive:
    """The primitive called ``name`` (how a pickled one is read back)."""
    if name not in PRIMITIVES:
        raise KeyError(f"no primitive named {name!r} is defined: define it (import the module "
                       "that does) before unpickling what uses it")
    return PRIMITIVES[name].op


def kernel_name(op: Op) -> str:
    """The name compiled code calls the op's forward by (its rule: that name + _d0, _d1...)."""
    return f"user_{op.name}"


def _arity(forward: Callable[..., float], param: str | None) -> int:
    positional = [p for p in inspect.signature(forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind is p.VAR_POSITIONAL for p in inspect.signature(forward).parameters.values()):
        raise TypeError("a primitive's forward takes its arguments one by one (a, b), not *args")
    arity = len(positional) - (param is not None)
    if arity not in (1, 2):
        raise TypeError(f"a primitive's forward takes one or two arguments (and its parameter "
                        f"{param!r} last, if it has one), not {len(positional)}")
    return arity


@overload
def primitive(partials: Partials, forward: None = None, *, name: str | None = None,
              param: str | None = None,
              kinks: Where | None = None) -> Callable[[Callable[..., float]], PrimitiveFunction]:
    ...


@overload
def primitive(partials: Partials, forward: Callable[..., float], *, name: str | None = None,
              param: str | None = None, kinks: Where | None = None) -> PrimitiveFunction:
    ...


def primitive(partials: Partials, forward: Callable[..., float] | None = None, *,
              name: str | None = None, param: str | None = None,
              kinks: Where | None = None) -> Any:
    """Define an op from its derivative rule and its forward on floats; usable as a decorator.

    ``partials(m, out, x, k)`` gives d(out)/d(x[i]) for each argument, as the table's rules
    do: ``m`` holds exp, log, sqrt, sin, cos, sinh, cosh, expm1, sigmoid, pow and val (the
    plain number, to branch on), and the rule must call those, not ``math``'s, so that it
    runs on Values too (second derivatives). ``param`` names a fixed number given last to
    the forward (a slope); ``kinks`` says where the derivative jumps, as the table's do.
    Returns the function applying the op to Values and numbers; its ``op`` is the Op.
    """
    if not callable(partials) or len(inspect.signature(partials).parameters) != 4:
        raise TypeError("primitive takes the derivative rule first, a function (m, out, x, k) "
                        f"-> derivatives, not {partials!r:.60}: write @primitive(rule) above "
                        "the forward")

    def define(forward: Callable[..., float]) -> PrimitiveFunction:
        op_name = str(name or getattr(forward, "__name__", ""))
        if not op_name.isidentifier() or op_name in TABLE:
            raise ValueError(f"a primitive needs a name that is an identifier and not an op of "
                             f"the table, not {op_name!r}")
        op = Primitive(op_name, _arity(forward, param), forward, partials, param=param,
                       kinks=kinks)
        _register_kernels(op)

        def applied(*args: Value | Number, **fixed: float) -> Value:
            if len(args) != op.arity or set(fixed) - {param}:
                raise TypeError(f"{op_name} takes {op.arity} argument(s)"
                                + (f" and {param}=" if param else ""))
            k = fixed.get(param) if param else None
            return apply(op, list(args), None if k is None else float(k))

        # named as the forward it replaces, so that pickle finds it where it was defined
        applied.__name__, applied.__doc__ = op_name, forward.__doc__
        applied.__qualname__ = str(getattr(forward, "__qualname__", op_name))
        applied.__module__ = str(getattr(forward, "__module__", __name__))
        applied.op = op  # type: ignore[attr-defined]
        PRIMITIVES[op_name] = function = cast(PrimitiveFunction, applied)
        return function

    return define if forward is None else define(forward)


def _register_kernels(op: Primitive) -> None:
    """What compiled code calls for ``op``: its forward, on floats and, element by element,
    on NumPy arrays (the same floats); its rule by its name (kernels.partial_)."""
    kernels.FLOAT_KERNELS[kernel_name(op)] = kernels.ELEMENTWISE[kernel_name(op)] = op.forward
    kernels.BY_NAME[op.name] = op

def rule_disagrees(op: Op, args: Sequence[float], param: Any, eps: float, atol: float,
                   rtol: float) -> str | None:
    """How ``op``'s rule disagrees with central differences of its forward at ``args``, or
    None where they agree (what gradcheck says of a user's op)."""
    fixed = () if param is None else (param,)
    try:
        out = op.forward(*args, *fixed)
        rule = op.partials(FLOAT_MATH, out, list(args), param)
    except (ArithmeticError, ValueError):
        return None
    for i, d in enumerate(rule):
        up, down = list(args), list(args)
        up[i] += eps
        down[i] -= eps
        try:
            n = (op.forward(*up, *fixed) - op.forward(*down, *fixed)) / (2.0 * eps)
        except (ArithmeticError, ValueError):
            continue
        if math.isfinite(n) and not abs(d - n) <= atol + rtol * abs(n):
            at = ", ".join(f"{'ab'[j]}={x!r}" for j, x in enumerate(args))
            return (f"the derivative rule of op {op.name!r} gives d/d{'ab'[i]} = {d!r} at "
                    f"{at}, where central differences of its forward give {n!r}")
    return None

