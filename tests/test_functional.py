"""nn.functional: softmax, rmsnorm and attention against plain float formulas and
central differences."""

import math
import random

import pytest
from modes import FAST_SHAPES

from autograd import Value, gradcheck
from nn.functional import attention, rmsnorm, softmax, total


def floats(n, seed):
    rng = random.Random(seed)
    return [rng.uniform(-2.0, 2.0) for _ in range(n)]


def test_softmax_is_the_normalised_exponential_at_any_temperature():
    zs = floats(5, 0)
    for t in (1.0, 0.5, 3.0):
        got = [p.data for p in softmax([Value(z) for z in zs], t)]
        e = [math.exp(z / t) for z in zs]
        assert got == pytest.approx([x / sum(e) for x in e], rel=1e-14)
    big = softmax([Value(1000.0), Value(999.0)])  # no overflow: shifted by the largest
    assert [p.data for p in big] == pytest.approx([1 / (1 + math.e ** -1), 1 / (1 + math.e)])
    assert gradcheck(lambda *z: softmax(list(z), 0.7), zs)
    with pytest.raises(ValueError, match="temperature"):
        softmax([Value(1.0)], 0.0)
    with pytest.raises(ValueError, match="empty"):
        softmax([])


def test_rmsnorm_scales_to_a_root_mean_square_of_one():
    xs = floats(6, 1)
    got = [v.data for v in rmsnorm([Value(x) for x in xs])]
    scale = (sum(x * x for x in xs) / 6 + 1e-5) ** -0.5
    assert got == pytest.approx([x * scale for x in xs], rel=1e-14)
    assert gradcheck(lambda *x: rmsnorm(list(x)), xs)


def test_attention_weights_the_values_by_the_softmax_of_scaled_scores():
    n_head, d, steps = 2, 3, 4
    q = floats(n_head * d, 2)
    keys = [floats(n_head * d, 10 + t) for t in range(steps)]
    values = [floats(n_head * d, 20 + t) for t in range(steps)]
    got = [v.data for v in attention([Value(x) for x in q],
                                     [[Value(x) for x in k] for k in keys],
                                     [[Value(x) for x in v] for v in values], n_head)]
    want = []
    for h in range(0, n_head * d, d):
        scores = [sum(q[h + j] * k[h + j] for j in range(d)) / math.sqrt(d) for k in keys]
        e = [math.exp(s - max(scores)) for s in scores]
        w = [x / sum(e) for x in e]
        want += [sum(wt * v[h + j] for wt, v in zip(w, values)) for j in range(d)]
    assert got == pytest.approx(want, rel=1e-13)

    def f(*xs):
        qs, flat = list(xs[:6]), list(xs[6:])
        ks = [flat[i * 6 : i * 6 + 6] for i in range(2)]
        vs = [flat[12 + i * 6 : 12 + i * 6 + 6] for i in range(2)]
        return attention(qs, ks, vs, n_head)

    assert gradcheck(f, [*q, *keys[0], *keys[1], *values[0], *values[1]])
    with pytest.raises(ValueError, match="n_head"):
        attention([Value(1.0)] * 5, [[Value(1.0)] * 5], [[Value(1.0)] * 5], 2)


@FAST_SHAPES
def test_total_adds_values_into_one_node_when_they_are_products():
    ws, xs = [Value(x) for x in floats(4, 3)], [Value(x) for x in floats(4, 4)]
    s = total(w * x for w, x in zip(ws, xs))
    assert s.op.name == "dot" and len(s.parents) == 9
