"""Drawing: the nodes, edges and labels that were drawn, read back from DOT and SVG."""

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, neuron
from autograd.draw import COLOURS, draw, render

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
    with pytest.raises(ValueError, match="more than max_nodes=20; draw a part"):
        draw(y, max_nodes=20)
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
    assert len(value_nodes(draw(v * 2.0).source)) == 3


@settings(max_examples=40)
@given(st.text(max_size=30))
def test_any_label_keeps_the_dot_source_to_three_values(label):
    v = Value(1.0, label=label)
    source = draw(v + 2.0).source
    assert len(value_nodes(source)) == 3 and len(op_nodes(source)) == 1
    assert len(edges(source)) == 3
    graphviz.Source(source).pipe(format="svg")  # dot accepts it
