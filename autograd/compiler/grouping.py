"""Grouping: the vectors and matrices hidden in a scalar graph.

The n neurons of a layer are n copies of one op over the same inputs; an activation over a
list is one op repeated; ``sum(w * x for ...)`` over a shared input list is a row of a
matrix product. This pass finds such copies in a traced graph and gathers them into groups,
each of which the vector writer (``autograd/compiler/vectorized.py``) emits as one array operation.

Scalars are grouped level by level (a scalar's level is one more than its arguments'
highest), so no member of a group depends on another. At one level, scalars group when they
are the same op with the same fixed parameter and their arguments come from the same groups
(an elementwise op); when they are weighted sums of the same length over one shared list of
values (a matrix product: the shared list is the vector, the other factors the matrix's
rows); or when they are sums of the same length over the same groups (a reduction). A chain
of additions that nothing else reads, ``((a + b) + c) + d``, is first folded into one sum.
What does not group is a group of one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from autograd.compiler.trace import Graph
from autograd.ops import ADD, ADD_SCALAR, SUM, WEIGHTED, Op

if TYPE_CHECKING:
    from autograd.engine import Value

_CHAIN = (ADD, ADD_SCALAR, SUM)  # additions a longer sum can absorb


@dataclass(eq=False)
class Scalar:
    """One value of the traced graph, as grouping sees it.

    ``kind`` is "input", "param", "const" or "op" ("folded" once a longer sum has taken it
    in); a folded chain of additions is an op scalar of SUM whose ``args`` are its terms.
    """

    kind: str
    value: float = 0.0  # a constant's number
    op: Op | None = None
    args: list[Scalar] = field(default_factory=list)
    param: Any = None
    label: str | None = None
    level: int = 0
    needs: bool = False  # an input or a param lies below it: it needs a gradient
    group: Group | None = None
    index: int = 0  # its place in its group


@dataclass(eq=False)
class Group:
    """Scalars computed as one array: ``members[i]`` is element i of the last axis.

    ``kind`` is "input", "params", "map" (an elementwise op), "weighted" (a matrix-vector
    product, with NEURON's activation) or "sum" (a reduction). A group is ``varying`` when
    it depends on an input, and then has one row per sample in a batch.
    """

    kind: str
    members: list[Scalar]
    op: Op | None = None
    param: Any = None
    varying: bool = False
    shared: int = 2  # weighted: the shared vector is at argument positions 2, 4, ... (or 1, 3, ...)
    name: str = ""

    def __post_init__(self) -> None:
        for i, s in enumerate(self.members):
            s.group, s.index = self, i

    @property
    def size(self) -> int:
        """Its number of members: the length of its last axis."""
        return len(self.members)

    @property
    def needs(self) -> bool:
        """Whether any member needs a gradient."""
        return any(s.needs for s in self.members)


@dataclass
class Plan:
    """The grouped graph: groups in an order where each comes after what it reads."""

    groups: list[Group]
    scalars: dict[Value, Scalar]
    inputs: list[Group]
    params: Group


def plan(graph: Graph) -> Plan:
    """Scalars of ``graph``, folded and grouped."""
    scalars = _scalars(graph)
    inputs = _input_groups([scalars[v] for v in graph.inputs])
    params = Group("params", [scalars[v] for v in graph.params])
    groups: list[Group] = [*inputs, params]
    computed = [s for s in dict.fromkeys(scalars.values()) if s.kind == "op"]
    levels: dict[int, list[Scalar]] = {}
    for s in computed:
        levels.setdefault(s.level, []).append(s)
    for level in sorted(levels):
        groups += _group_level(levels[level])
    return Plan(groups, scalars, inputs, params)


def _scalars(graph: Graph) -> dict[Value, Scalar]:
    """A Scalar per value, with chains of additions that nothing else reads folded."""
    parents = {v: v.parents for v in graph.order if graph.computed(v)}
    uses: Counter[Value] = Counter(graph.outputs)
    uses.update(chain.from_iterable(parents.values()))
    made: dict[Value, Scalar] = {}
    for v in graph.inputs:
        made[v] = Scalar("input", v.data, label=v.label, needs=graph.input_grads)
    for v in graph.params:
        made.setdefault(v, Scalar("param", v.data, label=v.label, needs=True))
    for v, d in graph.constants.items():
        made[v] = Scalar("const", d, label=v.label)
    find = made.__getitem__
    for v, ps in parents.items():
        if not ps:  # an op of no arguments (a sum of nothing) is a constant
            made[v] = Scalar("const", v.data, label=v.label)
            continue
        s = Scalar("op", v.data, v.op, list(map(find, ps)), v.param, v.label)
        first = s.args[0]
        if s.op in _CHAIN[:2] and first.op in _CHAIN and uses[ps[0]] == 1 \
                and first.kind == "op":
            # ((a + b) + c): one sum of a, b, c; the inner sum is no longer a value
            s.op, s.param, s.args = SUM, None, _terms(first) + _terms(s)[1:]
            first.kind = "folded"
        s.level = 1 + max(map(_LEVEL, s.args), default=0)
        s.needs = v.op.differentiable and any(map(_NEEDS, s.args))  # detach: no gradient
        made[v] = s
    return made


_LEVEL, _NEEDS = attrgetter("level"), attrgetter("needs")


def _terms(s: Scalar) -> list[Scalar]:
    """What an addition adds: a + b is (a, b), a + k is (a, k) and a + 0 is (a,)."""
    if s.op is ADD_SCALAR:
        return s.args + ([Scalar("const", s.param)] if s.param != 0.0 else [])
    return s.args


def stem(label: str | None) -> str:
    """A label without its index: x1 -> x, h[3] -> h, target -> target."""
    return re.sub(r"[\d_\[\]]+$", "", label or "") or "x"


def _input_groups(inputs: list[Scalar]) -> list[Group]:
    """Consecutive inputs whose labels share a stem (x1, x2; target) form one group."""
    runs: list[list[Scalar]] = []
    for s in inputs:
        if runs and stem(runs[-1][-1].label) == stem(s.label):
            runs[-1].append(s)
        else:
            runs.append([s])
    return [Group("input", run, varying=True) for run in runs]


def _source(s: Scalar) -> Any:
    return s.group if s.group is not None else s.kind  # constants come from no group


def _key(s: Scalar, shared: int) -> tuple[Any, ...]:
    op = s.op
    param = s.param if isinstance(s.param, Op) else repr(s.param)  # repr: 0.0 is not -0.0
    if op in WEIGHTED:
        return (op, param, shared, tuple(map(id, s.args[shared::2])))
    return (op, param, len(s.args), tuple(map(_source, s.args)))


def _group_level(level: list[Scalar]) -> list[Group]:
    """The groups of one level's scalars, in the order their first member was made."""
    # a weighted sum shares its inputs (positions 2, 4, ...) with others, or its weights
    # (1, 3, ...): the side shared by most is the vector of the product
    sides = [(_key(s, 2), _key(s, 1)) if s.op in WEIGHTED else (_key(s, 2), None)
             for s in level]
    counts = Counter(by_x for by_x, by_w in sides if by_w is not None)
    counts_w = Counter(by_w for _, by_w in sides if by_w is not None)
    buckets: dict[tuple[Any, ...], list[Scalar]] = {}
    for s, (by_x, by_w) in zip(level, sides):
        if by_w is not None and counts_w[by_w] > max(1, counts[by_x]):
            # more sums share this side: a bigger matrix, fewer products
            buckets.setdefault((1, *by_w), []).append(s)
        else:
            buckets.setdefault((2, *by_x), []).append(s)
    groups = []
    for (shared, *_), members in buckets.items():
        op = members[0].op
        assert op is not None
        if op not in WEIGHTED and op is not SUM:
            # members in the order of their arguments: then the arguments are read as whole
            # groups or slices, not gathered
            members.sort(key=lambda s: [(a.index if a.group else 0) for a in s.args])
        groups.append(_made(members, op, shared))
    return groups


def _made(members: list[Scalar], op: Op, shared: int) -> Group:
    kind = "weighted" if op in WEIGHTED else "sum" if op is SUM else "map"
    varying = any(a.group is not None and a.group.varying for s in members for a in s.args)
    return Group(kind, members, op, members[0].param, varying, shared)
