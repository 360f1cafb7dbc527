"""autograd.explore: one self-contained HTML page that steps through a graph's forward pass and
then its backward pass, node by node, with the engine's own numbers.

The page is written as a pipeline of passes over the graph: walk (the forward order and,
for every node of the backward pass, the chain-rule terms it adds into its parents, with
the running gradients), check (the walk's final gradients against the engine's own
``grad``, bit for bit, else an error: the page never shows a number the engine would not
give), lay out (columns by depth, rows by the mean row of the parents), and write (an
inline SVG, the steps as JSON, the page's script and style inline: it opens from disk and
asks the network for nothing). A graph too big to read value by value is shown collapsed,
one box per group of values alike (``autograd.draw.grouped``), one step per group.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from autograd.core.errors import undefined
from autograd.engine import Value, grad, toposort
from autograd.files import write_atomically
from autograd.ops import DOT, FLOAT_MATH, NEURON, literal
from autograd.views import symbols
from autograd.views.draw import (
    COLOURS,
    MEANINGS,
    group_title,
    grouped,
    kind,
    output_files,
    printable,
)

MAX_NODES = 300  # beyond this many values, the page shows groups (collapse=None)
MAX_TEXT = 26  # characters of a box's title (a label or a group's op); hovering shows more
BOX_W, BOX_H, GAP_X, GAP_Y = 200, 54, 60, 18


@dataclass(frozen=True)
class Term:
    """One chain-rule term of a backward step: parent i's gradient += g * d = c."""

    parent: int
    local: float  # d(node)/d(parent), the op's rule
    product: float  # g * local, what is added
    after: float  # the parent's gradient once it is added


@dataclass(frozen=True)
class Step:
    """One node of the backward pass: its complete gradient g and what it passes on."""

    node: int
    g: float
    factor: float | None  # a fused activation's slope act'(out), taken into g first
    terms: tuple[Term, ...]


def walk(order: Sequence[Value]) -> tuple[list[Step], dict[Value, float]]:
    """The backward pass from order[-1] (d out/d out = 1), one node at a time, as the engine
    goes from gradients at 0.0: reverse topological order, each parent's gradient += g * d
    in argument order (a neuron through its activation first); returns the steps and the
    final gradients."""
    index = {v: i for i, v in enumerate(order)}
    grads: dict[Value, float] = {order[-1]: 0.0 + 1.0}
    steps = []
    for v in reversed(order):
        parents = v.parents
        if not parents:
            continue
        g, op, k, xs = grads[v], v.op, v.param, [p.data for p in parents]
        try:  # an op that is two in one (a neuron): g act'(out) first, then its partials
            factor = op.factor(FLOAT_MATH, v.data, k) if op.factor else None
            locals_ = op.partials(FLOAT_MATH, v.data, xs, k)
        except (ArithmeticError, ValueError) as e:  # as the engine: NaN, or an error naming v
            factor, locals_ = None, undefined(op, xs, k, e)
        g_in = g if factor is None else g * factor
        terms = []
        for p, d in zip(parents, locals_):
            c = g_in * d
            grads[p] = grads.get(p, 0.0) + c
            terms.append(Term(index[p], d, c, grads[p]))
        steps.append(Step(index[v], g, factor, tuple(terms)))
    return steps, grads


def check(order: Sequence[Value], grads: dict[Value, float]) -> None:
    """Raise RuntimeError unless the walk's gradients are the engine's, bit for bit: those
    backward() leaves in gradients at 0.0, which are 0.0 + what grad() gives (the sums
    differ at most in the sign of a zero, which adding to 0.0 settles)."""
    engine = grad(order[-1], list(order), allow_unused=True)
    for v, fresh in zip(order, engine):
        g = 0.0 + fresh
        mine = grads.get(v, 0.0)
        if repr(mine) != repr(g):  # repr: NaN equals NaN, -0.0 differs from 0.0
            raise RuntimeError(f"the explorer's backward pass gives {mine!r} for {v!r} but "
                               f"the engine gives {g!r}; please report this bug")


def layout(parents: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """(column, row) of each box, given each box's parents (earlier boxes): the column its
    depth (longest path from a leaf), rows sorted by the mean row of the parents, then of
    the children, three times over (fewer crossings)."""
    depth: list[int] = []
    for ps in parents:
        depth.append(1 + max((depth[p] for p in ps), default=-1))
    columns: list[list[int]] = [[] for _ in range(max(depth) + 1)]
    for i, d in enumerate(depth):
        columns[d].append(i)
    children: list[list[int]] = [[] for _ in parents]
    for i, ps in enumerate(parents):
        for p in ps:
            children[p].append(i)
    row = {i: r for column in columns for r, i in enumerate(column)}
    for _ in range(3):
        for sweep, links in ((columns[1:], parents), (columns[-2::-1], children)):
            for column in sweep:
                column.sort(key=lambda i: (sum(row[j] for j in links[i]) / len(links[i])
                                           if links[i] else row[i]))
                row.update((i, r) for r, i in enumerate(column))
    return [(depth[i], row[i]) for i in range(len(parents))]


def _number(x: Any) -> str:
    """A float as the engine has it (repr: the shortest text that reads back the same)."""
    return repr(float(x))


def _short(x: float) -> str:
    return f"{x:.4g}"


def _label(v: Value, i: int) -> str:
    return printable(v.label) if v.label else f"t{i}"


def _same(label: str, formula: str) -> bool:
    """Whether a label says what the formula says (x1*w1 and x1 * w1): shown once."""
    return label.replace(" ", "") == formula.replace(" ", "")


def _fit(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


INFIX = {"+", "*", "/", "**"}  # two-argument ops written between their arguments


def written(v: Value, args: Sequence[str]) -> str:
    """v's op applied to ``args`` as a reader writes it: a + b, a * 2.0, 2.0 / a, tanh(a),
    clamp(a, -1.0, 1.0), b + w1·x1 + w2·x2 for a weighted sum, relu(b + w1·x1) for a neuron."""
    op = v.op
    label, symbol = printable(symbols.label(op, v.param)), printable(symbols.symbol(op))
    if op is DOT or op is NEURON:
        total = " + ".join([args[0], *(f"{w}·{x}" for w, x in zip(args[1::2], args[2::2]))])
        return total if op is DOT else f"{v.param.name}({total})"
    if len(args) == 2 and symbol in INFIX:
        return f"{args[0]} {symbol} {args[1]}"
    if len(args) == 1 and op.param is not None:  # a number kept in the node
        if label.startswith(symbol + " "):  # * 2.0
            return f"{args[0]} {label}"
        if label.endswith(" " + symbol):  # 2.0 /
            return f"{label} {args[0]}"
        name, _, rest = label.partition("(")  # clamp(-1.0, 1.0), leaky_relu(0.1)
        return f"{name}({args[0]}, {rest}"
    if symbol == "-" and len(args) == 1:
        return f"-{args[0]}"
    return f"{label}({', '.join(args)})"


def _box(i: int, x: int, y: int, title: str, lines: Sequence[str], fill: str) -> str:
    texts = "".join(f'<text x="{x + 8}" y="{y + 16 + 15 * k}" class="{cls}">{html.escape(t)}'
                    "</text>" for k, (cls, t) in enumerate(
                        [("title", _fit(title)), *(("line", line) for line in lines)]))
    return (f'<g class="node" id="n{i}" data-node="{i}"><rect x="{x}" y="{y}" width="{BOX_W}" '
            f'height="{BOX_H}" rx="6" fill="{fill}"/>{texts}</g>')


def _svg(places: Sequence[tuple[int, int]], parents: Sequence[Sequence[int]],
         titles: Sequence[str], fills: Sequence[str]) -> str:
    """The graph as SVG: a box per value (title, data, grad), a curve per edge."""
    xy = [(20 + c * (BOX_W + GAP_X), 20 + r * (BOX_H + GAP_Y)) for c, r in places]
    edges = []
    for i, ps in enumerate(parents):
        x1, y1 = xy[i][0], xy[i][1] + BOX_H // 2
        for p in dict.fromkeys(ps):  # a value used twice is one edge
            x0, y0 = xy[p][0] + BOX_W, xy[p][1] + BOX_H // 2
            mid = (x0 + x1) // 2
            edges.append(f'<path class="edge" data-from="{p}" data-to="{i}" d="M{x0},{y0} '
                         f'C{mid},{y0} {mid},{y1} {x1},{y1}"/>')
    boxes = [_box(i, x, y, titles[i], ["data", "grad"], fills[i])
             for i, (x, y) in enumerate(xy)]
    width = max(x for x, _ in xy) + BOX_W + 20
    height = max(y for _, y in xy) + BOX_H + 20
    return (f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}">{"".join(edges)}'
            f'{"".join(boxes)}</svg>')


def _values(order: Sequence[Value], trained: set[Value]) -> dict[str, Any]:
    """The page's data, one box per value: its forward and backward steps, exact numbers."""
    index = {v: i for i, v in enumerate(order)}
    parents = [[index[p] for p in v.parents] for v in order]
    steps, grads = walk(order)
    check(order, grads)
    names = [_label(v, i) for i, v in enumerate(order)]
    formulas = [written(v, [names[p] for p in parents[i]]) if v.parents else ""
                for i, v in enumerate(order)]
    nodes = [{"name": names[i],
              "op": printable(symbols.label(v.op, v.param) if v.parents else v.op.name),
              "kind": kind(v.op, v in trained), "data": _number(v.data),
              "grad": _number(grads.get(v, 0.0)), "parents": parents[i],
              "formula": formulas[i],
              "numbers": written(v, [literal(p.data) for p in v.parents]) if v.parents else ""}
             for i, v in enumerate(order)]
    backward = [{"node": s.node, "g": _number(s.g),
                 "factor": None if s.factor is None else _number(s.factor),
                 "terms": [[t.parent, _number(t.local), _number(t.product), _number(t.after)]
                           for t in s.terms]} for s in steps]
    forward = [i for i, v in enumerate(order) if v.parents]
    titles = [names[i] if not parents[i] or _same(names[i], formulas[i])
              else f"{names[i]} = {formulas[i]}" for i in range(len(order))]
    return {"mode": "values", "nodes": nodes, "forward": forward, "backward": backward,
            "svg": (layout(parents), parents, titles)}


EXAMPLE_TERMS = 6  # chain-rule terms shown of a group's example member


def _passed(step: Step | None) -> float:
    """How much gradient a step passes on, |g act'(out)|: a group's example is the member
    that passes the most (a neuron that is off passes nothing, and shows little)."""
    if step is None:
        return 0.0
    passed = abs(step.g * (1.0 if step.factor is None else step.factor))
    return passed if passed == passed else math.inf  # NaN first: it is worth seeing


def _groups(order: Sequence[Value], trained: set[Value]) -> dict[str, Any]:
    """The page's data, one box per group of values alike, one step per group; each
    backward step shows one member's chain rule in full, as an example."""
    steps, grads = walk(order)
    check(order, grads)
    groups, key_of = grouped(order, trained)
    if len(groups) > MAX_NODES:
        raise ValueError(f"even collapsed, the graph has {len(groups)} groups of values alike, "
                         f"more than {MAX_NODES} to show; explore a part of it (an "
                         "intermediate value as the root, or a smaller input)")
    keys = sorted(groups, key=lambda key: key[1])  # by depth: edges go deeper
    number = {key: i for i, key in enumerate(keys)}
    parents = [sorted({number[key_of[p]] for v in groups[key] for p in v.parents})
               for key in keys]
    step_of = {order[s.node]: s for s in steps}

    def span(xs: Iterable[float]) -> list[Any]:
        """[smallest, largest, both to 4 digits, how many are NaN], NaN left out."""
        numbers = [x for x in xs if x == x]
        low, high = (min(numbers), max(numbers)) if numbers else (math.nan, math.nan)
        return [_number(low), _number(high), _short(low), _short(high),
                sum(1 for x in xs if x != x)]

    def example(v: Value) -> dict[str, Any] | None:
        step = step_of.get(v)
        if step is None:
            return None
        return {"g": _number(step.g), "factor": None if step.factor is None
                else _number(step.factor), "more": max(0, len(step.terms) - EXAMPLE_TERMS),
                "terms": [[number[key_of[order[t.parent]]], _number(t.local),
                           _number(t.product), _number(t.after)]
                          for t in step.terms[:EXAMPLE_TERMS]]}

    nodes = []
    for key in keys:
        members = groups[key]
        nodes.append({"name": printable(group_title(key)), "op": printable(key[0]),
                      "count": len(members),
                      "kind": kind(members[0].op, members[0] in trained),
                      "data": span([v.data for v in members]),
                      "grad": span([grads.get(v, 0.0) for v in members]),
                      "parents": parents[number[key]], "example": example(max(
                          members, key=lambda v: _passed(step_of.get(v))))})
    forward = [i for i, key in enumerate(keys) if key[1] > 0]
    backward = [{"node": i} for i in reversed(range(len(keys)))]
    titles = [f"{n['name']} ×{n['count']}" for n in nodes]
    return {"mode": "groups", "nodes": nodes, "forward": forward, "backward": backward,
            "svg": (layout(parents), parents, titles)}


def page(root: Value, params: Iterable[Value] = (), collapse: bool | None = None,
         title: str | None = None) -> str:
    """The explorer page of ``root``'s graph as HTML text (see ``explore``)."""
    return _page(root, params, collapse, title)[0]


def _page(root: Value, params: Iterable[Value], collapse: bool | None,
          title: str | None) -> tuple[str, int]:
    """The page, and how many steps it goes through."""
    if not isinstance(root, Value):
        raise TypeError(f"explore takes a Value, not {type(root).__name__}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"explore's title must be a str or None, not {type(title).__name__}")
    if collapse is not None and not isinstance(collapse, bool):
        raise TypeError(f"explore's collapse must be True, False or None, not {collapse!r}")
    trained = set(params)
    if not all(isinstance(p, Value) for p in trained):
        raise TypeError("explore's params must be Values")
    order = toposort([root])
    if collapse is None:
        collapse = len(order) > MAX_NODES
    if not collapse and len(order) > MAX_NODES:
        raise ValueError(f"the graph has {len(order)} values, more than {MAX_NODES} to show "
                         "one by one; explore it collapsed (collapse=True: a box per group "
                         "of values alike) or a part of it")
    data = _groups(order, trained) if collapse else _values(order, trained)
    places, parents, titles = data.pop("svg")
    svg = _svg(places, parents, titles, [COLOURS[n["kind"]] for n in data["nodes"]])
    data["title"] = printable(title or root.label or "the graph below a Value")
    template = resources.files("autograd.views").joinpath("explorer.html").read_text("utf-8")
    # JSON in a script element: < > & written as JSON escapes, so that no text can end the
    # element or open a comment in it (JSON itself uses them only inside strings)
    payload = json.dumps(data, allow_nan=False)
    for c in "<>&":
        payload = payload.replace(c, f"\\u{ord(c):04x}")
    # the fill colours drawings use, each with the first words of its meaning
    legend = "".join(f'<span style="background:{colour}"></span>'
                     f'{html.escape(MEANINGS[k].split(" (")[0])}' for k, colour in COLOURS.items())
    parts = {"TITLE": html.escape(data["title"]), "SVG": svg, "DATA": payload, "LEGEND": legend}
    # one pass: a label that reads {{DATA}} stays text
    text = re.sub(r"\{\{(TITLE|SVG|DATA|LEGEND)\}\}", lambda m: parts[m.group(1)], template)
    # the steps the page's script makes: start, forward, (d out/d out = 1), backward, done
    count = len(data["forward"]) + len(data["backward"]) + 1 + (data["mode"] == "values")
    return text, count


@dataclass(frozen=True)
class Exploration:
    """An explorer page: ``html`` the whole page, ``path`` where it was written (or None).
    A notebook shows it inline, in a frame of its own; ``steps`` counts its steps."""

    html: str
    path: str | None
    steps: int  # how many steps the page goes through

    def __repr__(self) -> str:
        where = f"written to {self.path}" if self.path else "not written to a file"
        return f"<explorer page of {self.steps} steps, {where}>"

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" style="width:100%;'
                'height:560px;border:1px solid #ccc" sandbox="allow-scripts"></iframe>')


def explore(root: Value, path: str | os.PathLike[str] | None = None,
            params: Iterable[Value] = (), collapse: bool | None = None,
            title: str | None = None) -> Exploration:
    """An interactive page stepping through ``root``'s forward and backward passes.

    With ``path`` (ending in .html or with no extension) it is written there, whole or not
    at all; a notebook shows the returned Exploration inline either way. ``params`` are
    coloured as parameters; ``collapse`` shows one box per group of values alike (None:
    when the graph has more than MAX_NODES values). The numbers shown are the engine's own:
    the page's gradients are checked against ``autograd.grad`` before anything is written.
    """
    target = None if path is None else output_files(path, ("html",), known=("html",))[0]
    text, count = _page(root, params, collapse, title)
    if target is not None:
        write_atomically([(target, text)])
    return Exploration(text, target, count)
