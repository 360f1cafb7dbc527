"""Toy datasets generated in pure Python from a seeded random.Random."""

from __future__ import annotations

import math
import random


def make_moons(n_samples: int = 100, noise: float = 0.1,
               rng: random.Random | None = None) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles (as scikit-learn's make_moons): points and 0/1 labels."""
    if n_samples < 2:
        raise ValueError(f"make_moons needs at least 2 samples, got {n_samples}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = rng or random.Random(0)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    points: list[tuple[list[float], int]] = []
    for i in range(n_out):  # upper moon: (cos t, sin t), t in [0, pi]
        t = math.pi * i / (n_out - 1) if n_out > 1 else 0.0
        points.append(([math.cos(t), math.sin(t)], 0))
    for i in range(n_in):  # lower moon: (1 - cos t, 1/2 - sin t)
        t = math.pi * i / (n_in - 1) if n_in > 1 else 0.0
        points.append(([1.0 - math.cos(t), 0.5 - math.sin(t)], 1))
    rng.shuffle(points)
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for (x, y), _ in points]
    return X, [label for _, label in points]
