"""The traced graph that compile() writes code for: the values below the outputs, cut at the
inputs and the parameters, and the engine's own numbers for it (what the code must give)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from autograd.core.grad_mode import enable_grad
from autograd.engine import Value, grad, toposort
from autograd.engine import constant as const
from autograd.functions import apply
from autograd.ops import CONST, POW, POWC, RPOW

CHUNK = 2000  # beyond this many lines, the code is split into functions of this size
Sample = tuple[list[float], list[float], list[float]]  # outputs, input grads, param grads


@contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector off while code is written and compiled (millions of objects,
    none of them in a cycle: its passes would only walk the graph again and again), and
    back as it was after."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class Graph:
    """The traced graph: the values below the outputs, cut at the inputs and params."""

    def __init__(self, outputs: list[Value], inputs: list[Value], params: list[Value],
                 seeds: list[float], names: dict[Value, str], input_grads: bool = True) -> None:
        self.outputs, self.inputs, self.params, self.seeds = outputs, inputs, params, seeds
        self.names = names  # where values come from (a model's parameter names)
        self.input_grads = input_grads  # whether gradients with respect to inputs are taken
        self.free = set(inputs) | set(params)
        # the outputs weighted 0 sorted after the others (toposort starts from its last
        # root): the backward pass meets the weighted outputs' values in the order the
        # engine's own pass from them does
        self.order = toposort([o for o, s in zip(outputs, seeds) if s == 0.0]
                              + [o for o, s in zip(outputs, seeds) if s != 0.0], cut=self.free)
        # other leaves are constants: their values now are the ones written into the code
        self.constants = {v: v.data for v in self.order if not self.computed(v)
                          and v not in self.free}

    def computed(self, v: Value) -> bool:
        """Whether v is computed from others here (an input or param never is)."""
        return v.op.arity != 0 and v not in self.free

    @property
    def big(self) -> bool:
        """Whether its scalar code is split into functions, values in lists ``_v``, ``_g``."""
        return 2 * len(self.order) > CHUNK

    def above(self, sources: set[Value], derivatives: bool = False) -> set[Value]:
        """The sources and every value computed here from one of them (with
        ``derivatives``, only by ops a gradient flows through)."""
        found = set(sources)
        for v in self.order:
            if self.computed(v) and (v.op.differentiable or not derivatives) and any(
                    p in found for p in v.parents):
                found.add(v)
        return found

    def differentiated(self) -> set[Value]:
        """The values that need a gradient: the params (and the inputs, with input_grads)
        and every value computed from one of them by an op with a derivative."""
        return self.above(set(self.params) | (set(self.inputs) if self.input_grads else set()),
                          derivatives=True)

    def evaluate(self, x: list[float], p: list[float]) -> Sample:
        """The engine's outputs and gradients at these values (or the engine's error).

        Other leaves are constants here, as in the generated code: what is computed from
        constants alone is a constant too, and a constant side of ``a ** b`` is a fixed
        parameter (POWC, RPOW), so no derivative is taken with respect to a constant.
        """
        with enable_grad():
            # inputs whose gradients are not taken are constants, as the code makes them
            new = {v: Value(d) if self.input_grads else const(d) for v, d in zip(self.inputs, x)}
            new.update((v, Value(d)) for v, d in zip(self.params, p))
            new.update((v, const(d)) for v, d in self.constants.items())
            for v in self.order:
                if v not in new:
                    new[v] = replay(v, [new[q] for q in v.parents])
            # outputs weighted 0 are left out, as the generated code leaves them out
            roots = [(new[o], s) for o, s in zip(self.outputs, self.seeds) if s != 0.0]
            wrt = (self.inputs if self.input_grads else []) + self.params
            grads = grad([r for r, _ in roots], [new[v] for v in wrt], [s for _, s in roots],
                         allow_unused=True)
        n = len(self.inputs) if self.input_grads else 0
        return [new[o].data for o in self.outputs], grads[:n], grads[n:]  # type: ignore[return-value]


def replay(v: Value, args: list[Value]) -> Value:
    """v's op on new arguments; a constant where every argument is, pow(x, c) as x ** c."""
    constant = [a.op is CONST for a in args]
    if all(constant):
        return const(apply(v.op, args, v.param).data)
    if v.op is POW and any(constant):
        a, b = args
        return apply(POWC, [a], b.data) if constant[1] else apply(RPOW, [b], a.data)
    return apply(v.op, args, v.param)
