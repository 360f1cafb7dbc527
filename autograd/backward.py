"""The backward pass: the chain rule applied in reverse topological order, without recursion.

Each op's local derivatives come from its rule in the op table; this module only orders
the graph (``graph.toposort``), multiplies and adds. With ``create_graph=True`` the rules
run on Values, so the gradients are graphs that can be differentiated again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from autograd import grad_mode, graph
from autograd.engine import Grad, Value, _is_operand, _to_float
from autograd.errors import domain_error, finite, with_param
from autograd.ops import FLOAT_MATH, FloatMath


def backward(root: Value, gradient: Grad | None, create_graph: bool) -> None:
    """Add d(root)/d(v) * gradient (default 1.0) into ``v.grad`` for every v below root."""
    seed = 1.0 if gradient is None else _check_seed(gradient)
    grads = _backprop((root,), (seed,), create_graph)
    for v, g in grads.items():
        # grads are added, as in PyTorch; a graph-carrying gradient replaces a plain 0.0
        if type(g) is not float and type(v.grad) is float and v.grad == 0.0:
            v.grad = g
        else:
            v.grad = v.grad + g


def _check_seed(g: object) -> Grad:
    if isinstance(g, Value):
        return g
    return _to_float(g)


class _Nothing:
    """The gradient before any contribution: nothing + g is g (no 0.0 + g node is built)."""

    def __add__(self, other: Grad) -> Grad:
        return other


_NOTHING: Any = _Nothing()


class _ValueMath:
    """The functions derivative rules use, on Values (so derivatives form a graph): each of
    FloatMath's, as the Value method of the same name."""

    pow = staticmethod(Value.__pow__)

    @staticmethod
    def val(a: Value) -> float:
        """The plain number (rules branch on it for piecewise functions)."""
        return a.data


for _name in vars(FloatMath):
    if not _name.startswith("_") and not hasattr(_ValueMath, _name):
        setattr(_ValueMath, _name, staticmethod(getattr(Value, _name)))
VALUE_MATH = _ValueMath()


def _backprop(roots: Sequence[Value], seeds: Sequence[Grad],
              create_graph: bool) -> dict[Value, Grad]:
    """d(sum of seed * root)/d(v) for every v below the roots, by the chain rule in reverse."""
    if create_graph and not grad_mode.enabled.get():  # derivatives as a graph, even in no_grad
        with grad_mode.enable_grad():
            return _backprop(roots, seeds, create_graph)
    grads: dict[Value, Grad] = {}
    get = grads.get
    for root, seed in zip(roots, seeds):
        grads[root] = get(root, _NOTHING) + seed
    order = graph.toposort(roots)
    if graph.debug:
        graph.check_toposort(order)
    m = VALUE_MATH if create_graph else FLOAT_MATH
    for v in reversed(order):
        op = v._op
        if op.arity == 0:
            continue
        g = grads[v]  # complete: every child of v came earlier in this loop
        parents = v.parents
        out, args = (v, parents) if create_graph else (v.data, [p.data for p in parents])
        ds: Sequence[Any]
        try:
            if op.arity == 1:
                ds = (op.partials(m, out, args[0]) if v._b is None
                      else op.partials(m, out, args[0], v._b),)
            elif op.arity == 2:
                ds = op.partials(m, out, *args)
            else:
                ds = (op.partials(m, out, args) if v._b is None
                      else op.partials(m, out, args, v._b))
        except (ArithmeticError, ValueError) as e:
            # at a finite point the derivative has no value; with NaN or infinity among the
            # arguments it is NaN, as IEEE 754 makes an invalid operation
            xs = [p.data for p in parents]
            if finite([*xs, *with_param(0.0, v.param)]):
                raise domain_error(op, xs, type(e)(f"no finite derivative here ({e})")) from None
            ds = (math.nan,) * len(parents)
        # chain rule: d(root)/d(p) += d(root)/d(v) * d(v)/d(p); a value used several times
        # receives the sum of its contributions
        for p, d in zip(parents, ds):
            grads[p] = get(p, _NOTHING) + g * d
    return grads


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
         grad_outputs: Grad | Sequence[Grad] | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> list[Grad]:
    """d(outputs)/d(inputs) as a list, like torch.autograd.grad; no ``.grad`` is changed."""
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    ins = [inputs] if isinstance(inputs, Value) else list(inputs)
    for v in (*outs, *ins):
        if not isinstance(v, Value):
            raise TypeError(f"grad takes Values as outputs and inputs, not {type(v).__name__}")
    if grad_outputs is None:
        seeds: list[Grad] = [1.0] * len(outs)
    else:
        given = ([grad_outputs] if _is_operand(grad_outputs)
                 else list(grad_outputs))  # type: ignore[arg-type]
        seeds = [_check_seed(g) for g in given]
        if len(seeds) != len(outs):
            raise ValueError(f"grad got {len(outs)} outputs but {len(seeds)} grad_outputs")
    grads = _backprop(outs, seeds, create_graph)
    for i, x in enumerate(ins):
        if x not in grads and not allow_unused:
            raise ValueError(f"input {i} ({x!r}) is not used to compute the outputs; "
                             "pass allow_unused=True to get 0.0 for it")
    return [grads.get(x, 0.0) for x in ins]


def zero_grad(values: Iterable[Value]) -> None:
    """Set ``.grad`` of every value to 0.0 (gradients accumulate until you do)."""
    for v in values:
        v.grad = 0.0
