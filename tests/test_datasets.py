"""Toy datasets: shapes, labels, geometry and reproducibility."""

import math
import random

import pytest

from nn import make_blobs, make_circles, make_moons, make_regression_curve, make_spirals, make_xor

CLASSIFICATION = [make_moons, make_circles, make_blobs, make_spirals, make_xor]


@pytest.mark.parametrize("make", CLASSIFICATION, ids=lambda f: f.__name__)
def test_shapes_labels_and_seeds(make):
    X, y = make(60, rng=random.Random(3))
    assert len(X) == len(y) == 60 and all(len(x) == 2 for x in X)
    assert all(isinstance(c, float) for x in X for c in x)
    classes = sorted(set(y))
    assert classes == list(range(len(classes))) and len(classes) >= 2
    assert make(60, rng=random.Random(3)) == (X, y)
    assert make(60, rng=random.Random(4)) != (X, y)
    assert make(60) == make(60)  # seed 0 by default


def test_moons_geometry_without_noise():
    X, y = make_moons(101, noise=0.0)
    assert y.count(0) == 50
    for (a, b), label in zip(X, y):  # points lie on their half circles
        centre = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(a - centre[0], b - centre[1]) == pytest.approx(1.0, abs=1e-12)
        assert (b >= -1e-12) if label == 0 else (b <= 0.5 + 1e-12)


def test_circles_geometry_without_noise():
    X, y = make_circles(40, noise=0.0, factor=0.3)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3, abs=1e-12)
    assert len({tuple(x) for x in X}) == 40


def test_xor_labels_follow_the_quadrants():
    X, y = make_xor(200, noise=0.0)
    assert all(label == int((a > 0) != (b > 0)) for (a, b), label in zip(X, y))
    assert y.count(1) == 100


def test_blobs_cluster_around_their_centres():
    X, y = make_blobs(300, centers=3, std=0.1, dim=3)
    assert all(len(x) == 3 for x in X) and sorted(set(y)) == [0, 1, 2]
    for k in range(3):
        members = [x for x, label in zip(X, y) if label == k]
        centre = [sum(c) / len(members) for c in zip(*members)]
        spread = max(math.dist(x, centre) for x in members)
        assert spread < 0.6


def test_spirals_have_one_arm_per_class():
    X, y = make_spirals(90, classes=3, noise=0.0)
    assert [y.count(k) for k in range(3)] == [30, 30, 30]
    assert max(math.hypot(*x) for x in X) == pytest.approx(1.0)


def test_regression_curve():
    X, y = make_regression_curve(50, noise=0.0)
    assert all(len(x) == 1 and -3 <= x[0] <= 3 for x in X)
    assert [x[0] for x in X] == sorted(x[0] for x in X)
    assert all(t == pytest.approx(math.sin(x[0]) + x[0] / 4) for x, t in zip(X, y))
    _, noisy = make_regression_curve(50, noise=0.5)
    assert noisy != y


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_samples must be an integer >= 2"):
        make_moons(1)
    with pytest.raises(ValueError, match="noise"):
        make_circles(10, noise=-0.1)
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, factor=1.5)
    with pytest.raises(ValueError, match="classes"):
        make_spirals(10, classes=1)
