"""Toy datasets: shape, labels, reproducibility."""

import math
import random

import pytest

from nn import make_moons


def test_moons_shape_labels_and_geometry():
    X, y = make_moons(101, noise=0.0, rng=random.Random(0))
    assert len(X) == len(y) == 101 and all(len(x) == 2 for x in X)
    assert sorted(set(y)) == [0, 1] and y.count(0) == 50
    for (a, b), label in zip(X, y):  # without noise, points lie on their half circles
        centre = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(a - centre[0], b - centre[1]) == pytest.approx(1.0, abs=1e-12)
        assert (b >= -1e-12) if label == 0 else (b <= 0.5 + 1e-12)


def test_moons_are_reproducible_from_a_seed():
    assert make_moons(20, rng=random.Random(5)) == make_moons(20, rng=random.Random(5))
    assert make_moons(20, rng=random.Random(5)) != make_moons(20, rng=random.Random(6))


def test_moons_reject_bad_arguments():
    with pytest.raises(ValueError, match="at least 2"):
        make_moons(1)
    with pytest.raises(ValueError, match="noise"):
        make_moons(10, noise=-0.1)
