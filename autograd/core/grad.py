"""grad, and what touches ``.grad`` of many values together: zero_grad, gradients and
add_gradients."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat
from typing import Any

from autograd.core import backward as backward_pass
from autograd.core.errors import is_real
from autograd.core.value import HANDING_OVER, Grad, Value, accumulate, seed_of


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
         grad_outputs: Grad | Sequence[Grad] | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> list[Grad]:
    """d(outputs)/d(inputs) as a list, like torch.autograd.grad; no ``.grad`` is changed."""
    outs, ins, seeds = grad_arguments(outputs, inputs, grad_outputs)
    grads = backward_pass.backprop(outs, seeds, create_graph)
    return used(ins, [grads.get(x) for x in ins], allow_unused)


def grad_arguments(outputs: Any, inputs: Any, grad_outputs: Any
                   ) -> tuple[list[Value], list[Value], list[Grad]]:
    """grad's outputs, inputs and seeds as lists, checked."""
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    ins = [inputs] if isinstance(inputs, Value) else list(inputs)
    for v in (*outs, *ins):
        if not isinstance(v, Value):
            raise TypeError(f"grad takes Values as outputs and inputs, not {type(v).__name__}")
    if grad_outputs is None:
        return outs, ins, [1.0] * len(outs)
    given = [grad_outputs] if isinstance(grad_outputs, Value) or is_real(grad_outputs) \
        else list(grad_outputs)
    seeds = [seed_of(g) for g in given]
    if len(seeds) != len(outs):
        raise ValueError(f"grad got {len(outs)} outputs but {len(seeds)} grad_outputs")
    return outs, ins, seeds


def used(ins: list[Value], found: list[Grad | None], allow_unused: bool) -> list[Grad]:
    """The gradients found, 0.0 for an input the outputs do not depend on (if allowed)."""
    for i, g in enumerate(found):
        if g is None and not allow_unused:
            raise ValueError(f"input {i} ({ins[i]!r}) is not used to compute the outputs; "
                             "pass allow_unused=True to get 0.0 for it")
    return [0.0 if g is None else g for g in found]


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``.grad`` of every value to 0.0 (gradients accumulate until you do)."""
    values = checked_values(values)
    with HANDING_OVER:  # all together: no pass hands over in between
        for v in values:
            v.grad = 0.0


def gradients(values: Iterable[Value]) -> list[Grad]:
    """Each value's ``.grad``, read together: no backward pass hands over in between."""
    values = checked_values(values)
    with HANDING_OVER:
        return [v.grad for v in values]


def add_gradients(values: Iterable[Value], grads: Iterable[Grad]) -> None:
    """Add each gradient into its value's ``.grad``, together, as a backward pass does."""
    accumulate(zip(*checked_gradients(values, grads)))


def checked_values(values: Iterable[Value]) -> list[Value]:
    """values as a list, TypeError unless each is a Value."""
    values = list(values)
    if not all(map(isinstance, values, repeat(Value))):  # the usual case, checked in C
        i, v = next((i, v) for i, v in enumerate(values) if not isinstance(v, Value))
        raise TypeError(f"value {i} is a {type(v).__name__}, not a Value")
    return values


def checked_gradients(values: Iterable[Value], grads: Iterable[Grad]
                      ) -> tuple[list[Value], list[Grad]]:
    """values and gradients as lists of one length, each gradient a number or a Value:
    checked before any is added."""
    values, grads = checked_values(values), list(grads)
    if len(values) != len(grads):
        raise ValueError(f"add_gradients got {len(values)} values and {len(grads)} gradients")
    if not {float}.issuperset(map(type, grads)):  # floats, the usual case, checked in C
        for i, g in enumerate(grads):
            if not (isinstance(g, Value) or is_real(g)):
                raise TypeError(f"gradient {i} is a {type(g).__name__}, not a number or a "
                                "Value")
    return values, grads
