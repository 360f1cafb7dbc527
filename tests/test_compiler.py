"""autograd.compile: generated code gives the eager engine's values and gradients."""

import math
import random

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from random_graphs import build, graphs, well_behaved

import nn
from autograd import Value, compile, ops  # noqa: A004
from autograd.compiler import CHUNK
from autograd.ops import Op, template


def close(a, b):
    return a == pytest.approx(b, rel=1e-12, abs=1e-12)


def eager(plan, point, n_params):
    """Values and gradients by the engine: params are the first n_params leaves."""
    leaves = [Value(x) for x in point]
    out = build(plan, leaves)[-1]
    out.backward()
    return out.data, [v.grad for v in leaves]


def traced(plan, point, n_params):
    leaves = [Value(x) for x in point]
    out = build(plan, leaves)[-1]
    return compile(out, leaves[n_params:], leaves[:n_params]), leaves


@given(graphs, st.integers(0, 3))
def test_random_graphs_compile_to_the_engine_s_values_and_gradients(g, n_params):
    point, plan = g
    assume(well_behaved(point, plan))
    n_params = min(n_params, len(point))
    f, _ = traced(plan, point, n_params)
    value, grads = eager(plan, point, n_params)
    result = f(point[n_params:])
    assert close(result.outputs[0], value)
    assert close(result.param_grads + result.input_grads, grads)


@given(graphs, st.lists(st.floats(-0.3, 0.3), min_size=2, max_size=4),
       st.sampled_from(["mean", "sum"]))
def test_random_graphs_batched_with_numpy_and_lists(g, shifts, reduction):
    point, plan = g
    samples = [[x + s for x in point] for s in shifts]
    assume(all(well_behaved(p, plan) for p in samples))
    n_params = 1 if len(point) > 1 else 0  # the first leaf is a parameter, fixed at point
    f, _ = traced(plan, point, n_params)
    per_sample = [eager(plan, point[:n_params] + s[n_params:], n_params) for s in samples]
    columns = [[s[i] for s in samples] for i in range(n_params, len(point))]
    for batch in (columns, [np.array(c) for c in columns]):
        result = f(batch, reduction=reduction)
        assert close(list(result.outputs[0]), [v for v, _ in per_sample])
        for i, column in enumerate(result.input_grads):
            assert close(list(column), [gs[n_params + i] for _, gs in per_sample])
        scale = 1 / len(samples) if reduction == "mean" else 1
        for i, total in enumerate(result.param_grads):
            assert close(total, scale * math.fsum(gs[i] for _, gs in per_sample))


def test_source_reads_like_the_chain_rule():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    h = x * w + b
    h.label = "h"
    o = h.tanh()
    o.label = "o"
    f = compile(o, [x], [w, b])
    lines = [line.strip() for line in f.source.splitlines()]
    assert "x, = inputs" in lines and "w, b = params" in lines
    assert lines.index("t1 = x * w") < lines.index("h = t1 + b") < lines.index("o = tanh(h)")
    assert "g_h = g_o * (1.0 - o * o)" in lines
    assert "g_x = g_t1 * w" in lines and "g_w = g_t1 * x" in lines
    assert lines[-1] == "return (o,), (g_x,), (g_w, g_b)"


def test_shared_values_accumulate_their_gradient_visibly():
    x = Value(3.0, label="x")
    y = x * x + x
    f = compile(y, [x], [])
    assert f.source.count("g_x = g_x + ") == 2
    assert f([3.0]).input_grads == [7.0]  # 2x + 1


def test_labels_that_are_not_names_fall_back_and_never_collide():
    a, b, c = Value(1.0, label="a b"), Value(2.0, label="for"), Value(3.0, label="a")
    d = Value(4.0, label="a")
    out = a * b + c * d
    f = compile(out, [a, b, c, d])
    assert "x1, x2, a, a_ = inputs" in f.source
    assert f([1.0, 2.0, 3.0, 4.0]).input_grads == [2.0, 1.0, 4.0, 3.0]


def test_params_are_read_at_call_time():
    w = Value(2.0)
    x = Value(1.0)
    f = compile(w * x, [x], [w])
    assert f([3.0]).outputs == [6.0]
    w.data = -1.0  # what an optimizer step does
    assert f([3.0]).outputs == [-3.0] and f([3.0]).param_grads == [3.0]


def test_other_leaves_are_constants_fixed_at_compile_time():
    c = Value(10.0)
    x = Value(1.0)
    f = compile(x * c, [x])
    c.data = 0.0
    assert f([2.0]).outputs == [20.0]


def test_grad_outputs_weight_each_output():
    x = Value(2.0)
    f = compile([x * x, x * 3.0], [x], grad_outputs=[1.0, 0.0])
    result = f([2.0])
    assert result.outputs == [4.0, 6.0] and result.input_grads == [4.0]


def test_data_dependent_ops_follow_the_new_inputs():
    x = Value(1.0)
    y = x.relu() + abs(x) * 2.0 + x.leaky_relu(0.1)
    f = compile(y, [x])
    for v in (-2.0, 0.0, 3.0):
        xv = Value(v)
        ye = xv.relu() + abs(xv) * 2.0 + xv.leaky_relu(0.1)
        ye.backward()
        result = f([v])
        assert result.outputs == [ye.data] and result.input_grads == [xv.grad]
    batch = f([np.array([-2.0, 0.0, 3.0])])
    assert list(batch.input_grads[0]) == [-2.0 + 0.1, 0.1, 4.0]


def test_a_big_graph_is_split_into_functions_and_stays_exact():
    w, b, x = Value(0.999, label="w"), Value(0.001, label="b"), Value(0.5, label="x")
    y = x
    for _ in range(CHUNK):
        y = (y * w + b).relu()
    f = compile(y, [x], [w, b])
    assert f.source.count("\ndef _part") > 1
    result = f([0.5])
    y.backward()
    assert result.outputs == [y.data]
    assert result.param_grads == [w.grad, b.grad] and result.input_grads == [x.grad]


def test_long_weighted_sums_call_dot_and_match():
    ws = [Value(random.Random(i).uniform(-1, 1)) for i in range(100)]
    xs = [Value(float(i % 7)) for i in range(100)]
    out = nn.Neuron(100, "tanh")
    out.w = ws
    y = out(xs)
    f = compile(y, xs, [*ws, out.b])
    assert "dot_(" in f.source
    y.backward()
    result = f([x.data for x in xs])
    assert result.outputs == [y.data]
    assert close(result.param_grads, [w.grad for w in ws] + [out.b.grad])


def test_an_op_without_code_is_refused_at_compile_time(monkeypatch):
    bare = Op("bare", 1, math.atan, lambda m, out, a: 1.0 / (1.0 + a * a))
    x = Value(0.5)
    y = x.tanh()
    monkeypatch.setattr(y, "_op", bare)
    with pytest.raises(NotImplementedError, match=r"no code form for the op\(s\) bare"):
        compile(y, [x])


def test_template_fills_arguments_and_parameters():
    rule = template("f({a}, {k})", "{out} * {b}")
    code = rule("o", ["x", "(-2.0)"], -0.5)
    assert code.forward == "f(x, (-0.5))" and code.partials == ("o * (-2.0)",)


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda f: f([1.0, 2.0]), ValueError, "expected 1 input values, got 2"),
    (lambda f: f([1.0], reduction="max"), ValueError, "reduction must be 'mean' or 'sum'"),
    (lambda f: f(["a"]), TypeError, "expected a number, a list of numbers or a NumPy array"),
    (lambda f: f([[1.0, "a"]]), TypeError, "a batch must hold only numbers"),
    (lambda f: f([[]]), ValueError, "inputs of one, non-zero length"),
    (lambda f: f([np.ones((2, 2))]), ValueError, "a batch is one 1-D array per input"),
])
def test_bad_calls_are_clear_errors(call, error, words):
    x = Value(1.0)
    f = compile(x.exp(), [x])
    with pytest.raises(error, match=words):
        call(f)


@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda x: compile(x, [x], [x]), ValueError, "appears twice"),
    (lambda x: compile(x, [1.0]), TypeError, "inputs must be Values, not float"),
    (lambda x: compile([], [x]), ValueError, "no outputs"),
    (lambda x: compile(x, [x], grad_outputs=[1.0, 2.0]), ValueError, "1 outputs but 2"),
])
def test_bad_compiles_are_clear_errors(make, error, words):
    with pytest.raises(error, match=words):
        make(Value(1.0))


def test_overflow_and_domain_errors_are_not_silent():
    x = Value(1.0)
    f = compile(x * 1e300 * x, [x])
    with pytest.raises(FloatingPointError, match="overflowed"):
        f([1e10])
    with pytest.raises(FloatingPointError):
        f([np.array([1e10, 1.0])])
    g = compile(x.log(), [x])
    with pytest.raises(ValueError, match="math domain error"):
        g([-1.0])
    with pytest.raises(FloatingPointError):
        g([np.array([-1.0])])
    assert math.isnan(g([math.nan]).outputs[0])  # NaN put in propagates, as in the engine


def test_every_op_of_the_table_has_code():
    assert all(op.code is not None for op in ops.OPS)


def test_an_input_the_outputs_do_not_use_gets_gradient_zero():
    x, unused = Value(2.0), Value(5.0)
    f = compile(x * x, [x, unused])
    assert f([2.0, 7.0]).input_grads == [4.0, 0.0]
    assert list(f([np.array([1.0, 2.0]), np.array([0.0, 0.0])]).input_grads[1]) == [0.0, 0.0]
