"""How drawings, the explorer and formulas show each op: its symbol, and with its fixed
parameter where it has one (``x * 2.0`` as ``* 2.0``, ``2.0 / x`` as ``2.0 /``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd import ops
from autograd.ops import Op

SYMBOLS: dict[Op, str] = {
    ops.ADD: "+", ops.MUL: "*", ops.DIV: "/", ops.POW: "**", ops.ADD_SCALAR: "+",
    ops.MUL_SCALAR: "*", ops.DIV_SCALAR: "/", ops.RDIV: "/", ops.NEG: "-", ops.POWC: "**",
    ops.RPOW: "**", ops.MAXIMUM: "max", ops.MINIMUM: "min", ops.DOT: "b+w·x",
    ops.NEURON: "act(b+w·x)",
}  # every other op by its name (exp, tanh, relu, an op a user defined)

SHOWN: dict[Op, Callable[[Any], str]] = {  # an op with its fixed parameter
    ops.ADD_SCALAR: lambda k: f"+ {k!r}", ops.MUL_SCALAR: lambda k: f"* {k!r}",
    ops.DIV_SCALAR: lambda k: f"/ {k!r}", ops.RDIV: lambda k: f"{k!r} /",
    ops.POWC: lambda k: f"** {k!r}", ops.RPOW: lambda k: f"{k!r} **",
    ops.CLAMP: lambda k: f"clamp({k[0]!r}, {k[1]!r})",
    ops.NEURON: lambda act: f"{act.name}(b+w·x)",
}


def symbol(op: Op) -> str:
    """How a drawing or formula shows the op."""
    return SYMBOLS.get(op, op.name)


def label(op: Op, param: Any) -> str:
    """The op as drawn: its symbol, with its fixed parameter where it has one."""
    if op in SHOWN:
        return SHOWN[op](param)
    return f"{symbol(op)}({param!r})" if op.param is not None else symbol(op)
