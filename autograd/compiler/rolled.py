"""Loops in scalar code: operations that repeat with a period, written once as a for loop.

A chain ``y = relu(y * w + b)`` repeated 50,000 times: the values of such a graph repeat
the same few operations, each reading the value made a fixed number of places before it
and the same weights (an input that differs at each step, as in an RNN, breaks the
repeat). In the split layout of a big graph, where value k lives in ``_v[k]`` and its
gradient in ``_g[k]``, such a run is one loop over k, forward and backward, instead of one
line per value: the same operations in the same order, so the same floats, and a hundred
thousand lines CPython need not compile.

Two values repeat each other when they are the same op with the same fixed parameter and
each argument is either the same value (a weight, a constant) or the value the same number
of places before (the previous step's output).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autograd.ops import Code, Op, code_rule

if TYPE_CHECKING:
    from autograd.engine import Value

PERIODS = range(1, 17)  # the loop bodies tried, in values per step
SHORTEST = 4  # steps a loop needs at least (fewer stay lines)


@dataclass(frozen=True)
class Run:
    """``count`` steps of ``period`` values, the first at slot ``base``."""

    base: int
    period: int
    count: int

    @property
    def end(self) -> int:
        """The slot after the run's last value."""
        return self.base + self.period * self.count


def runs(values: list[Value], slot: dict[Value, int], ref: dict[Value, str],
         needs: set[Value], computed: set[Value], reached: set[Value]) -> list[Run]:
    """The loops among ``values`` (computed values in order, each in its slot); the values of
    one loop are all ``reached`` by the backward pass, or none is."""
    signature = [(_signature(v, slot, ref, needs, computed), v in reached) for v in values]
    found: list[Run] = []
    i, n = 0, len(values)
    while i < n:
        best = None
        for period in PERIODS:
            k = i
            while (k + period < n and signature[k + period] == signature[k]
                   and slot[values[k + period]] == slot[values[k]] + period):
                k += 1
            count = (k - i + period) // period
            if count >= SHORTEST and (best is None or count * period > best.count * best.period):
                best = Run(slot[values[i]], period, count)
        if best is None or any(slot[values[i + m]] != best.base + m
                               for m in range(best.period)):
            i += 1
            continue
        found.append(best)
        i += best.period * best.count
    return found


def _signature(v: Value, slot: dict[Value, int], ref: dict[Value, str], needs: set[Value],
               computed: set[Value]) -> tuple[Any, ...]:
    """What v does, with each computed argument given as its distance back."""
    parents, at = v.parents, slot[v]
    args = tuple(at - slot[p] if p in computed else ref[p] for p in parents)  # int or str
    param = v.param if isinstance(v.param, Op) else repr(v.param)  # repr: 0.0 is not -0.0
    return (v.op, param, args, tuple(p in needs for p in parents))


def _at(kind: str, delta: int) -> str:
    return f"_{kind}[_i]" if delta == 0 else f"_{kind}[_i {'+' if delta > 0 else '-'} {abs(delta)}]"


def _code(v: Value, j: int, slot: dict[Value, int], ref: dict[Value, str],
          computed: set[Value]) -> tuple[Code, list[str]]:
    """Value j of a step as code with loop references, and its arguments' gradient
    references."""
    deltas = [j - (slot[v] - slot[p]) if p in computed else None for p in v.parents]
    args = [_at("v", d) if d is not None else ref[p] for p, d in zip(v.parents, deltas)]
    grads = [_at("g", d) if d is not None else ref[p].replace("_v[", "_g[")
             for p, d in zip(v.parents, deltas)]
    rule = code_rule(v.op)
    assert rule is not None
    return rule(_at("v", j), args, v.param), grads


def forward(run: Run, step: list[Value], slot: dict[Value, int], ref: dict[Value, str],
            computed: set[Value]) -> list[str]:
    """The run's forward pass: one loop whose body is one step."""
    lines = [f"for _i in range({run.base}, {run.end}, {run.period}):"]
    for j, v in enumerate(step):
        lines.append(f"    {_at('v', j)} = {_code(v, j, slot, ref, computed)[0].forward}")
    return lines


def backward(run: Run, step: list[Value], slot: dict[Value, int], ref: dict[Value, str],
             needs: set[Value], computed: set[Value], wrap: Any,
             reached: set[Value]) -> list[str]:
    """The run's backward pass: the steps last first, each value's terms in argument order,
    added into gradients that start at -0.0 (as the engine's: -0.0 + t is t, bit for bit).
    A value no weighted output reaches gets no chain rule, as its line would get none."""
    body = []
    for j in reversed(range(len(step))):
        v = step[j]
        code, grads = _code(v, j, slot, ref, computed)
        if v not in reached or not any(p in needs for p in v.parents):
            continue
        g = _at("g", j)
        if code.factor is not None:  # through the activation first, as the engine goes
            body.append(f"    gz = {g} * {wrap(code.factor)}")
            g = "gz"
        for p, d, target in zip(v.parents, code.partials, grads):
            if p in needs:
                term = g if d == "1.0" else f"-{g}" if d == "-1.0" else f"{g} * {wrap(d)}"
                body.append(f"    {target} = {target} + {term}")
    if not body:  # nothing in the run leads to an input or a param
        return []
    return [f"for _i in range({run.end - run.period}, {run.base - 1}, {-run.period}):", *body]
