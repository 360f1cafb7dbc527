"""Drawing: the nodes, edges and labels that were drawn, read back from DOT and SVG."""

import errno
import os
import random
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from modes import FAST_SHAPES

from autograd import Value, dot, neuron, ops
from autograd.engine import toposort
from autograd.views import symbols
from autograd.views.draw import COLOURS, MAX_LABEL, as_drawn, draw, printable, render

graphviz = pytest.importorskip("graphviz")
SVG = "{http://www.w3.org/2000/svg}"


def value_nodes(source):
    return re.findall(r"^\s*(v\d+) \[label=<<table", source, re.M)


def op_nodes(source):
    return re.findall(r"^\s*(v\d+op) \[label=<(.*?)>", source, re.M)


def edges(source):
    return re.findall(r"^\s*(v\d+(?:op)?) -> (v\d+(?:op)?)", source, re.M)


def svg_texts(path):
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]


@FAST_SHAPES
def test_nodes_edges_and_labels_of_a_small_graph():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w + 1).tanh()
    y.backward()
    source = draw(y).source
    # values: x, w, x*w, the constant 1, the sum, tanh: 6; ops: *, +, tanh: 3
    assert len(value_nodes(source)) == 6
    assert sorted(label for _, label in op_nodes(source)) == ["*", "+", "tanh"]
    # every op has its inputs' edges plus one to its result
    assert len(edges(source)) == (2 + 1) + (2 + 1) + (1 + 1)
    assert "<b>x</b>" in source and "data 2</td>" in source and "grad 1</td>" in source
    assert f'bgcolor="{COLOURS["leaf"]}"' in source and f'bgcolor="{COLOURS["const"]}"' in source


def test_argument_order_and_repeated_parents_are_kept():
    a, b = Value(5.0, label="a"), Value(3.0, label="b")
    source = draw(a / b).source
    ids = {label: node for node, label in re.findall(r"(v\d+) \[label=<<table.*?<b>(\w)</b>",
                                                     source)}
    assert f"{ids['a']} -> v2op [label=1" in source and f"{ids['b']} -> v2op [label=2" in source
    square = draw(a * a).source
    assert len([e for e in edges(square) if e[1].endswith("op")]) == 2  # a*a: two edges


def test_params_are_marked_and_show_grad_can_hide_gradients():
    w, x = Value(0.5), Value(2.0)
    source = draw(neuron([w], [x], 0.0, "tanh"), params=[w], show_grad=False).source
    assert f'bgcolor="{COLOURS["param"]}"' in source
    assert "grad" not in source
    assert "tanh(b+w·x)" in source
    assert "rankdir=TB" in draw(w * x, rankdir="TB").source


def test_drawing_changes_nothing():
    x = Value(1.5, label="x")
    y = x.exp() * x
    y.backward()
    before = (x.data, x.grad, y.data, y.grad, y.parents)
    draw(y)
    assert (x.data, x.grad, y.data, y.grad, y.parents) == before


def test_graphs_beyond_the_limit_are_refused_with_advice():
    y = Value(1.0)
    for _ in range(30):
        y = y * 1.0
    with pytest.raises(ValueError, match="more than max_nodes=20; draw it collapsed"):
        draw(y, max_nodes=20)
    with pytest.raises(ValueError, match="even collapsed, the graph has 31 groups"):
        draw(y, max_nodes=20, collapse=True)  # a chain: every value at its own depth
    with pytest.raises(ValueError, match="rankdir"):
        draw(y, rankdir="sideways")


def test_render_writes_svg_and_png(tmp_path):
    x = Value(2.0, label="x")
    y = (x * x).log()
    y.backward()
    written = render(y, tmp_path / "g.svg", formats=("svg", "png"))
    assert written == [str(tmp_path / "g.svg"), str(tmp_path / "g.png")]
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    texts = svg_texts(tmp_path / "g.svg")
    assert "x" in texts and "data 2" in texts and "grad 1" in texts and "log" in texts
    assert texts.count("*") == 1


def test_missing_dot_program_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on this PATH
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        render(Value(1.0) * 2.0, tmp_path / "g.svg")


# label: the lines of text the SVG must show (control characters as Python escapes)
HOSTILE = {'say "hi"': ['say "hi"'], "<b>bold</b>": ["<b>bold</b>"], "{a|b}": ["{a|b}"],
           "line\nbreak": ["line", "break"], "back\\slash\\n": ["back\\slash\\n"],
           "amp & co": ["amp & co"], "]; x -> y; [": ["]; x -> y; ["],
           "tab\tand\x0bcontrol": ["tab\\tand\\x0bcontrol"]}


@pytest.mark.parametrize("label", list(HOSTILE))
def test_hostile_labels_render_as_text(tmp_path, label):
    v = Value(1.0, label=label)
    (path,) = render(v * 2.0, tmp_path / "g.svg")
    texts = svg_texts(path)
    for line in HOSTILE[label]:
        assert line in texts
    assert len(value_nodes(draw(v * 2.0).source)) == 2  # v, and v * 2.0: the number is in the op


@settings(max_examples=40)
@given(st.text(max_size=30))
def test_any_label_keeps_the_dot_source_to_three_values(label):
    v = Value(1.0, label=label)
    source = draw(v + Value(2.0)).source
    assert len(value_nodes(source)) == 3 and len(op_nodes(source)) == 1
    assert len(edges(source)) == 3
    graphviz.Source(source).pipe(format="svg")  # dot accepts it


def test_labels_over_16_kb_are_shortened_in_the_picture_only(tmp_path):
    v = Value(1.0, label="x" * 17_000)
    (path,) = render(v * 2.0, tmp_path / "g.svg")
    assert "x" * (MAX_LABEL - 1) + "…" in svg_texts(path)
    assert v.label == "x" * 17_000
    lines = Value(1.0, label="a\n" * 20_000)  # 20,000 line breaks would be 100 KB of <br/>
    render(lines * 2.0, tmp_path / "lines.svg")
    assert lines.label == "a\n" * 20_000


def test_printable_escapes_what_a_terminal_would_act_on():
    assert printable("a\x1b[31m\r\u202e\tb ü 𝑥") == "a\\x1b[31m\\r\\u202e\\tb ü 𝑥"
    assert printable("a\nb", keep="\n") == "a\nb" and printable("a\nb") == "a\\nb"


def test_render_into_an_existing_directory_is_refused(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(IsADirectoryError, match="is a directory"):
        render(Value(1.0) * 2.0, tmp_path / "d")
    assert not (tmp_path / "d.svg").exists()


@pytest.mark.parametrize(("path", "error"), [
    ("", ValueError), ("folder/", ValueError), ("nowhere/g.svg", FileNotFoundError),
    ("file.txt/g.svg", NotADirectoryError), ("g.txt", ValueError), ("g.png", ValueError),
    (".svg", ValueError), ("pipe", ValueError)])
def test_bad_render_paths_raise_a_clear_error_and_write_nothing(path, error, odd_paths):
    before = odd_paths()
    with pytest.raises(error) as info:
        render(Value(1.0) * 2.0, path)
    assert str(info.value) and "\n" not in str(info.value)
    assert odd_paths() == before


def test_the_extension_may_be_any_format_drawn(tmp_path):
    assert render(Value(1.0) * 2.0, tmp_path / "g.png", ("svg", "png")) == [
        str(tmp_path / "g.svg"), str(tmp_path / "g.png")]
    assert render(Value(1.0) * 2.0, tmp_path / "h") == [str(tmp_path / "h.svg")]


def test_a_failed_format_writes_no_file_at_all(tmp_path, monkeypatch):
    pipe = graphviz.Digraph.pipe

    def no_png(self, *args, **kwargs):
        if kwargs.get("format") == "png":
            raise graphviz.CalledProcessError(1, ["dot"], stderr=b"Error: no png\nmore")
        return pipe(self, *args, **kwargs)

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_png)
    with pytest.raises(RuntimeError, match=r"Graphviz failed: Error: no png$"):
        render(Value(1.0) * 2.0, tmp_path / "g.svg", ("svg", "png"))
    assert list(tmp_path.iterdir()) == []


def test_a_write_error_keeps_the_old_file_and_leaves_no_temporary_one(tmp_path, monkeypatch):
    (tmp_path / "g.svg").write_text("old")

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", dst)

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError, match="No space"):
        render(Value(1.0) * 2.0, tmp_path / "g.svg")
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]
    assert (tmp_path / "g.svg").read_text() == "old"


def test_written_files_get_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    (path,) = render(Value(1.0) * 2.0, tmp_path / "g.svg")
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_render_writes_through_a_symlink_and_keeps_the_files_permissions(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "picture.svg"
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "g.svg"
    link.symlink_to(os.path.join("real", "picture.svg"))  # relative, as links often are
    assert render(Value(1.0, label="x") * 2.0, link) == [str(link)]
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "picture.svg")
    assert "x" in svg_texts(target)
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg", "real"]
    assert [p.name for p in (tmp_path / "real").iterdir()] == ["picture.svg"]


@pytest.mark.parametrize(("make", "shown"), [
    (lambda x: x**2.0, "** 2.0"), (lambda x: 2.0**x, "2.0 **"),
    (lambda x: x.leaky_relu(0.1), "leaky_relu(0.1)"),
    (lambda x: x.clamp(-1, 1), "clamp(-1.0, 1.0)"),
    (lambda x: neuron([1.0], [x], 0.0, "tanh"), "tanh(b+w·x)"), (lambda x: x * x, "*")])
def test_each_op_is_drawn_as_its_table_entry_shows_it(make, shown):
    v = make(Value(0.5))
    assert symbols.label(v.op, v.param) == shown  # 2 ** x is not drawn as x ** 2


@FAST_SHAPES
def test_a_fused_sum_of_products_is_drawn_as_it_was_written():
    ws, xs = [Value(0.1 * i) for i in range(1, 4)], [Value(0.7 - i) for i in range(3)]
    s = sum(w * x for w, x in zip(ws, xs))  # one DOT node: 0 + w1 x1 + w2 x2 + w3 x3
    assert s.op is ops.DOT
    s.backward(2.0)
    drawn = as_drawn(toposort([s]))
    ops_drawn = [op for v, op, param, parents in drawn if parents]
    assert ops_drawn == [ops.MUL, ops.ADD] * 3  # micrograd's picture: products and sums
    total = 0.0
    for v, op, _, parents in drawn:
        if op is ops.ADD:
            total = total + parents[1].data  # the engine's floats, added in the same order
            assert v.data == total and v.grad == 2.0  # d sum / d partial sum = 1
    assert drawn[-1][0] is s
    assert len(value_nodes(draw(s).source)) == 1 + 6 + 6  # the constant 0, inputs, 6 made
    asked = dot(ws, xs)  # one node asked for by name is drawn as one node
    assert [label for _, label in op_nodes(draw(asked).source)] == ["b+w·x"]


def test_the_legend_names_the_colours_drawn_and_only_those():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    source = draw((x * w).tanh(), params=[w]).source  # no constant in it
    legend = re.search(r"^\s*legend \[label=<(.*)>", source, re.M).group(1)
    assert "input (a leaf you made)" in legend and "parameter (given as params=)" in legend
    assert "computed by an op" in legend and "constant" not in legend
    assert all(COLOURS[k] in legend for k in ("leaf", "param", "result"))
    assert "legend" not in draw(x * w, legend=False).source


def test_a_value_shows_its_numbers_and_small_graph_in_a_notebook():
    x = Value(2.0, label="<x>")
    y = (x * 3.0).tanh()
    y.backward()
    page = y._repr_html_()
    assert "<th>data</th>" in page and repr(y.data) in page and "<th>op</th><td>tanh" in page
    assert "<svg" in page and "&lt;x&gt;" in page  # the graph, its label escaped
    big = sum(Value(float(i)).exp() for i in range(60))
    page = big._repr_html_()
    assert "<svg" not in page and repr(big.data) in page  # too big to draw inline
    assert "<th>label</th><td>&lt;x&gt;</td>" in x._repr_html_()


def test_a_big_graph_is_refused_with_advice_and_drawn_collapsed():
    from nn import MLP, make_moons
    from nn.losses import hinge_loss, l2_penalty

    X, labels = make_moons(100, rng=random.Random(1))
    model = MLP(2, [16, 16, 1], rng=random.Random(1))
    loss = hinge_loss([model(x) for x in X], [2 * t - 1 for t in labels]) + l2_penalty(
        model.parameters())
    loss.backward()
    with pytest.raises(ValueError, match=r"4243 values, .*collapse=True"):
        draw(loss)
    source = draw(loss, params=model.parameters(), collapse=True).source
    boxes = re.findall(r"^\s*(g\d+) \[label=<<table.*?<b>(.*?)</b> ×(\d+)", source, re.M)
    counts = {title: int(n) for _, title, n in boxes}
    assert len(boxes) < 25  # legible: a box per layer, not 4,243
    assert counts["inputs"] == 200 and counts["parameters"] == 337
    assert [n for _, title, n in boxes if title == "relu(b+w·x)"] == ["1600", "1600"]
    assert sum(int(n) for _, _, n in boxes) == 4243  # every value is in one box
    graphviz.Source(source).pipe(format="svg")  # and dot draws it


@FAST_SHAPES
def test_gradients_that_are_graphs_or_were_not_kept_are_drawn_as_such():
    # a product held only by a NumPy object array is fused into the next sum as a temporary
    # (autograd/nodes.py): its gradient says it was not kept, and the drawing says so too
    np = pytest.importorskip("numpy")
    ws = [Value(0.5), Value(-1.0), Value(2.0), Value(1.5)]
    xs = [Value(1.0), Value(2.0), Value(3.0), Value(4.0)]
    sums = np.cumsum(np.array([w * x for w, x in zip(ws, xs)], dtype=object))
    loss = sums[1] * sums[3]
    loss.backward()
    source = draw(loss).source
    assert "grad not kept</td>" in source and "grad 9</td>" in source
    x = Value(3.0, label="x")
    y = x * x
    y.backward(create_graph=True)  # x.grad is the graph 2x
    assert "grad 6 (a graph)</td>" in draw([y, x.grad]).source
