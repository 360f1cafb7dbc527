"""python -m autograd draw: output, files and exit codes."""

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograd.__main__ import main

pytest.importorskip("graphviz")


def test_draw_prints_value_and_gradients_and_writes_svg(tmp_path, capsys):
    out = tmp_path / "graph.svg"
    assert main(["draw", "tanh(w*x + b)", "x=1", "w=-2", "b=0.5", "-o", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "tanh(w*x + b) = -0.9051482536448664"
    assert printed[1:4] == ["  d/dx = -0.36141327784729715", "  d/dw = 0.18070663892364858",
                            "  d/db = 0.18070663892364858"]
    texts = ["".join(t.itertext()) for t in ET.parse(out).getroot().iter(
        "{http://www.w3.org/2000/svg}text")]
    assert {"x", "w", "b", "tanh", "grad 1"} <= set(texts)


def test_png_beside_the_svg(tmp_path, capsys):
    assert main(["draw", "x*x", "x=3", "-o", str(tmp_path / "g.svg"), "--png"]) == 0
    assert (tmp_path / "g.png").exists()
    assert "  d/dx = 6.0" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["draw", "x.real", "x=1"], ["draw", "y + 1", "x=1"],
                                  ["draw", "x +", "x=1"], ["draw", "log(x)", "x=-1"],
                                  ["draw", "[x for x in x]", "x=1"]])
def test_errors_are_one_line_and_exit_2(args, tmp_path, capsys):
    assert main([*args, "-o", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not (tmp_path / "g.svg").exists()


def test_bad_variables_and_help_from_the_command_line():
    run = [sys.executable, "-m", "autograd", "draw", "x", "x=abc"]
    result = subprocess.run(run, capture_output=True, text=True)
    assert result.returncode == 2 and "'abc' is not a number" in result.stderr
    helped = subprocess.run([sys.executable, "-m", "autograd", "draw", "--help"],
                            capture_output=True, text=True)
    assert helped.returncode == 0
    assert "leaky_relu" in helped.stdout and "name=value" in helped.stdout
