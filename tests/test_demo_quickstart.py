"""demos.quickstart: the README's first example, with the chain rule worked by hand."""

import math

import pytest

from demos.quickstart import main


def test_prints_values_matching_the_derivatives_worked_by_hand(capsys):
    assert main(["--x", "0.5", "--w", "1.5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    t = math.tanh(0.5 * 1.5 + 1)
    dx = (1 - t * t) * 1.5 + 2 * 0.5 / math.exp(1.5)
    printed_dx = float(lines[2].split("=")[1])
    assert printed_dx == pytest.approx(dx, rel=1e-12)
    assert lines[-1].endswith("passed")
