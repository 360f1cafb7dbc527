"""Drawing a computation graph with Graphviz: values as boxes, ops as small ellipses.

Drawing only reads the graph. ``graphviz`` (the viz extra) is imported here and nowhere
else, so the engine needs nothing outside the standard library.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterable, Sequence
from typing import Any

from autograd.engine import Value, toposort
from autograd.files import check_writable, regular_file_mode, write_atomically
from autograd.ops import ADD, CONST, LEAF, MUL, Op
from autograd.views import symbols

# fill colours: inputs you made, constants lifted from numbers, trained parameters, results
COLOURS = {"leaf": "#cfe8ff", "const": "#eeeeee", "param": "#ffe0a8", "result": "#ffffff"}
MEANINGS = {"leaf": "input (a leaf you made)", "const": "constant (a number lifted)",
            "param": "parameter (given as params=)", "result": "computed by an op"}
INSTALL_DOT = ("the Graphviz 'dot' program is not installed: install it with "
               "'sudo apt-get install graphviz' (Debian, Ubuntu), 'brew install graphviz' "
               "(macOS), or run 'bash dev.sh demo', which installs it")
FORMATS = ("svg", "png", "pdf")
# characters of a label drawn: Graphviz refuses a label over 16 KB, and a box must stay readable
MAX_LABEL = 60


def printable(s: str, keep: str = "") -> str:
    """``s`` with non-printable characters (except those in ``keep``) as Python escapes."""
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in s)


def _text(s: str) -> str:
    """Text for an HTML-like Graphviz label: shortened, markup escaped, control characters shown."""
    if len(s) > MAX_LABEL:
        s = s[:MAX_LABEL - 1] + "…"
    shown = printable(s, keep="\n")
    return "<br/>".join(html.escape(line, quote=True) for line in shown.split("\n"))


def _number(x: Any) -> str:
    return f"{float(x):.4g}"


def _gradient(g: Any) -> str:
    """A gradient as a box shows it: its number; a graph's number (create_graph); or that a
    value fused into a sum as a temporary kept none (autograd/nodes.py)."""
    if isinstance(g, Value):
        return f"{_number(g.data)} (a graph)"
    try:
        return _number(g)
    except TypeError:
        return "not kept"


def kind(op: Op, trained: bool) -> str:
    """How a value made by ``op`` is drawn: 'param', 'leaf', 'const' or 'result'."""
    if trained:
        return "param"
    if op is LEAF:
        return "leaf"
    return "const" if op is CONST else "result"


class _Unfused:
    """A product or partial sum that a DOT node took in as + built it, drawn as the node it
    was written as (see autograd/nodes.py)."""

    label = None

    def __init__(self, data: float, grad: Any) -> None:
        self.data, self.grad = data, grad


Drawn = tuple[Any, Op, Any, Sequence[Any]]  # a value, the op, its parameter and parents drawn


def as_drawn(order: Sequence[Value]) -> list[Drawn]:
    """Every value with its op, parameter and parents as drawn; a DOT node that + built is
    drawn as the sums and products it was written as, b + u1 * w1 + ...: each has the float
    the engine computed on the way, and the gradient of the whole sum (d sum / d term = 1)."""
    drawn: list[Drawn] = []
    for v in order:
        if not v.fused:
            drawn.append((v, v.op, v.param, v.parents))
            continue
        b, *factors = v.parents
        pairs = list(zip(factors[::2], factors[1::2]))
        total: Any = b
        for i, (u, w) in enumerate(pairs):
            product = _Unfused(u.data * w.data, v.grad)
            drawn.append((product, MUL, None, (u, w)))
            last = i == len(pairs) - 1
            partial = v if last else _Unfused(total.data + product.data, v.grad)
            drawn.append((partial, ADD, None, (total, product)))
            total = partial
    return drawn


def draw(root: Value | Sequence[Value], rankdir: str = "LR", show_grad: bool = True,
         params: Iterable[Value] = (), max_nodes: int = 500, legend: bool = True,
         collapse: bool = False) -> Any:
    """The graph below ``root`` as a ``graphviz.Digraph`` (a notebook shows it inline);
    ``legend`` adds a box saying what each fill colour drawn means. ``collapse`` draws a
    big graph legibly: one box for all values made by the same op at the same depth (a
    layer of neurons over every sample, say), one for the inputs, one for the parameters."""
    try:
        import graphviz  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError("drawing needs the graphviz package: "
                          "pip install 'chainrule[viz]'") from None
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be LR, RL, TB or BT, not {rankdir!r}")
    roots = [root] if isinstance(root, Value) else list(root)
    if not all(isinstance(r, Value) for r in roots):
        raise TypeError("draw takes a Value or a list of Values")
    trained = set(params)
    dot = graphviz.Digraph(graph_attr={"rankdir": rankdir},
                           node_attr={"fontname": "Helvetica", "fontsize": "11"})
    if collapse:
        return _collapsed(dot, toposort(roots), trained, show_grad, max_nodes, legend)
    order = as_drawn(toposort(roots))
    if len(order) > max_nodes:
        raise ValueError(
            f"the graph has {len(order)} values, more than max_nodes={max_nodes}; draw it "
            "collapsed (collapse=True: a box per layer), or a part of it (an intermediate "
            "value as the root, or a smaller input), or raise max_nodes")
    ids = {v: f"v{i}" for i, (v, *_) in enumerate(order)}
    for v, op, param, parents in order:
        cells = [f"<b>{_text(v.label)}</b>"] if v.label else []
        cells.append(f"data {_number(v.data)}")
        if show_grad:
            cells.append(f"grad {_gradient(v.grad)}")
        row = "".join(f"<td>{c}</td>" for c in cells)
        colour = COLOURS[kind(op, v in trained)]
        dot.node(ids[v], f'<<table border="0" cellborder="1" cellspacing="0" '
                         f'bgcolor="{colour}"><tr>{row}</tr></table>>', shape="plaintext")
        if parents:
            op_id = ids[v] + "op"
            dot.node(op_id, f"<{_text(symbols.label(op, param))}>", shape="ellipse", fontsize="10",
                     width="0", height="0", margin="0.04")
            dot.edge(op_id, ids[v])
            numbered = len(parents) == 2  # which argument is which: a - b, a / b, a ** b
            for i, p in enumerate(parents):
                dot.edge(ids[p], op_id, **({"label": str(i + 1), "fontsize": "9"}
                                          if numbered else {}))
    if legend:
        _legend(dot, {kind(op, v in trained) for v, op, _, _ in order})
    return dot


Group = tuple[str, int]  # what the values of a group are made by, and their depth


def grouped(order: Sequence[Value], trained: set[Value]
            ) -> tuple[dict[Group, list[Value]], dict[Value, Group]]:
    """Values alike, in groups: made by the same op at the same depth (a layer of neurons
    over all samples, say), or inputs, parameters, constants (depth 0); and each value's
    group. Depth is the longest path from a leaf, so an edge always goes to a deeper group."""
    depth: dict[Value, int] = {}
    groups: dict[Group, list[Value]] = {}
    key_of: dict[Value, Group] = {}
    for v in order:
        parents = v.parents
        depth[v] = 1 + max((depth[p] for p in parents), default=-1)
        key = (symbols.label(v.op, v.param), depth[v]) if parents else (kind(v.op, v in trained), 0)
        key_of[v] = key
        groups.setdefault(key, []).append(v)
    return groups, key_of


GROUP_NAMES = {"leaf": "inputs", "param": "parameters", "const": "constants"}


def group_title(key: Group) -> str:
    """How a group is named: its op as drawn, or inputs, parameters, constants."""
    return GROUP_NAMES.get(key[0], key[0]) if key[1] == 0 else key[0]


def _collapsed(dot: Any, order: Sequence[Value], trained: set[Value], show_grad: bool,
               max_nodes: int, legend: bool) -> Any:
    """One box per group of values alike (``grouped``); an edge wherever a member of one
    feeds a member of another."""
    groups, key_of = grouped(order, trained)
    if len(groups) > max_nodes:
        raise ValueError(f"even collapsed, the graph has {len(groups)} groups, more than "
                         f"max_nodes={max_nodes}; draw a part of it or raise max_nodes")
    ids = {key: f"g{i}" for i, key in enumerate(groups)}
    for key, members in groups.items():
        cells = [f"<b>{_text(group_title(key))}</b> ×{len(members)}"]
        cells.append(_span("data", [v.data for v in members]))
        if show_grad:
            cells.append(_span("grad", [v.grad for v in members]))
        colour = COLOURS[kind(members[0].op, members[0] in trained)]
        dot.node(ids[key], f'<<table border="0" cellborder="1" cellspacing="0" '
                           f'bgcolor="{colour}"><tr>'
                           + "".join(f"<td>{c}</td>" for c in cells) + "</tr></table>>",
                 shape="plaintext")
    for a, b in dict.fromkeys((key_of[p], key_of[v]) for v in order for p in v.parents):
        dot.edge(ids[a], ids[b])
    if legend:
        _legend(dot, {kind(ms[0].op, ms[0] in trained) for ms in groups.values()})
    return dot


def _span(name: str, xs: list[Any]) -> str:
    """A group's numbers: the one, or the smallest and the largest."""
    try:
        low, high = min(map(float, xs)), max(map(float, xs))
    except TypeError:  # a gradient that is a graph (create_graph), or not kept
        return f"{name} …"
    return f"{name} {_number(low)}" if low == high else f"{name} {_number(low)} … {_number(high)}"


def _legend(dot: Any, kinds: set[str]) -> None:
    """A box listing the fill colours used in the picture and what each means."""
    rows = "".join(f'<tr><td bgcolor="{COLOURS[k]}" width="14"></td><td align="left">'
                   f"{html.escape(MEANINGS[k])}</td></tr>" for k in COLOURS if k in kinds)
    dot.node("legend", f'<<table border="0" cellborder="1" cellspacing="0">{rows}</table>>',
             shape="plaintext", fontsize="9")


NOTEBOOK_NODES = 40  # a notebook draws a Value's graph inline up to this many values


def notebook_html(v: Value) -> str:
    """A Value as a notebook shows it: data, grad, op and label, and its graph when small."""
    cells = [("data", repr(v.data)), ("grad", repr(v.grad)), ("op", symbols.label(v.op, v.param)
                                                               if v.parents else v.op.name)]
    if v.label is not None:
        cells.insert(0, ("label", v.label))
    rows = "".join(f"<tr><th>{name}</th><td>{html.escape(printable(text))}</td></tr>"
                   for name, text in cells)
    try:  # draw's own max_nodes refuses a graph too big to show inline
        picture = draw(v, max_nodes=NOTEBOOK_NODES).pipe(format="svg").decode("utf-8")
    except Exception:  # the picture is a bonus: without it, the numbers alone
        picture = ""
    return f'<table style="text-align:left">{rows}</table>{picture}'


def output_files(path: str | os.PathLike[str], formats: Sequence[str] = ("svg",),
                 known: Sequence[str] = FORMATS) -> list[str]:
    """The files render writes: ``path`` with its extension replaced by each format, checked."""
    for fmt in formats:
        if fmt not in known:
            raise ValueError(f"format must be {', '.join(known)}, not {fmt!r}")
    text = os.fspath(path)
    folder, name = os.path.split(text)
    if not name:
        raise ValueError(f"the output {text!r} names no file: give a file name such as "
                         f"graph.{formats[0]}")
    regular_file_mode(text)  # the path given names no directory, fifo or device either
    # "graph.svg" and "graph" both name the stem "graph"; ".svg" names an empty one
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem = name
    elif extension not in formats:
        raise ValueError(f"the output {text!r} must end in "
                         f"{' or '.join('.' + f for f in formats)} or have no extension")
    if not stem:
        raise ValueError(f"the output {text!r} has an empty file name")
    if folder and not os.path.isdir(folder):
        missing = FileNotFoundError if not os.path.exists(folder) else NotADirectoryError
        raise missing(f"the output's folder {folder!r} is not an existing directory")
    targets = [os.path.join(folder, f"{stem}.{fmt}") for fmt in formats]
    for target in targets:  # refused now, before drawing, as render would refuse it later
        check_writable(target)
    return targets


def render(root: Value | Sequence[Value], path: str | os.PathLike[str],
           formats: Sequence[str] = ("svg",), **options: Any) -> list[str]:
    """Draw ``root``'s graph into ``path``, its extension replaced per format: g.svg, g.png.

    The files are written as ``Module.save`` writes: all or none, through a symlink, an
    existing file keeping its permission bits (see ``autograd.files``).
    """
    targets = output_files(path, formats)
    digraph = draw(root, **options)
    import graphviz

    images = []
    for fmt in formats:
        try:
            images.append(digraph.pipe(format=fmt))
        except graphviz.ExecutableNotFound:
            raise RuntimeError(INSTALL_DOT) from None
        except (graphviz.CalledProcessError, BrokenPipeError) as e:
            said = (getattr(e, "stderr", None) or b"").decode(errors="replace").strip()
            detail = said.splitlines()[0] if said else str(e)
            raise RuntimeError(f"Graphviz failed: {printable(detail)}") from e
    write_atomically(zip(targets, images))
    return targets

