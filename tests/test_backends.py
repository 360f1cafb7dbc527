"""Vector code on other array libraries: the one program on array-api-strict (nothing
outside the Array API standard) and on PyTorch's CPU tensors, against the engine; and
PyTorch's own autograd differentiating the forward code (backward="backend")."""

import math
import random
import warnings
from unittest import mock

import pytest
from grouped_programs import build, close, engine, programs
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from random_graphs import APPLY, well_behaved
from random_graphs import build as build_graph

import autograd
import nn
from autograd import Compiled, Value, compile, grad, ops  # noqa: A004
from autograd.functions import apply
from nn.losses import hinge_loss, l2_penalty

np = pytest.importorskip("numpy")
strict = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
STRICT = type(strict.asarray(0.0))


def torch_or_skip():
    pytest.importorskip("array_api_compat", reason="array-api-compat is not installed")
    return pytest.importorskip("torch", reason="PyTorch (the torch extra) is not installed")


def as_numpy(a):
    """A result array of any library as a NumPy array of floats."""
    return np.asarray([float(v) for v in strict.reshape(a, (-1,))]) if isinstance(
        a, STRICT) else np.asarray(a.tolist() if hasattr(a, "tolist") else a, dtype=float)


def vectorized(f, columns, **kwargs):
    """f on a batch, checking that the vector code (not the engine) answered."""
    answers = []
    run = Compiled._vector_batch

    def spy(self, *args, **kw):
        answers.append(run(self, *args, **kw))
        return answers[-1]

    with mock.patch.object(Compiled, "_vector_batch", spy):
        result = f(columns, **kwargs)
    assert answers and answers[-1] is not None, "the vector code did not vouch for the batch"
    return result


def check_library(program, n_in, seed, batch, make_array):
    xs = [Value(0.1 * (i + 1), label=f"x{i + 1}") for i in range(n_in)]
    loss, _, params = build(xs, program, seed)
    f = compile(loss, xs, params)
    samples = np.random.default_rng(seed).uniform(-1.5, 1.5, size=(batch, n_in))
    p = np.array([v.data for v in params])
    result = vectorized(f, [make_array(samples[:, i]) for i in range(n_in)],
                        params=make_array(p), reduction="sum")
    expected = [engine(program, seed, s, n_in) for s in samples]
    close(as_numpy(result.outputs[0]), [e[0] for e in expected], "loss")
    for i in range(n_in):
        close(as_numpy(result.input_grads[i]), [e[1][i] for e in expected], "input gradient")
    close(as_numpy(result.param_grads), np.sum([e[2] for e in expected], axis=0),
          "param gradients")
    return result


@settings(max_examples=30, deadline=None, derandomize=True)
@given(programs, st.integers(1, 3), st.integers(0, 10**6), st.integers(1, 5))
def test_the_vector_code_uses_only_the_array_api_standard(program, n_in, seed, batch):
    result = check_library(program, n_in, seed, batch, strict.asarray)
    assert isinstance(result.param_grads, STRICT)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(programs, st.integers(1, 3), st.integers(0, 10**6), st.integers(1, 5))
def test_pytorch_tensors_give_the_engine_s_numbers(program, n_in, seed, batch):
    torch = torch_or_skip()
    result = check_library(program, n_in, seed, batch, torch.tensor)
    assert result.param_grads.dtype == torch.float64


def moons_loss(width=8):
    model = nn.MLP(2, [width, width, 1], rng=random.Random(0))
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2")]
    y = Value(0.0, label="target")
    return model, [*xs, y], hinge_loss(model(xs), y) + l2_penalty(model.parameters())


def test_a_backend_by_name_takes_lists_and_gives_its_arrays():
    torch = torch_or_skip()
    model, inputs, loss = moons_loss()
    X, labels = nn.make_moons(20, noise=0.1, rng=random.Random(1))
    columns = [[x[0] for x in X], [x[1] for x in X], labels]
    on_torch = compile(loss, inputs, model.parameters(), backend="torch")(columns)
    on_numpy = compile(loss, inputs, model.parameters(), backend="numpy")(columns)
    assert isinstance(on_torch.param_grads, torch.Tensor) and isinstance(
        on_numpy.param_grads, np.ndarray)
    assert on_torch.outputs[0].dtype == torch.float64
    close(on_torch.param_grads.numpy(), on_numpy.param_grads, "param gradients")
    close(on_torch.outputs[0].numpy(), on_numpy.outputs[0], "losses")
    # float32 tensors are widened, exactly, as the engine reads them
    narrow = [torch.tensor(c, dtype=torch.float32) for c in columns]
    wide = compile(loss, inputs, model.parameters())(narrow)
    want = compile(loss, inputs, model.parameters())(
        [np.array(c, dtype=np.float32).astype(float) for c in columns])
    close(wide.outputs[0].numpy(), want.outputs[0], "float32 inputs")


def test_refusals_name_the_problem():
    torch = torch_or_skip()
    model, inputs, loss = moons_loss(2)
    f = compile(loss, inputs, model.parameters(), backend="torch")
    with pytest.raises(TypeError, match=r"compiled for .*torch.* not numpy"):
        f([np.array([0.5])] * 3)
    g = compile(loss, inputs, model.parameters())
    with pytest.raises(TypeError, match="several libraries"):
        g([np.array([0.5]), torch.tensor([0.5]), torch.tensor([1.0])])
    with pytest.raises(TypeError, match="real numbers"):
        g([torch.tensor([True])] * 3)
    with pytest.raises(TypeError, match="real numbers"):
        g([torch.tensor([1j])] * 3)
    with pytest.raises(ValueError, match="1-D"):
        g([torch.zeros(2, 2)] * 3)
    with pytest.raises(ValueError, match="one, non-zero length"):
        g([torch.zeros(2), torch.zeros(3), torch.zeros(2)])
    with pytest.raises(TypeError, match="params must be"):
        g([torch.zeros(2)] * 3, params=torch.zeros(2))
    with pytest.raises(ValueError, match="written in place"):
        compile(loss, inputs, backend="jax")
    with pytest.raises(ModuleNotFoundError):
        compile(loss, inputs, backend="no_such_array_library")
    with pytest.raises(TypeError, match="array library"):
        compile(loss, inputs, backend=3)


def test_nan_overflow_and_kinks_on_tensors_follow_the_engine():
    torch = torch_or_skip()
    x, w = Value(0.0, label="x"), Value(2.0)
    f = compile((x * w).relu() + (x * 1e300 * w).exp(), [x], [w])
    with pytest.raises(OverflowError):  # exp overflows: the engine's error, not inf
        f([torch.tensor([1.0, 2.0])])
    g = compile((x * w).relu() * x, [x], [w])
    nan = g([torch.tensor([math.nan, 1.5], dtype=torch.float64)])  # the engine's, per sample
    assert math.isnan(nan.outputs[0][0]) and float(nan.outputs[0][1]) == 4.5
    data = [0.0, -0.0, 1.5, -1.0]  # two on relu's kink: their numbers are the engine's
    result = vectorized(g, [torch.tensor(data, dtype=torch.float64)], reduction="sum")
    total = 0.0
    for k, v in enumerate(data):
        xv, wv = Value(v), Value(2.0)
        out = (xv * wv).relu() * xv
        gx, gw = grad(out, [xv, wv])
        total += gw
        assert float(result.outputs[0][k]) == out.data
        assert float(result.input_grads[0][k]) == gx
    assert float(result.param_grads[0]) == total


def test_a_bound_that_is_not_a_number_leaves_the_batch_to_the_engine():
    # 1e308 overflows the bound of the tanh layer's sums, and times tanh's slope 0 it is
    # NaN: without NumPy's error state nothing raised, no sample was near a kink, and the
    # relu after it took NumPy's branch of a sum the engine makes exactly 0.0
    rows, rng = [], random.Random(0)
    while len(rows) < 2:
        b, ws = round(rng.uniform(-1, 1), 1), [round(rng.uniform(-1, 1), 1) for _ in range(4)]
        engine_order = b
        for w in ws:
            engine_order += w
        if engine_order == 0.0 and float(np.ones(4) @ np.array(ws)) + b > 0.0:
            rows.append((b, ws))
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2")]
    first = [[Value(1.0), Value(0.5)] for _ in range(4)]
    t = [autograd.dot(w, xs, 0.0).tanh() for w in first]
    second = [[Value(w) for w in ws] for _, ws in rows]
    biases = [Value(b) for b, _ in rows]
    out = autograd.sum([autograd.dot(w, t, b).relu() for w, b in zip(second, biases)])
    params = [p for w in first for p in w] + [p for w in second for p in w] + biases
    want = compile(out, xs, params).graph.evaluate([1e308, 0.5], [p.data for p in params])
    f = compile(out, xs, params, backend="array_api_strict")
    got = f([strict.asarray([1e308]), strict.asarray([0.5])], reduction="sum")
    assert list(as_numpy(got.param_grads)) == list(want[2]) == [0.0] * len(params)


def test_a_user_op_runs_on_tensors():
    torch = torch_or_skip()

    @autograd.primitive(lambda m, out, x, k: (1.0 / ((1.0 + abs(x[0])) * (1.0 + abs(x[0]))),))
    def softsign_b(a: float) -> float:
        return a / (1.0 + abs(a))

    x, w = Value(0.0, label="x"), Value(0.7)
    f = compile(softsign_b(x * w) * x, [x], [w])
    data = [-2.0, -0.3, 0.4, 3.0]
    total = 0.0
    result = vectorized(f, [torch.tensor(data, dtype=torch.float64)], reduction="sum")
    for k, v in enumerate(data):
        xv, wv = Value(v), Value(0.7)
        out = softsign_b(xv * wv) * xv
        gx, gw = grad(out, [xv, wv])
        total += gw
        assert abs(float(result.outputs[0][k]) - out.data) <= 1e-15
        assert abs(float(result.input_grads[0][k]) - gx) <= 1e-15
    assert abs(float(result.param_grads[0]) - total) <= 1e-15


# --- backward="backend": PyTorch's autograd differentiates the forward code ---

every_step = st.tuples(st.sampled_from(list(APPLY)), st.integers(0, 99), st.integers(0, 99),
                       st.sampled_from([-2, -1, 0.5, 2, 3]))
every_graph = st.tuples(st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=3),
                        st.lists(every_step, min_size=1, max_size=8))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(every_graph, st.lists(st.floats(-0.3, 0.3), min_size=1, max_size=4))
def test_pytorch_s_autograd_gives_the_rules_gradients(g, shifts):
    """Over the whole op table (detach and shift included): the library's derivatives of
    the forward code equal the rules' code and the engine, sample by sample."""
    torch = torch_or_skip()
    point, plan = g
    samples = [[x + s for x in point] for s in shifts]
    assume(all(well_behaved(p, plan) for p in samples))
    leaves = [Value(x) for x in point]
    out = build_graph(plan, leaves)[-1]
    param, inputs = leaves[:1], leaves[1:]
    columns = [torch.tensor([s[i] for s in samples], dtype=torch.float64)
               for i in range(1, len(point))]
    by_rules = compile(out, inputs, param, backend="torch")(columns, reduction="sum")
    by_torch = compile(out, inputs, param, backend="torch", backward="backend")(
        columns, reduction="sum")
    engine_grads = []
    for s in samples:
        vs = [Value(x) for x in point[:1] + s[1:]]  # the parameter as the code reads it
        engine_grads.append(grad(build_graph(plan, vs)[-1], vs, allow_unused=True))
    for how, got in (("rules", by_rules), ("torch", by_torch)):
        for i in range(len(inputs)):
            close(got.input_grads[i].numpy(), [gs[1 + i] for gs in engine_grads], (how, i))
        close(got.param_grads.numpy(), [math.fsum(gs[0] for gs in engine_grads)], how)


def test_the_library_s_derivatives_are_the_table_s_at_zero_and_through_exact_sums():
    torch = torch_or_skip()
    x, w = Value(0.0, label="x"), Value(1.0)
    big = 1e17
    # sigmoid' and softplus' at exactly 0 (an autograd of |a| would give 0 there); a sum
    # rounded exactly (fsum: its terms cancel) has the plain sum's derivative; detach none
    out = ((x * w).sigmoid() + (x * w).softplus() + autograd.sum([Value(big), x * w, -big])
           + apply(ops.DETACH, [x * w]) * 3.0)
    data = torch.tensor([0.0, 1e-3, -2.0], dtype=torch.float64)
    got = compile(out, [x], [w], backward="backend")([data], reduction="sum")
    for k, v in enumerate(data.tolist()):
        xv, wv = Value(v), Value(1.0)
        eager = ((xv * wv).sigmoid() + (xv * wv).softplus()
                 + autograd.sum([Value(big), xv * wv, -big])
                 + apply(ops.DETACH, [xv * wv]) * 3.0)
        gx, = grad(eager, [xv])
        assert abs(float(got.input_grads[0][k]) - gx) <= 1e-15 * max(1.0, abs(gx)), (v, gx)
        # the sum's terms cancel: rounded exactly, as the engine's (a plain sum: off by x)
        assert float(got.outputs[0][k]) == pytest.approx(eager.data, rel=1e-15, abs=1e-15)


def test_backward_by_the_library_is_refused_where_it_cannot_differentiate():
    torch = torch_or_skip()
    x, w = Value(0.0, label="x"), Value(1.0)
    with pytest.raises(ValueError, match="has none"):
        compile(x * w, [x], [w], backend="numpy", backward="backend")
    with pytest.raises(ValueError, match="has none"):
        compile(x * w, [x], [w], backward="backend")([np.array([1.0, 2.0])])
    with pytest.raises(ValueError, match="'rules' or 'backend'"):
        compile(x * w, [x], [w], backward="torch")

    @autograd.primitive(lambda m, out, x, k: (2.0 * x[0],))
    def square_b(a: float) -> float:
        return a * a

    f = compile(square_b(x * w), [x], [w], backward="backend")
    with pytest.raises(NotImplementedError, match="square_b"):
        f([torch.tensor([1.0, 2.0], dtype=torch.float64)])


@pytest.mark.parametrize("library", ["array_api_strict", "torch"])
def test_jit_runs_its_vector_code_on_the_library(library):
    if library == "torch":
        torch_or_skip()
    model = nn.MLP(2, [6, 6, 1], rng=random.Random(3))

    def loss(x1, x2, y):
        return hinge_loss(model([x1, x2]), y) + l2_penalty(model.parameters())

    on_numpy, on_library = autograd.jit(loss), autograd.jit(loss, backend=library)
    used = []
    run = Compiled._program

    def spy(self, xp, device):
        used.append(xp.__name__)
        return run(self, xp, device)

    with mock.patch.object(Compiled, "_program", spy):
        for x1, x2, y in [(0.3, -0.2, 1.0), (1.1, 0.4, -1.0), (-0.7, 0.9, 1.0)]:
            want = on_numpy(x1, x2, y)
            grads = [p.grad for p in model.parameters()]
            model.zero_grad()
            assert on_library(x1, x2, y) == pytest.approx(want, rel=1e-12, abs=1e-15)
            assert [p.grad for p in model.parameters()] == pytest.approx(grads, rel=1e-12,
                                                                         abs=1e-15)
            model.zero_grad()
    assert any(library in name for name in used)
    with pytest.raises(ValueError, match="written in place"):
        autograd.jit(loss, backend="jax")


def libraries():
    """Each library a batch can run on here, as a function making a float64 array."""
    found = {"numpy": lambda xs: np.array(xs, dtype=float), "array_api_strict": strict.asarray}
    try:
        import array_api_compat  # noqa: F401
        import torch
    except ImportError:
        return found
    return found | {"torch": lambda xs: torch.tensor(xs, dtype=torch.float64)}


def engine_gradients(make, sample, wrt):
    """The engine's gradients of make(*values) with respect to the values named in wrt."""
    values = [Value(v) for v in sample]
    outs = make(*values)
    total = sum(outs[1:], outs[0]) if isinstance(outs, list) else outs
    return grad(total, [values[i] for i in wrt], allow_unused=True)


@pytest.mark.parametrize("library", sorted(libraries()))
def test_an_index_read_into_gradients_of_two_sizes_adds_each_term_once(library):
    """One index array ([0, 0, 0]) gathers into groups of different sizes: each gradient
    gets its own terms (a cache of the gathers by index alone added them everywhere)."""
    array = libraries()[library]

    def make(x1, x2, w):
        t = (x1 * w).tanh()
        return autograd.sum([x1, x1, x1]) + x2 * autograd.sum([t, t, t])

    x1, x2, w = Value(0.0, label="x1"), Value(0.0, label="x2"), Value(0.5)
    f = compile(make(x1, x2, w), [x1, x2], [w])
    xs, ys = [0.3, -1.2], [2.0, 0.5]
    result = f([array(xs), array(ys)], reduction="sum")
    for k in range(2):
        gx1, gx2 = engine_gradients(make, [xs[k], ys[k], 0.5], [0, 1])
        assert float(result.input_grads[0][k]) == pytest.approx(gx1, rel=1e-12)
        assert float(result.input_grads[1][k]) == pytest.approx(gx2, rel=1e-12)


@pytest.mark.parametrize("library", sorted(libraries()))
def test_outputs_of_the_parameters_alone_feed_sums_and_gathers(library):
    """A sum or a repeated read of values made from parameters only (an L1 penalty as an
    output): its gradient is an array of its group's size on every library."""
    array = libraries()[library]
    x, ws = Value(0.0, label="x"), [Value(0.3), Value(-0.7), Value(1.2)]
    penalty = autograd.sum([abs(v) for v in ws])
    f = compile([ws[0] * x + ws[1] * x * x + ws[2], penalty], [x], ws)
    got = f([array([0.5, -1.5])], reduction="sum").param_grads
    assert [float(g) for g in (got if library != "array_api_strict" else
                               strict.reshape(got, (-1,)))] == pytest.approx(
        [-1.0 + 2 * 1.0, 0.25 + 2.25 - 2 * 1.0, 2.0 + 2 * 1.0], rel=1e-12)
    w = Value(0.5)
    t = w + 2.0
    g = compile([x * w, t * 3.0, autograd.sum([t, t, t])], [x], [w])
    assert float(g([array([1.0, 2.0])], reduction="sum").param_grads[0]) == pytest.approx(
        1.0 + 2.0 + 2 * (3.0 + 3.0), rel=1e-12)


def test_tensors_that_require_grad_are_read_not_recorded():
    torch = torch_or_skip()
    x, w = Value(0.0, label="x"), Value(0.7)
    f = compile((x * w).tanh(), [x], [w])
    data = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    params = torch.tensor([0.7], dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = f([data], params=params)
    assert not any(a.requires_grad for a in (*result.outputs, *result.input_grads,
                                              result.param_grads))
    assert data.grad is None and params.grad is None


def test_the_library_s_derivative_is_checked_and_never_returned_when_it_differs():
    """-log(1 - sigmoid(a)) at a = 20..30: PyTorch's derivative of the forward code loses
    1e-3 to a cancellation the rule's does not make; the batch is then the engine's."""
    torch = torch_or_skip()
    x, w = Value(0.0, label="x"), Value(1.0)
    loss = -(1.0 - (x * w).sigmoid()).log()
    data = torch.tensor([20.0, 25.0, 30.0], dtype=torch.float64)
    by_rules = compile(loss, [x], [w], backend="torch")([data], reduction="sum")
    by_torch = compile(loss, [x], [w], backend="torch", backward="backend")([data],
                                                                            reduction="sum")
    assert by_torch.input_grads[0].tolist() == by_rules.input_grads[0].tolist()
    assert by_torch.param_grads.tolist() == by_rules.param_grads.tolist()
    with torch.inference_mode():  # no autograd there: the rules' numbers, not zeros
        inside = compile((x * w).tanh(), [x], [w], backward="backend")([data / 20.0],
                                                                        reduction="sum")
    want = sum((v / 20.0) * (1.0 - math.tanh(v / 20.0) ** 2) for v in (20.0, 25.0, 30.0))
    assert float(inside.param_grads[0]) == pytest.approx(want, rel=1e-12)


def test_numpy_through_array_api_compat_is_numpy():
    compat = pytest.importorskip("array_api_compat.numpy",
                                 reason="array-api-compat is not installed")
    x, w = Value(0.0, label="x"), Value(0.7)
    f = compile((x * w).tanh(), [x], [w], backend=compat)
    assert f([np.array([0.5])]).outputs[0].tolist() == [math.tanh(0.35)]
