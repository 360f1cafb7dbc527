"""autograd.jit: traced once per structure, the engine's numbers, gradients into .grad."""

import math
import random

import pytest

from autograd import Value, grad, jit

pytest.importorskip("numpy")


def weights(rows, cols, seed=0):
    rng = random.Random(seed)
    return [[Value(rng.uniform(-1.0, 1.0)) for _ in range(cols)] for _ in range(rows)]


W = weights(4, 3)
PARAMS = [p for row in W for p in row]


def net(xs, target):
    """A layer written as sums of products, then a squared error: W is read from outside."""
    h = [sum(w * x for w, x in zip(row, xs)).tanh() for row in W]
    return sum((v - target) * (v - target) for v in h)


def engine(xs, target):
    leaves = [Value(x) for x in xs]
    loss = net(leaves, Value(target))
    return loss.data, grad(loss, PARAMS)


def test_outputs_and_gradients_are_the_engine_s_and_the_trace_is_reused():
    step = jit(net)
    for p in PARAMS:
        p.grad = 0.0
    samples = [([0.1, 0.2, 0.3], 0.5), ([0.3, -0.1, 0.7], -0.2), ([1.0, 0.0, -1.0], 0.0)]
    total = [0.0] * len(PARAMS)
    for xs, t in samples:
        loss = step(xs, t)
        want, grads = engine(xs, t)
        assert isinstance(loss, float) and math.isclose(loss, want, rel_tol=1e-12)
        total = [a + g for a, g in zip(total, grads)]
    assert len(step.cache) == 1  # one structure: traced once
    for p, g in zip(PARAMS, total):  # added into .grad, as backward() adds
        assert math.isclose(p.grad, g, rel_tol=1e-12, abs_tol=1e-15)
        p.grad = 0.0
    step([0.1, 0.2], 0.5)  # another structure: traced again
    assert len(step.cache) == 2


def test_value_arguments_get_their_gradients_and_may_be_the_same_object():
    a, b = Value(0.5), Value(-1.5)
    step = jit(lambda u, v: (u * v).exp())
    assert step(a, b) == math.exp(-0.75)
    assert math.isclose(a.grad, -1.5 * math.exp(-0.75))
    assert math.isclose(b.grad, 0.5 * math.exp(-0.75))
    a.grad = 0.0
    out = step(a, a)  # the same Value twice is another structure: d(u*u)/du = 2u
    assert out == math.exp(0.25) and math.isclose(a.grad, 2 * 0.5 * math.exp(0.25))
    assert len(step.cache) == 2


def test_lists_out_constants_and_strings_in():
    def f(xs, mode):
        return [x.tanh() for x in xs] if mode == "tanh" else [x.sigmoid() for x in xs]

    step = jit(f)
    assert step([0.5, -0.5], "tanh") == [math.tanh(0.5), math.tanh(-0.5)]
    assert step([0.5], "sigmoid") == [1.0 / (1.0 + math.exp(-0.5))]
    assert len(step.cache) == 2


def test_what_jit_cannot_keep_is_refused():
    step = jit(lambda x: x * 2.0 if x > 0 else x)  # a branch on a Value
    with pytest.raises(TypeError, match="refused"):
        step(1.0)
    with pytest.raises(TypeError, match="neither a number"):
        jit(lambda x: x)({"a": 1.0})
    with pytest.raises(TypeError, match="must return a Value"):
        jit(lambda x: 3.0)(1.0)
    with pytest.raises(ValueError, match="must be a leaf"):
        jit(lambda q: q * 2.0)(Value(1.0) * 3.0)  # its gradient would stop there
    with pytest.raises(TypeError, match="needs a function"):
        jit(3)


def test_an_argument_that_the_function_also_reads_from_elsewhere():
    p, q = Value(2.0), Value(3.0)
    step = jit(lambda a, x: a * x + p * p)  # p read from outside, a passed
    for first, second in ((p, q), (q, p)):  # traced with one, called with the other
        for v in (p, q):
            v.grad = 0.0
        step(first, 2.0)
        for v in (p, q):
            v.grad = 0.0
        out = step(second, 2.0)
        a = second
        assert out == a.data * 2.0 + p.data * p.data
        assert p.grad == 2.0 * p.data + (2.0 if a is p else 0.0)
        assert q.grad == (2.0 if a is q else 0.0)


def test_a_jitted_function_called_while_another_is_traced_is_part_of_its_graph():
    a = Value(2.0)
    inner = jit(lambda x: a * x)
    outer = jit(lambda x: inner(x) * x)
    assert outer(3.0) == 18.0 and a.grad == 9.0  # d(a x^2)/da = x^2; nothing frozen
    a.grad = 0.0
    assert outer(1.0) == 2.0 and a.grad == 1.0


def test_a_number_read_with_data_is_frozen_at_trace_time():
    # documented, as JAX's tracing: Python sees .data once, when the function is traced
    step = jit(lambda x: x * x.data)
    assert step(3.0) == 9.0
    assert step(5.0) == 15.0  # 5 * 3, the traced constant
