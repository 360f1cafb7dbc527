"""Vector code against the engine: graphs with group structure, compiled and run on batches."""

import math
import random
from contextlib import contextmanager
from unittest import mock

import pytest
from grouped_programs import build, close, engine, programs
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from modes import FAST_SHAPES
from random_functions import at_kink, fresh, functions, make, scale, tenths

import nn
from autograd import Compiled, Value, compile, grad, jit, kernels, neuron  # noqa: A004
from autograd import sum as vsum
from autograd.compiler.traced import refuse
from autograd.core.grad_mode import tracing_values
from nn.losses import hinge_loss, l2_penalty

np = pytest.importorskip("numpy")


def scalar_samples(f, batch, **kwargs):
    """f on a batch, and how many of its samples the scalar code (the engine's) ran."""
    scalar = Compiled._scalar_sample
    with mock.patch.object(Compiled, "_scalar_sample", autospec=True,
                           side_effect=scalar) as exact:
        result = f(batch, **kwargs)
    return result, exact.call_count


@contextmanager
def vector_only():
    """Inside: a batch that falls back to the engine or to scalar code fails the test."""
    with mock.patch.object(Compiled, "_call_engine", side_effect=AssertionError("engine")), \
            mock.patch.object(Compiled, "_call_lists", side_effect=AssertionError("floats")):
        yield


def equals_engine(f, columns, params, reduction="sum"):
    """The batch by vector code alone against the engine, sample by sample: the first
    output, the parameter gradients (reduced as asked) and the input gradients."""
    n = len(columns[0])
    with vector_only():
        fast = f(columns, reduction=reduction)
    slow = f._call_engine(columns, [p.data for p in params], n)[0]
    close(fast.outputs[0], slow.outputs[0], "outputs")
    scale = n if reduction == "mean" else 1
    close(fast.param_grads, np.array(slow.param_grads) / scale, "param gradients")
    close(np.array(fast.input_grads), np.array(slow.input_grads), "input gradients")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(programs, st.integers(1, 4), st.integers(0, 10**6), st.integers(1, 6))
def test_grouped_graphs_equal_the_engine(program, n_in, seed, batch):
    xs = [Value(0.1 * (i + 1), label=f"x{i + 1}") for i in range(n_in)]
    loss, _, params = build(xs, program, seed)
    f = compile(loss, xs, params)
    rng = np.random.default_rng(seed)
    samples = rng.uniform(-1.5, 1.5, size=(batch, n_in))
    with vector_only():
        result = f([samples[:, i] for i in range(n_in)], reduction="sum")
    expected = [engine(program, seed, s, n_in) for s in samples]
    close(result.outputs[0], [e[0] for e in expected], "loss")
    for i in range(n_in):
        close(result.input_grads[i], [e[1][i] for e in expected], "input gradient")
    close(result.param_grads, np.sum([e[2] for e in expected], axis=0), "param gradients")


@settings(max_examples=40, deadline=None, derandomize=True)
@given(programs, st.integers(1, 3), st.integers(0, 10**6), st.sampled_from(["reversed",
                                                                          "shuffled"]))
def test_parameters_in_any_order_equal_the_engine(program, n_in, seed, order):
    """A layer's weights gathered from params and their gradients added back: the right
    entries, whatever order params are given in."""
    xs = [Value(0.1 * (i + 1), label=f"x{i + 1}") for i in range(n_in)]
    loss, _, params = build(xs, program, seed)
    rng = np.random.default_rng(seed)
    perm = (list(range(len(params)))[::-1] if order == "reversed"
            else list(rng.permutation(len(params))))
    f = compile(loss, xs, [params[i] for i in perm])
    samples = rng.uniform(-1.5, 1.5, size=(3, n_in))
    with vector_only():
        result = f([samples[:, i] for i in range(n_in)], reduction="sum")
    expected = [engine(program, seed, s, n_in) for s in samples]
    close(result.outputs[0], [e[0] for e in expected], "loss")
    summed = np.sum([e[2] for e in expected], axis=0)
    close(result.param_grads, [summed[i] for i in perm], "param gradients")


@pytest.mark.parametrize("width", [32, 64, 128])
def test_wide_layers_become_matrix_products(width):
    model = nn.MLP(2, [width, width, 1], rng=random.Random(0))
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2")]
    y = Value(0.0, label="target")
    loss = hinge_loss(model(xs), y) + l2_penalty(model.parameters())
    f = compile(loss, [*xs, y], model.parameters())
    source = f.vector_source
    # the bias added into the product's own array, then the activation
    assert "z_h1 = x @ W1.T\n    z_h1 += b1\n    h1 = relu(z_h1)" in source
    assert "z_h2 = h1 @ W2.T\n    z_h2 += b2\n    h2 = relu(z_h2)" in source
    # through relu: the gradient, an array only it holds, scaled in place
    assert "g_h2 *= select(h2, 1.0, 0.0)" in source and "gz_" not in source
    assert "g_h1 = g_h2 @ W2" in source
    assert "g_params = scatter_add(g_params, _W2, outer(g_h2, h1))" in source
    lines = source.splitlines()  # lines do not grow with the width
    assert sum(not line.lstrip().startswith("del ") for line in lines) < 90
    X, labels = nn.make_moons(50, noise=0.1, rng=random.Random(1))
    columns = [np.array([p[0] for p in X]), np.array([p[1] for p in X]),
               np.array([2.0 * c - 1.0 for c in labels])]
    equals_engine(f, columns, model.parameters(), reduction="mean")


@FAST_SHAPES
def test_a_product_the_samples_share_takes_their_biases_into_a_new_array():
    # u @ W.T is one row for all samples here, the bias a row per sample: the sum has the
    # bias's shape, so it cannot be added into the product's array
    rng = random.Random(5)
    ws = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(4)]
    us = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    xs = [Value(0.0, label=f"x{i}") for i in range(4)]
    out = sum(sum((w * u for w, u in zip(row, us)), x).relu() for row, x in zip(ws, xs))
    params = [p for row in ws for p in row] + us
    f = compile(out, xs, params)
    assert "z1 = params[12:15] @ W1.T + x\n" in f.vector_source
    equals_engine(f, [np.linspace(-2, 2, 9) * (i + 1) for i in range(4)], params)


@FAST_SHAPES
def test_micrograd_style_sums_group_like_fused_neurons():
    rng = random.Random(3)
    ws = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(5)]
    bs = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    xs = [Value(0.0, label=f"x{i}") for i in range(3)]
    h = [sum((w * x for w, x in zip(row, xs)), b).tanh() for row, b in zip(ws, bs)]
    out = sum(h)
    params = [p for row in ws for p in row] + bs
    f = compile(out, xs, params)
    assert "z1 = x @ W1.T\n    z1 += b1" in f.vector_source and "tanh(z1)" in f.vector_source
    equals_engine(f, [np.linspace(-1, 1, 7) * (i + 1) for i in range(3)], params)


def test_an_overflowing_product_falls_back_to_the_engine_s_error():
    w = Value(1e300)
    x = Value(1.0, label="x")
    f = compile(sum(w * v for v in [x, x * 2.0]), [x], [w])
    with pytest.raises(OverflowError):
        f([np.array([1e10, 1.0])])


@pytest.mark.parametrize("activation, how", [("relu", "peak"), ("sigmoid", "peak"),
                                             ("tanh", "largest")])
def test_a_layer_s_largest_entry_bounds_the_next_product_and_stands_for_it_in_finite(
        activation, how):
    # max |h1| is read once: for the bound of the next layer's sums and for the check that
    # h1 is finite (relu's and sigmoid's values are never below 0: their largest entry)
    model = nn.MLP(2, [6, 6, 1], activation=activation, rng=random.Random(3))
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2")]
    y = Value(0.0, label="target")
    loss = hinge_loss(model(xs), y)
    f = compile(loss, [*xs, y], model.parameters())
    source = f.vector_source
    assert f"_l_h1 = {how}(h1)" in source and "finite(_l_h1, " in source
    assert "largest(h1)" not in source.replace(f"_l_h1 = {how}(h1)", "")
    columns = [np.linspace(-2, 2, 9), np.linspace(1, -1, 9), np.sign(np.linspace(-1, 1, 9))]
    equals_engine(f, columns, model.parameters())
    # an entry of h1 that is NaN, or (relu's, from a sum that overflows) infinite, makes the
    # one number not finite: that batch is the engine's, with its NaN or its error
    nan = [np.array([1.0, math.nan]), np.array([1.0, 0.5]), np.array([1.0, -1.0])]
    with vector_only(), pytest.raises(AssertionError, match=r"engine|floats"):
        f(nan)
    outputs = f(nan).outputs[0]
    assert math.isnan(outputs[1]) and outputs[0] == f._call_engine(
        [c[:1] for c in nan], [p.data for p in model.parameters()], 1)[0].outputs[0][0]
    for unit in model.layers[0].neurons:
        unit.b.data = 0.0
        for w in unit.w:
            w.data = 1.0
    big = [np.array([1.0, 1e308]), np.array([1.0, 1e308]), np.array([1.0, -1.0])]
    if activation == "relu":
        with vector_only(), pytest.raises(AssertionError, match=r"engine|floats"):
            f(big)
        with pytest.raises(OverflowError):
            f(big)
    else:  # tanh(inf) and sigmoid(inf) are 1: finite, as the engine's
        engine = f._call_engine(big, [p.data for p in model.parameters()], 2)[0]
        assert list(f(big).outputs[0]) == list(engine.outputs[0])


@pytest.mark.parametrize("how", ["a constant feature", "an entry read twice"])
def test_a_layer_read_as_more_than_its_array_keeps_its_largest_entry_inline(how):
    # the next product reads cat(h1, _k3) or take(h1, _i1), not h1: no name is made for it
    rng = random.Random(0)
    first = nn.Layer(2, 3, rng=rng)
    second = nn.Layer(4, 2, rng=rng)
    ws = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(2)]
    bs = [Value(rng.uniform(-1, 1)) for _ in range(2)]

    def net(xs):
        h1 = first(xs)
        if how == "a constant feature":
            return vsum(second([*h1, 1.0]))
        # every entry of h1 is read, h1[0] by the next layer twice
        return vsum([neuron(w, [h1[0], h1[0], h1[1]], b, "relu")
                     for w, b in zip(ws, bs)]) + h1[2]

    params = first.parameters() + (second.parameters() if how == "a constant feature"
                                   else [p for row in ws for p in row] + bs)
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2")]
    f = compile(net(xs), xs, params)
    assert "_l_" not in f.vector_source and "finite(h1, " in f.vector_source
    equals_engine(f, [np.linspace(-2, 2, 7), np.linspace(1, -1, 7)], params)
    assert jit(lambda a, b: net([a, b]))(0.3, -0.4) == net([Value(0.3), Value(-0.4)]).data


def test_params_given_as_an_array_give_array_gradients():
    x, p = Value(1.0, label="x"), Value(2.0)
    f = compile((x * p).tanh(), [x], [p])
    r = f([np.array([0.5, 1.0])], params=np.array([3.0]))
    assert isinstance(r.param_grads, np.ndarray) and p.data == 2.0
    want = np.mean([v * (1 - math.tanh(3 * v) ** 2) for v in (0.5, 1.0)])
    assert abs(r.param_grads[0] - want) < 1e-15
    with pytest.raises(TypeError, match="params"):
        f([np.array([0.5])], params=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="param values"):
        f([0.5], params=[1.0, 2.0])


@settings(max_examples=40, deadline=None, derandomize=True)
@given(programs, st.integers(1, 3), st.integers(0, 10**6), st.integers(1, 5),
       st.sampled_from(["mean", "sum"]), st.booleans())
def test_float64_arrays_as_a_training_loop_passes_them_take_the_general_way_s_numbers(
        program, n_in, seed, batch, reduction, poisoned):
    # float64 columns and a float64 parameter vector (or the Values' own) go straight to
    # the vector code; given as a list, the same parameters are converted first: both must
    # give the same numbers, and a NaN the vector code cannot vouch for takes both to the
    # engine
    xs = [Value(0.1 * (i + 1), label=f"x{i + 1}") for i in range(n_in)]
    loss, _, params = build(xs, program, seed)
    f = compile(loss, xs, params)
    rng = np.random.default_rng(seed)
    columns = [rng.uniform(-1.5, 1.5, size=batch) for _ in range(n_in)]
    if poisoned:
        columns[0][0] = math.nan
    theta = np.array([p.data for p in params]) + rng.uniform(-0.1, 0.1, size=len(params))
    event(f"straight to the vector code: {f._float64_batch(columns, theta) == batch}")
    direct = f(columns, reduction=reduction, params=theta)
    converted = f(columns, reduction=reduction, params=theta.tolist())
    assert isinstance(direct.param_grads, np.ndarray)
    assert np.array_equal(direct.param_grads, converted.param_grads, equal_nan=True)
    for a, b in zip([*direct.outputs, *direct.input_grads],
                    [*converted.outputs, *converted.input_grads]):
        assert np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    assert len(direct.input_grads) == len(converted.input_grads) == n_in
    assert [p.data for p in params] != theta.tolist() or not params
    for p, x in zip(params, theta.tolist()):  # the Values' own, read by the direct way too
        p.data = x
    own = f(columns, reduction=reduction)
    assert isinstance(own.param_grads, list)
    assert np.array_equal(own.param_grads, converted.param_grads, equal_nan=True)
    assert np.array_equal(own.outputs[0], converted.outputs[0], equal_nan=True)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(programs, st.integers(1, 3), st.integers(0, 10**6), st.integers(2, 9),
       st.sampled_from([0.0, 0.5, 1.0]), st.sampled_from([0.5, 1.0]))
def test_samples_without_a_gradient_leave_the_backward_pass_with_the_same_gradients(
        program, n_in, seed, batch, share, live_share):
    # relu(loss - threshold): the samples below the threshold have no gradient at all; the
    # vector code drops their rows (always, with live_share 1.0) and sums the same gradients
    xs = [Value(0.1 * (i + 1), label=f"x{i + 1}") for i in range(n_in)]
    loss, _, params = build(xs, program, seed)
    rng = np.random.default_rng(seed)
    samples = rng.uniform(-1.5, 1.5, size=(batch, n_in))
    expected = [engine(program, seed, s, n_in) for s in samples]
    losses = sorted(e[0] for e in expected)  # a threshold between two samples' losses
    k = int(share * batch)
    threshold = (losses[0] - 1.0 if k == 0 else losses[-1] + 1.0 if k == batch
                 else (losses[k - 1] + losses[k]) / 2)
    f = compile((loss - threshold).relu(), xs, params, input_grads=False)
    event(f"rows may go: {'nonzero_rows' in f.vector_source}")
    with mock.patch.multiple(kernels, LIVE_SHARE=live_share, FEWEST=0), vector_only():
        result = f([samples[:, i] for i in range(n_in)], reduction="sum")
    live = [e for e in expected if e[0] - threshold > 0.0]
    close(result.outputs[0], [max(e[0] - threshold, 0.0) for e in expected], "loss")
    want = np.sum([e[2] for e in live], axis=0) if live else np.zeros(len(params))
    close(result.param_grads, want, "param gradients")


def past_the_margin(score, last, x, live):
    """Labels for the inputs x that put every sample but the first ``live`` past a hinge's
    margin (y * score >= 1), the layer ``last`` that makes the score scaled up first."""
    scores = np.array([score(Value(float(a)), Value(float(b))).data for a, b in x])
    factor = 2.0 / max(float(np.min(np.abs(scores))), 1e-3)
    for p in last.parameters():
        p.data *= factor
    y = np.where(np.arange(len(x)) < live, -np.sign(scores), np.sign(scores))
    assert np.sum(y * scores * factor < 1) == live
    return y


def engine_sum(loss_of, x, y, params):
    """The engine's parameter gradients summed over the samples."""
    want = np.zeros(len(params))
    for row, label in zip(x, y):
        want += grad(loss_of(*[Value(float(v)) for v in row], float(label)), params,
                     allow_unused=True)
    return want


def dropped_rows(f, columns):
    """f on columns by vector code alone, and how many rows nonzero_rows dropped."""
    dropped = []
    nonzero_rows = kernels.numpy_kernels()["nonzero_rows"]

    def spy(n, *arrays):
        out = nonzero_rows(n, *arrays)
        dropped.append(n - len(out[0]))
        return out
    with mock.patch.dict(f._vector()[1].__globals__, {"nonzero_rows": spy}), \
            mock.patch.object(kernels, "FEWEST", 0), vector_only():
        result = f(columns, reduction="sum")
    return result, dropped


def test_a_hinge_loss_s_samples_past_the_margin_are_dropped_from_the_products():
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(3))

    def loss_of(x1, x2, y):
        return hinge_loss([model([x1, x2])], [y])
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2"), Value(1.0, label="y")]
    f = compile(loss_of(*xs), xs, model.parameters(), input_grads=False)
    source = f.vector_source
    assert "nonzero_rows(n, (g_" in source
    assert source.index("nonzero_rows") < source.index("outer(")  # before every product
    x = np.random.default_rng(3).uniform(-2, 2, size=(40, 2))
    y = past_the_margin(lambda a, b: model([a, b]), model.layers[-1], x, 5)
    result, dropped = dropped_rows(f, [x[:, 0], x[:, 1], y])
    assert dropped == [35]
    close(result.param_grads, engine_sum(loss_of, x, y, model.parameters()), "param gradients")


def test_no_sample_with_a_gradient_leaves_a_matrix_made_per_sample_empty():
    # attention-like products make a matrix per sample; with every row dropped its
    # gradient is an array of no rows, still vector code
    from autograd import dot

    rng = random.Random(0)
    layer, out = nn.Layer(2, 4, "tanh", rng=rng), nn.Layer(4, 1, "linear", rng=rng)

    def score(x1, x2):
        h = layer([x1, x2])
        return out([dot(h, h[t:] + h[:t], 0.0) for t in range(4)])
    params = layer.parameters() + out.parameters()

    def loss_of(x1, x2, y):
        return (1.0 - y * score(x1, x2)).relu()
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2"), Value(1.0, label="y")]
    f = compile(loss_of(*xs), xs, params, input_grads=False)
    assert "outer_each" in f.vector_source.split("nonzero_rows")[1]
    x = np.random.default_rng(0).uniform(-1, 1, size=(8, 2))
    y = past_the_margin(score, out, x, 0)
    result, dropped = dropped_rows(f, [x[:, 0], x[:, 1], y])
    assert dropped == [8]
    close(result.param_grads, engine_sum(loss_of, x, y, params), "param gradients")


def test_a_sample_with_an_infinite_value_keeps_its_row():
    # 0 * -inf is NaN: a sample past the margin whose value is infinite adds NaN to the
    # gradient in the engine, so its row stays and the batch takes the engine's numbers
    from autograd.functions import minimum

    model = nn.MLP(2, [4, 4, 4, 1], activation="tanh", rng=random.Random(0))
    p = Value(0.7, label="p")
    params = [p, *model.parameters()]

    def loss_of(x1, x2, y):
        u = minimum(x1 * math.inf, 5.0)  # -inf where x1 < 0; tanh(u * p) has slope 0 there
        return (1.0 - y * model([x1, x2])).relu() * (1.0 + 0.01 * (u * p).tanh())
    xs = [Value(0.3, label="x1"), Value(0.2, label="x2"), Value(1.0, label="y")]
    f = compile(loss_of(*xs), xs, params, input_grads=False)
    assert "nonzero_rows" in f.vector_source
    x = np.array([[0.4, 0.1], [-0.5, 0.3], [-0.2, -0.4], [0.6, -0.7], [-0.9, 0.2], [0.1, 0.5]])
    y = past_the_margin(lambda a, b: model([a, b]), model.layers[-1], x, 1)
    with mock.patch.object(kernels, "FEWEST", 0):
        result = f([x[:, 0], x[:, 1], y], reduction="sum")
    want = engine_sum(loss_of, x, y, params)
    assert math.isnan(want[0]) and math.isnan(result.param_grads[0])
    close(result.param_grads[1:], want[1:], "param gradients")


@mock.patch.object(kernels, "FEWEST", 0)
def test_the_kernel_keeps_the_rows_of_samples_with_a_gradient():
    nonzero_rows = kernels.numpy_kernels()["nonzero_rows"]
    g = np.array([[0.0, -0.0], [0.0, 2.0], [math.nan, 0.0], [0.0, 0.0]])
    h = np.arange(8.0).reshape(4, 2)
    kept_g, kept_h = nonzero_rows(4, (g,), (h,))
    assert np.array_equal(kept_h, h[[1, 2]]) and kept_g.shape == (2, 2)
    h[3, 0] = math.inf  # a value that is not finite: every row stays
    assert nonzero_rows(4, (g,), (h,))[1] is h
    assert nonzero_rows(4, (g,), (), (h,))[1].shape == (2, 2)  # unless known to be finite
    h[3, 0] = 1.0
    with mock.patch.object(kernels, "FEWEST", g.size + h.size + 1):  # too few numbers
        assert nonzero_rows(4, (g,), (h,))[1] is h
    g[1, 1] = g[3, 0] = 1.0  # three of four: more than half, every row stays
    assert nonzero_rows(4, (g,), (h,))[1] is h
    a, b = np.array([[0.0], [1.0], [0.0], [0.0]]), np.array([[0.0], [0.0], [0.0], [-1.0]])
    assert np.array_equal(nonzero_rows(4, (a, b), (h,))[2], h[[1, 3]])  # either gradient


def engine_batch(make, columns, params):
    """Outputs and input gradients of the engine, sample by sample."""
    outs, grads = [], []
    for sample in zip(*columns):
        xs = [Value(float(v)) for v in sample]
        out = make(xs, params)
        outs.append([o.data for o in out])
        grads.append(grad(out, xs))
    return outs, grads


def check_against_engine(make, n_in, params, columns):
    xs = [Value(0.0, label=f"x{i + 1}") for i in range(n_in)]
    f = compile(make(xs, params), xs, params)
    with vector_only():
        result = f([np.array(c) for c in columns], reduction="sum")
    outs, grads = engine_batch(make, columns, params)
    close(np.array(result.outputs).T, outs, "outputs")
    close(np.array(result.input_grads).T, grads, "input gradients")
    return f


def test_a_gradient_shared_by_two_groups_is_never_changed_through_a_slice():
    from autograd import dot

    def model(x, p):  # a product's biases from two groups; z's gradient is also Y's
        a = [x[0] * 1.5, x[1] * 1.5]
        d = x[0] + 0.3
        y = [x[1] * x[0], x[0] * x[1], x[0] * x[0]]
        c = [a[0].sin(), a[1].sin()]
        z = [dot(p[2 * j:2 * j + 2], x, [d, a[1], a[0]][j]) for j in range(3)]
        return [zj + yj for zj, yj in zip(z, y)] + c

    p = [Value(0.1 * (k + 1)) for k in range(6)]
    check_against_engine(model, 2, p, [[0.3, 0.8], [-0.4, 0.5]])


@pytest.mark.parametrize("label", ["W\u00b9", "b1", "W1", "g_params", "total", "n", "len"])
def test_labels_never_take_the_names_the_vector_code_uses(label):
    ws = [[Value(0.1 * (i + 2 * j + 1)) for i in range(2)] for j in range(2)]
    params = [p for row in ws for p in row]

    def model(xs, p):
        h = [sum(w * x for w, x in zip(row, xs)).tanh() for row in ws]
        for v in h:
            v.label = label
        return [h[0] * h[1]]

    check_against_engine(model, 2, params, [[0.3, -0.7], [0.5, 0.2]])


def test_sums_of_no_products_are_their_biases():
    from autograd import dot

    check_against_engine(lambda x, p: [dot([], [], x[0]) * p[0]], 1, [Value(2.0)],
                         [[0.1, 0.2]])


def test_a_big_graph_with_nothing_to_group_runs_as_scalar_code():
    w, x = Value(0.999), Value(1.0, label="x")
    y = x
    for _ in range(1000):
        y = (y * w + 0.001).relu()
    f = compile(y, [x], [w])
    with mock.patch.object(Compiled, "_vector", side_effect=AssertionError("vector code")):
        result = f([np.array([1.0, 0.5])], reduction="sum")
    y.backward()
    assert result.outputs[0][0] == y.data and result.input_grads[0][0] == x.grad


def test_matrices_say_which_module_they_come_from():
    from nn.compiled import CompiledLoss

    model = nn.MLP(2, [4, 1], rng=random.Random(0))
    X, labels = nn.make_moons(40, noise=0.1, rng=random.Random(1))
    loss = CompiledLoss(model, lambda s, t: hinge_loss(s, t), X, [2 * c - 1 for c in labels])
    source = loss.fn.vector_source
    assert "W1 = params[_W1]  # layers.0.neurons.*.w.*" in source
    assert "b1 = params[_b1]  # layers.0.neurons.*.b" in source
    x = Value(1.0, label="x")
    with pytest.raises(TypeError, match="names must map Values to strings"):
        compile(x * 2.0, [x], names={x: 3})


def test_a_name_or_label_cannot_break_out_of_its_comment():
    ws = [[Value(0.1 * (i + j + 1)) for i in range(2)] for j in range(3)]
    params = [p for row in ws for p in row]
    for k, p in enumerate(params):
        p.label = f"w\n    print('not code')  #.{k}"
    xs = [Value(0.0, label=f"x{i}") for i in range(2)]
    f = compile(sum(sum(w * x for w, x in zip(row, xs)).tanh() for row in ws), xs, params,
                names={params[0]: "layer\r\n0"})
    assert "print(" not in "".join(line for line in f.vector_source.splitlines()
                                   if not line.lstrip().startswith("#")
                                   and "#" not in line)
    assert all("\\n" in line for line in f.vector_source.splitlines() if "print(" in line)
    with vector_only():
        f([np.array([0.1, 0.2]), np.array([0.3, 0.4])])


def kinked_rows(count, width, seed=0):
    """Rows (b, w) of tenths whose sum b + w_1 + ... + w_n the engine (bias first, left to
    right) makes exactly 0.0, while NumPy's x @ W.T + b does not: relu's branch at stake."""
    rng = random.Random(seed)
    rows = []
    while len(rows) < count:
        b, ws = round(rng.uniform(-1, 1), 1), [round(rng.uniform(-1, 1), 1) for _ in range(width)]
        engine_order = b
        for w in ws:
            engine_order += w
        if engine_order == 0.0 and (np.ones(width) @ np.array(ws)) + b != 0.0:
            rows.append((b, ws))
    return rows


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "abs", "clamp"])
def test_values_at_a_kink_take_the_engine_s_branch(activation):
    # a pre-activation the engine computes as exactly 0.0 was 2.2e-16 in vector code: relu
    # turned on and every gradient was 1 instead of 0. Such samples are the engine's now
    rows = kinked_rows(3, 4)
    W = [[Value(w) for w in ws] for _, ws in rows]
    B = [Value(b) for b, _ in rows]
    xs = [Value(1.0, label=f"x{i}") for i in range(4)]

    def act(z):
        return {"relu": z.relu(), "leaky_relu": z.leaky_relu(0.1), "abs": abs(z),
                "clamp": z.clamp(0.0, 5.0)}[activation]

    def loss(inputs):
        zs = [sum((w * x for w, x in zip(ws, inputs)), b) for ws, b in zip(W, B)]
        return sum(act(z) * (k + 1.0) for k, z in enumerate(zs))

    params = [p for ws in W for p in ws] + B
    f = compile(loss(xs), xs, params)
    # samples at the kink (all ones) and away from it (ones and twos), in one batch
    batch = [np.array([1.0, 2.0, 1.0, 1.0, 2.0]) for _ in range(4)]
    batch[1] = np.array([1.0, 1.0, 1.0, 2.0, 1.0])
    result, count = scalar_samples(f, batch, reduction="sum")
    assert count == 2  # the two samples at a kink (all ones), not the others
    want_grads = np.zeros(len(params))
    for k in range(5):
        sample = [Value(float(c[k])) for c in batch]
        out = loss(sample)
        grads = grad(out, sample + params)
        if k in (0, 2):  # at the kink: the engine's, to the bit
            assert result.outputs[0][k] == out.data
        assert result.outputs[0][k] == pytest.approx(out.data, rel=1e-12)
        assert [g[k] for g in result.input_grads] == pytest.approx(grads[:4], rel=1e-12,
                                                                    abs=1e-15)
        want_grads += np.array(grads[4:])
    assert result.param_grads == pytest.approx(want_grads.tolist(), rel=1e-12, abs=1e-15)
    # through jit, one sample at a time, at the kink: the engine's numbers to the bit
    step = jit(lambda inputs: loss(inputs))
    for p in params:
        p.grad = 0.0
    assert step([1.0] * 4) == loss([Value(1.0)] * 4).data
    assert [p.grad for p in params] == grad(loss([Value(1.0)] * 4), params)


def test_a_negative_number_to_a_whole_power_is_the_engine_s():
    # (-2) ** a is real only at whole a, where a sum in another order than the engine's
    # (-1.0 against its -1.0000000000000002, which has no value) would give a number: every
    # sample at a whole a is the engine's
    xs = [Value(0.0, label=f"x{i}") for i in range(2)]
    f = compile((-2.0) ** (xs[0] + xs[1]), xs, [], input_grads=False)
    assert "kinked(_doubt, _rpow" in f.vector_source
    batch = [np.array([0.5, -3.0, 1.5]), np.array([0.5, 1.0, 0.5])]
    result, count = scalar_samples(f, batch)
    assert count == 3 and list(result.outputs[0]) == [-2.0, 0.25, 4.0]
    with pytest.raises(ValueError, match="pow"):
        f([np.array([0.25]), np.array([0.5])])


@pytest.mark.parametrize("terms", [1, 2, 5])
def test_a_sum_of_negative_zeros_is_fsum_s_zero(terms):
    # the engine sums with math.fsum, which gives 0.0 for -0.0 + -0.0; NumPy's sum, and a
    # sum of one term read as the term itself, gave -0.0
    xs = [Value(0.0, label=f"x{i}") for i in range(terms)]
    w = Value(0.5)
    f = compile(vsum([x.leaky_relu(0.0) for x in xs]) * w, xs, [w])
    batch = [np.array([-1.0, 2.0, -0.0]) - i for i in range(terms)]
    with vector_only():
        got = f(batch, reduction="sum").outputs[0]
    for k in range(3):
        want = (vsum([Value(float(c[k])).leaky_relu(0.0) for c in batch]) * 0.5).data
        assert got[k] == want and math.copysign(1.0, got[k]) == math.copysign(1.0, want)


def test_values_near_a_pole_of_tan_are_the_engine_s():
    # tan's poles are pi/2 + j pi: a sum that lands there in one order of its terms can lie
    # across it in another (tan +1.6e16 against -1.6e16), so such samples are the engine's
    from autograd.ops import TAN, critical

    for j in range(-3, 4):
        assert min(abs(q) for q in critical(TAN, [math.pi / 2 + j * math.pi], None)) < 1e-14
        assert min(abs(q) for q in critical(TAN, [j * math.pi], None)) == pytest.approx(
            math.pi / 2, abs=1e-14)
    ws = [Value(1.0), Value(1.0), Value(0.0)]
    xs = [Value(0.0, label=f"x{i}") for i in range(2)]
    out = neuron(ws[:2], xs, ws[2], "tan")
    f = compile(out, xs, ws)
    assert "kinked(_doubt, _tan" in f.vector_source
    near, far = [math.pi / 2 - 0.3, -math.pi / 2 - 0.7], [0.2, 1.0]
    batch = [np.array([near[0], far[0], near[1], far[1]]), np.array([0.3, 0.1, 0.7, 0.4])]
    result, count = scalar_samples(f, batch, reduction="sum")
    assert count == 2  # the two samples at a pole, not the others
    for k in range(4):
        sample = [Value(float(c[k])) for c in batch]
        engine = neuron(ws[:2], sample, ws[2], "tan")
        if k in (0, 2):
            assert result.outputs[0][k] == engine.data
        assert result.outputs[0][k] == pytest.approx(engine.data, rel=1e-12)


def test_values_near_the_jump_of_zero_to_a_power_are_the_engine_s():
    # 0 ** a is 0 above a = 0, 1 at it and has no value below: samples there are the engine's
    from autograd.ops import RPOW, critical

    assert critical(RPOW, [0.25], 0.0) == (0.25,) and critical(RPOW, [0.25], 2.0) == ()
    assert critical(RPOW, [-3.0], -2.0) == (0.0, -1.0)  # (-2) ** a: real at whole a alone
    assert critical(RPOW, [2.75], -2.0) == (0.75, -0.25)
    xs = [Value(0.0, label=f"x{i}") for i in range(2)]
    f = compile(0.0 ** (xs[0] + xs[1]), xs, [], input_grads=False)
    assert "kinked(_doubt, _rpow" in f.vector_source
    batch = [np.array([0.3, 0.5, 0.1]), np.array([-0.3, 0.25, 0.2])]
    result, count = scalar_samples(f, batch)
    assert count == 1 and list(result.outputs[0]) == [1.0, 0.0, 0.0]


@settings(max_examples=80)
@given(functions(branches=False, numbers=1), st.lists(tenths, min_size=4, max_size=4),
       st.integers(0, 10**6))
def test_random_functions_on_numpy_batches_equal_the_engine(program, data, seed):
    # the functions jit's property test calls, traced as jit traces them (numbers as inputs,
    # detach and no_grad as detach nodes) and run on batches of tenths: many samples sit on
    # a kink, where the vector code must hand them to the engine's order of operations
    values, numbers, captured, _ = program
    ins = [Value(0.0, label=f"x{i + 1}") for i in range(numbers)]
    leaves, params = [Value(x) for x in data[:values]], [Value(x) for x in data[2:2 + captured]]
    try:
        with tracing_values(refuse):
            out = make(program, params)(*leaves, *ins, False)
    except (ArithmeticError, ValueError):
        assume(False)
    f = compile(out, ins, leaves + params)
    # samples of tenths; those the engine puts on a kink first, as many as were found
    rng = random.Random(seed)
    found, failing = [], []
    for _ in range(60):
        sample = [Value(rng.randint(-10, 10) / 10) for _ in range(numbers)]
        engine_leaves, engine_params = fresh(leaves), fresh(params)
        try:
            y = make(program, engine_params)(*engine_leaves, *sample, False)
            gs = grad(y, sample + engine_leaves + engine_params, allow_unused=True)
        except (ArithmeticError, ValueError) as e:
            failing.append(([v.data for v in sample], type(e)))
            continue
        found.append(([v.data for v in sample], (y.data, gs[:numbers], gs[numbers:],
                                                  at_kink(y))))
    for sample, error in failing[:1]:  # the engine refuses a sample: so does the batch
        with pytest.raises(error):
            f([np.array([x]) for x in sample], reduction="sum")
    assume(found)
    found.sort(key=lambda f: not f[1][3])  # stable: samples on a kink first
    columns = [list(c) for c in zip(*(sample for sample, _ in found[:12]))]
    expected = [e for _, e in found[:12]]
    result = f([np.array(c) for c in columns], reduction="sum")
    size = scale([y for y, *_ in expected])
    for k, (y, gx, _, kinked) in enumerate(expected):
        got = (result.outputs[0][k], [g[k] for g in result.input_grads])
        if kinked:  # on a kink: the engine's numbers to the bit
            assert got == (y, gx), (k, got, (y, gx))
            event("a sample on a kink")
        else:
            assert abs(got[0] - y) <= 1e-12 * size
            assert all(abs(a - b) <= 1e-12 * scale(gx) for a, b in zip(got[1], gx))
    summed = np.sum([gp for *_, gp, _ in expected], axis=0)
    close(result.param_grads, summed, "param gradients")


def test_the_callers_arrays_are_read_not_written():
    """Float arrays are used as given, not copied: the code must never write into them."""
    model = nn.MLP(2, [4, 4, 1], rng=random.Random(0))
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2")]
    y = Value(0.0, label="target")
    loss = hinge_loss(model(xs), y) + l2_penalty(model.parameters())
    f = compile(loss, [*xs, y], model.parameters())
    rng = np.random.default_rng(0)
    columns = [rng.normal(size=9), rng.normal(size=9), rng.choice([-1.0, 1.0], size=9)]
    params = np.array([p.data for p in model.parameters()])
    kept = [c.copy() for c in columns], params.copy()
    result = f(columns, params=params)
    assert all((a == b).all() for a, b in zip(columns, kept[0])) and (params == kept[1]).all()
    assert result.param_grads is not params


def test_dead_batch_arrays_are_deleted_after_their_last_read():
    from autograd.compiler.vectorized import released

    body = ["# forward", "a = f(x)", "b = g(a)", "c = a * 2.0", "k = 3.0", "b += k",
            "d = h(b, c)", "return d, c"]
    assert released(body, {"a", "b", "c", "d", "x"}) == [
        "# forward", "a = f(x)", "b = g(a)", "c = a * 2.0", "del a", "k = 3.0", "b += k",
        "d = h(b, c)", "del b", "return d, c"]  # x is not assigned, k is not an array
    body = ["λ = f(x)  # a comment naming e", "e = λ.T * 1e-5", "T = 2.0 * e",
            "dead = e + 1.0", "out = g(λ)", "return out, T"]
    assert released(body, {"λ", "e", "T", "dead", "out"}) == [
        "λ = f(x)  # a comment naming e", "e = λ.T * 1e-5", "T = 2.0 * e", "dead = e + 1.0",
        "del e, dead", "out = g(λ)", "del λ", "return out, T"]  # .T and 1e-5 are not names
