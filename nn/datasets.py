"""Toy datasets generated in pure Python from a seeded random.Random (seed 0 by default)."""

from __future__ import annotations

import math
import random

from autograd import checks

Points = list[list[float]]


def _jitter(points: list[tuple[list[float], int]], noise: float,
            rng: random.Random) -> tuple[Points, list[int]]:
    rng.shuffle(points)
    X = [[c + rng.gauss(0.0, noise) for c in x] for x, _ in points]
    return X, [label for _, label in points]


def _arc(n: int, start: float, stop: float) -> list[float]:
    """n evenly spaced angles from start to stop, both included."""
    return [start + (stop - start) * i / (n - 1) if n > 1 else start for i in range(n)]


def make_moons(n_samples: int = 100, noise: float = 0.1,
               rng: random.Random | None = None) -> tuple[Points, list[int]]:
    """Two interleaving half circles (as scikit-learn's make_moons), labels 0 and 1."""
    n_samples = checks.integer("n_samples", n_samples, 2)
    noise = checks.at_least("noise", noise, 0.0)
    n_out = n_samples // 2
    upper = [([math.cos(t), math.sin(t)], 0) for t in _arc(n_out, 0.0, math.pi)]
    lower = [([1.0 - math.cos(t), 0.5 - math.sin(t)], 1)
             for t in _arc(n_samples - n_out, 0.0, math.pi)]
    return _jitter(upper + lower, noise, rng or random.Random(0))


def make_circles(n_samples: int = 100, noise: float = 0.05, factor: float = 0.5,
                 rng: random.Random | None = None) -> tuple[Points, list[int]]:
    """A circle of radius 1 (label 0) around one of radius ``factor`` (label 1)."""
    n_samples = checks.integer("n_samples", n_samples, 2)
    noise = checks.at_least("noise", noise, 0.0)
    factor = checks.in_range("factor", factor, 0.0, 1.0, strict=True)
    n_out = n_samples // 2
    # angles of a full turn, the endpoint left out so that no point appears twice
    outer = [([math.cos(t), math.sin(t)], 0)
             for t in (2 * math.pi * i / n_out for i in range(n_out))]
    n_in = n_samples - n_out
    inner = [([factor * math.cos(t), factor * math.sin(t)], 1)
             for t in (2 * math.pi * i / n_in for i in range(n_in))]
    return _jitter(outer + inner, noise, rng or random.Random(0))


def make_blobs(n_samples: int = 100, centers: int = 3, std: float = 0.5, dim: int = 2,
               rng: random.Random | None = None) -> tuple[Points, list[int]]:
    """Gaussian clusters around ``centers`` random centres in [-5, 5]^dim, labels 0..k-1."""
    n_samples = checks.integer("n_samples", n_samples, 2)
    std = checks.at_least("std", std, 0.0)
    centers = checks.integer("centers", centers, 1)
    dim = checks.integer("dim", dim, 1)
    rng = rng or random.Random(0)
    middles = [[rng.uniform(-5.0, 5.0) for _ in range(dim)] for _ in range(centers)]
    points = [(list(middles[i % centers]), i % centers) for i in range(n_samples)]
    return _jitter(points, std, rng)


def make_spirals(n_samples: int = 100, classes: int = 2, noise: float = 0.1,
                 rng: random.Random | None = None) -> tuple[Points, list[int]]:
    """Interleaved spiral arms, one per class (the CS231n spiral), labels 0..classes-1."""
    n_samples = checks.integer("n_samples", n_samples, 2)
    noise = checks.at_least("noise", noise, 0.0)
    classes = checks.integer("classes", classes, 2)
    points = []
    for i in range(n_samples):
        k = i % classes
        r = (i // classes + 1) / math.ceil(n_samples / classes)  # radius grows along the arm
        t = 2 * math.pi * k / classes + 4.0 * r  # each arm turns by 4 radians
        points.append(([r * math.cos(t), r * math.sin(t)], k))
    return _jitter(points, noise, rng or random.Random(0))


def make_xor(n_samples: int = 100, noise: float = 0.1,
             rng: random.Random | None = None) -> tuple[Points, list[int]]:
    """Points in the four quadrants of [-1, 1]^2; label 1 where the signs differ."""
    n_samples = checks.integer("n_samples", n_samples, 2)
    noise = checks.at_least("noise", noise, 0.0)
    rng = rng or random.Random(0)
    points = []
    for i in range(n_samples):
        sx, sy = (1 if i % 2 else -1), (1 if (i // 2) % 2 else -1)  # quadrants in turn
        x = [sx * rng.uniform(0.1, 1.0), sy * rng.uniform(0.1, 1.0)]
        points.append((x, int(sx != sy)))
    return _jitter(points, noise, rng)


def make_regression_curve(n_samples: int = 100, noise: float = 0.1,
                          rng: random.Random | None = None) -> tuple[Points, list[float]]:
    """y = sin(x) + x/4 + Gaussian noise for x spread over [-3, 3]; X holds [x] rows."""
    n_samples = checks.integer("n_samples", n_samples, 2)
    noise = checks.at_least("noise", noise, 0.0)
    rng = rng or random.Random(0)
    xs = sorted(rng.uniform(-3.0, 3.0) for _ in range(n_samples))
    return [[x] for x in xs], [math.sin(x) + x / 4 + rng.gauss(0.0, noise) for x in xs]


def make_sine_waves(n_sequences: int = 8, length: int = 25, step: float = 0.3,
                    rng: random.Random | None = None) -> tuple[list[Points], Points]:
    """Sine waves at random phases: inputs x_t = sin(step t + phase), as 1-vectors, and
    targets x_(t+1). The next value depends on whether the wave is rising or falling, which
    one value does not tell: predicting it takes memory."""
    n_sequences = checks.integer("n_sequences", n_sequences, 1)
    length = checks.integer("length", length, 1)
    step = checks.at_least("step", step, 0.0, strict=True, finite=True)
    rng = rng or random.Random(0)
    inputs, targets = [], []
    for _ in range(n_sequences):
        phase = rng.uniform(0.0, 2 * math.pi)
        wave = [math.sin(step * t + phase) for t in range(length + 1)]
        inputs.append([[x] for x in wave[:-1]])
        targets.append(wave[1:])
    return inputs, targets
