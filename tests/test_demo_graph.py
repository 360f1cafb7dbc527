"""demos.graph: the single-neuron picture, its numbers and its files."""

import math
import xml.etree.ElementTree as ET

import pytest

from demos.graph import BIAS, INPUTS, WEIGHTS, main, neuron_graph

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path):
    return [t.text for t in ET.parse(path).getroot().iter(f"{SVG}text")]


def test_neuron_graph_gives_micrograd_s_numbers():
    out, xs, params = neuron_graph(INPUTS, WEIGHTS, BIAS)
    out.backward()
    assert out.data == pytest.approx(1 / math.sqrt(2), rel=1e-12)
    # do/dn = 1 - tanh(n)^2 = 1/2; then the chain rule through the sum and the products
    assert [x.grad for x in xs] == pytest.approx([-1.5, 0.5], rel=1e-12)
    assert [p.grad for p in params] == pytest.approx([1.0, 0.0, 0.5], rel=1e-12)
    assert [p.label for p in params] == ["w1", "w2", "b"]


def test_fused_and_unfused_neurons_agree():
    a, xa, pa = neuron_graph([0.3, -1.2, 2.0], [0.5, 0.25, -0.75], 0.1, "sigmoid")
    b, xb, pb = neuron_graph([0.3, -1.2, 2.0], [0.5, 0.25, -0.75], 0.1, "sigmoid", fused=True)
    a.backward()
    b.backward()
    assert a.data == pytest.approx(b.data, rel=1e-14)
    assert [v.grad for v in xa + pa] == pytest.approx([v.grad for v in xb + pb], rel=1e-12)


def test_unknown_activation_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        neuron_graph([1.0], [1.0], 0.0, "swish")


def test_main_prints_the_gradients_and_writes_the_svg(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "pictures"), "--png"]) == 0
    printed = capsys.readouterr().out
    assert "= 0.707107" in printed and "do/dx1 = -1.500000" in printed
    texts = svg_texts(tmp_path / "pictures" / "neuron.svg")
    for label in ("x1", "x2", "w1", "w2", "b", "n", "o", "x1*w1 + x2*w2", "tanh"):
        assert label in texts
    assert "grad -1.5" in texts  # x1's cell
    assert (tmp_path / "pictures" / "neuron.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fused_picture_has_one_op_for_the_whole_neuron(tmp_path):
    main(["--out", str(tmp_path), "--fused"])
    texts = svg_texts(tmp_path / "neuron.svg")
    assert "tanh(b+w·x)" in texts
    assert "*" not in texts and "+" not in texts

