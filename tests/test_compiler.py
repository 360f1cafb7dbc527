"""autograd.compile: generated code gives the eager engine's values and gradients."""

import linecache
import math
import random

import numpy as np
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st
from lines_run import lines_run
from modes import FAST_SHAPES
from random_graphs import APPLY, build, graphs, steps, well_behaved

import nn
from autograd import Value, compile, dot, grad, neuron, ops  # noqa: A004
from autograd import sum as vsum
from autograd.compiler import compiled, trace
from autograd.compiler.trace import CHUNK
from autograd.engine import apply, toposort
from autograd.functions import shift
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


@FAST_SHAPES
def test_source_reads_like_the_chain_rule():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    xw = x * w  # held by a variable: a node of its own
    h = xw + b
    h.label = "h"
    o = h.tanh()
    o.label = "o"
    f = compile(o, [x], [w, b])
    lines = [line.strip() for line in f.source.splitlines()]
    assert "x, = inputs" in lines and "w, b = params" in lines
    assert lines.index("t1 = x * w") < lines.index("h = t1 + b") < lines.index("o = tanh(h)")
    assert "g_h = g_o * (1.0 - o * o)" in lines
    assert "g_x = g_t1 * w" in lines and "g_w = g_t1 * x" in lines
    assert "_s = _sum((x, w, b, t1, h, o))" in lines  # the check that all are finite
    assert lines[-1] == "return (o,), (g_x,), (g_w, g_b), _s"
    h = x * w + b  # the product only the expression holds joins the sum as a term
    h.label = "h"
    lines = [line.strip() for line in compile(h.tanh(), [x], [w, b]).source.splitlines()]
    assert "h = b + x * w" in lines
    assert {"g_b = g_h", "g_x = g_h * w", "g_w = g_h * x"} <= set(lines)


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


def test_params_are_read_and_refused_alike_on_every_path():
    np = pytest.importorskip("numpy")
    w, x = Value(2.0), Value(1.0)
    f = compile(w * x, [x], [w])
    for data, want in ((2, 2.0), (np.float32(0.5), 0.5)):
        w.data = data
        engine = (w * Value(3.0)).data
        assert f([3.0]).outputs == [engine] == [3.0 * want]
        assert f([np.array([3.0, 3.0])]).outputs[0].tolist() == [engine] * 2
    for data, words in (("2", r"'2' \(str\)"), (10**400, "too large for a float"),
                        (1j, "complex"), (True, r"\(bool\)")):
        w.data = data  # refused alike, one sample or a batch
        for inputs in ([3.0], [np.array([3.0, 3.0])]):
            with pytest.raises((TypeError, ValueError), match="param 0 must be a real number, "
                               "got .*" + words):
                f(inputs)


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
    ops_ = [lambda v: (v * w + b).relu(), lambda v: (v * w).tanh() + b, lambda v: v.sin() * w,
            lambda v: (v + b).sigmoid()]
    rng = random.Random(5)
    for _ in range(CHUNK):  # mostly no period: a line per value, in several functions
        y = rng.choice(ops_)(y)
    f = compile(y, [x], [w, b])
    assert f.source.count("\ndef _part") > 1
    result = f([0.5])
    y.backward()
    assert result.outputs == [y.data]
    assert result.param_grads == [w.grad, b.grad] and result.input_grads == [x.grad]


@pytest.mark.parametrize("period", [1, 2, 3, 7])
def test_a_repeating_chain_is_one_loop_and_stays_exact(period):
    w, b, x = Value(0.999, label="w"), Value(0.001, label="b"), Value(0.5, label="x")
    steps = [lambda v: (v * w + b).relu(), lambda v: v.tanh(), lambda v: v * 1.5 + b * v,
             lambda v: v.sin(), lambda v: v - w, lambda v: v.sigmoid(), lambda v: v + x]
    y = x
    for k in range(3 * CHUNK // period):
        y = steps[k % period](y)
    f = compile(y, [x], [w, b])
    assert "for _i in range" in f.source and f.source.count("\n") < 200
    result = f([0.5])
    y.backward()
    assert result.outputs == [y.data]  # the same floats: bit for bit
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


def test_an_op_without_code_is_refused_at_compile_time():
    bare = Op("bare", 1, math.atan, lambda m, out, x, k: (1.0 / (1.0 + x[0] * x[0]),))
    x = Value(0.5)
    y = apply(bare, [x])
    with pytest.raises(NotImplementedError, match=r"no code form for the op\(s\) bare"):
        compile(y, [x])


def test_template_fills_arguments_and_parameters():
    forward = template("f({a}, {b}, {k})")
    assert forward("o", ["x", "(-2.0)"], -0.5) == "f(x, (-2.0), (-0.5))"


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


def test_overflow_and_domain_errors_are_the_engine_s():
    x = Value(1.0)
    f = compile(x * 1e300 * x, [x])
    for batch in ([1e10], [[1e10, 1.0]], [np.array([1e10, 1.0])]):
        with pytest.raises(OverflowError, match=r"mul\(10000000000.0, 1e\+300\): result is not"):
            f(batch)
    g = compile(x.log(), [x])
    for batch in ([-1.0], [[-1.0]], [np.array([-1.0])]):
        with pytest.raises(ValueError, match=r"log\(-1.0\): math domain error"):
            g(batch)
    assert math.isnan(g([math.nan]).outputs[0])  # NaN put in propagates, as in the engine


def test_every_op_of_the_table_has_code():
    assert all(ops.code_rule(op) is not None for op in ops.OPS)


def test_an_input_the_outputs_do_not_use_gets_gradient_zero():
    x, unused = Value(2.0), Value(5.0)
    f = compile(x * x, [x, unused])
    assert f([2.0, 7.0]).input_grads == [4.0, 0.0]
    assert list(f([np.array([1.0, 2.0]), np.array([0.0, 0.0])]).input_grads[1]) == [0.0, 0.0]


# --- never a silent wrong answer: compiled code equals the engine, or both refuse ---

LABELS = ["x", "𝑥", "fi", "ﬁ", "for", "sum", "g_x", "t1", "t2", "_v", "_s", "inputs",
          "params", "exp", "relu", "dot_", "backprop", "gz", "None", "λ", "a b", "", None,
          "x_", "print", "inf", "nan", "_sum", "gz_x", "x1", "p1", "if"]
SPECIAL = [0.0, -0.0, 1e-300, 1e300, 800.0, -800.0, math.inf, -math.inf, math.nan]
numbers = st.one_of(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0), st.sampled_from(SPECIAL))
# a wide step: a layer of `width` new nodes, then a DOT, NEURON or SUM over them
TAME = [ops.ADD, ops.MUL, ops.NEG, ops.TANH, ops.SIGMOID, ops.RELU, ops.SIN, ops.ABS]
wide = st.tuples(st.sampled_from([ops.DOT, ops.NEURON, ops.SUM]), st.integers(1, 128),
                 st.integers(0, 99), st.just("wide"))
programs = st.tuples(
    st.lists(numbers, min_size=1, max_size=4),  # the leaves
    st.lists(st.one_of(steps, steps, wide), min_size=1, max_size=8),
    st.lists(st.one_of(st.sampled_from(LABELS[:4]), st.sampled_from(LABELS)), min_size=16,
             max_size=16),  # labels: often names that Python reads as one
    st.lists(st.integers(0, 99), min_size=1, max_size=3, unique=True),  # nodes as inputs
    st.lists(st.integers(0, 99), max_size=2, unique=True),  # nodes as params
)


def build_nodes(plan, point, given=None, needed=None):
    """Replay a plan; a node whose index is in ``given`` is a new leaf with that value.

    Only the nodes in ``needed`` (default all) are evaluated: compile traces only what lies
    below the output, cut at its inputs, and an op elsewhere must not raise.
    """
    given = given or {}
    nodes = [Value(given.get(i, x)) for i, x in enumerate(point)]
    for k, (op, i, j, c) in enumerate(plan, start=len(point)):
        if k in given or (needed is not None and k not in needed):
            nodes.append(Value(given.get(k, 0.0)))
        elif c == "wide":  # a layer of i new nodes, then one op over all of them
            unit = TAME[j % len(TAME)]
            picks = [APPLY[unit](nodes[(j + n) % len(nodes)], nodes[(j + 3 * n + 1) % len(nodes)],
                                 0.5) for n in range(i)]
            half = picks[: (i + 1) // 2]
            nodes.append(vsum(picks) if op is ops.SUM else dot(half, half[::-1], picks[-1])
                         if op is ops.DOT else neuron(half, half[::-1], picks[-1], "tanh"))
        else:
            nodes.append(APPLY[op](nodes[i % len(nodes)], nodes[j % len(nodes)], c))
    return nodes


def engine_at(plan, point, chosen, values, needed):
    """The engine's output and gradients with the chosen nodes set to values, or its error."""
    try:
        nodes = build_nodes(plan, point, dict(zip(chosen, values)), needed)
        grads = grad(nodes[-1], [nodes[i] for i in chosen], allow_unused=True)
    except (ArithmeticError, ValueError) as e:
        return e
    return [nodes[-1].data], [float(g) for g in grads]


def same(a, b, rel):
    """Equal floats (to rel), NaN equal to NaN, each infinity equal to itself."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return a == b if rel == 0.0 else math.isclose(a, b, rel_tol=rel, abs_tol=rel)


def agree(expected, call, rel):
    """compiled == engine, or both raise the same kind of error."""
    if isinstance(expected, Exception):
        with pytest.raises(type(expected)):
            call()
        return None
    result = call()
    got = [*result.outputs, *result.input_grads, *result.param_grads]
    want = [*expected[0], *expected[1]]
    assert len(got) == len(want)
    assert all(same(float(g), w, rel) for g, w in zip(got, want)), (got, want)
    return result


@given(programs, st.lists(numbers, min_size=5, max_size=5), st.sampled_from([7, 60, CHUNK]))
def test_compiled_equals_the_engine_or_both_refuse(program, new, chunk):
    saved = trace.CHUNK
    trace.CHUNK = chunk  # small chunks: the split layout on small graphs too
    try:
        check_program(program, new)
    finally:
        trace.CHUNK = saved


def check_program(program, new):
    """Compile a random program; compare floats, lists and NumPy batches with the engine."""
    point, plan, labels, ins, ps = program
    try:
        nodes = build_nodes(plan, point)
    except (ArithmeticError, ValueError):
        event("the engine refused to build the graph")
        return  # nothing to compile
    n = len(nodes)
    inputs = sorted({i % n for i in ins})
    params = sorted({i % n for i in ps} - set(inputs))
    for node, label in zip(reversed(nodes), labels):
        node.label = label
    f = compile(nodes[-1], [nodes[i] for i in inputs], [nodes[i] for i in params])
    event("split layout" if "def _part" in f.source else "one function")
    chosen = inputs + params
    below = set(toposort([nodes[-1]], cut={nodes[i] for i in chosen}))
    needed = {k for k, v in enumerate(nodes) if v in below}
    for k, i in enumerate(params):  # params are read at call time
        nodes[i].data = new[len(inputs) + k] if len(inputs) + k < len(new) else nodes[i].data
    pvalues = [nodes[i].data for i in params]
    # one sample, on floats: the engine's numbers, bit for bit
    xs = new[: len(inputs)]
    expected = engine_at(plan, point, chosen, xs + pvalues, needed)
    event(f"one sample: {'an error' if isinstance(expected, Exception) else 'numbers'}")
    agree(expected, lambda: f(xs), 0.0)  # bit for bit
    # a batch of the sample and shifted copies, as lists and as NumPy arrays
    samples = [[x + s for x in xs] for s in (0.0, 0.25, -0.5)]
    expected = [engine_at(plan, point, chosen, s + pvalues, needed) for s in samples]
    errors = [e for e in expected if isinstance(e, Exception)]
    columns = [list(c) for c in zip(*samples)]
    for batch in (columns, [np.array(c) for c in columns]):
        if errors:
            with pytest.raises((ArithmeticError, ValueError)):
                f(batch, reduction="sum")
            continue
        result = f(batch, reduction="sum")
        rel = 0.0 if batch is columns else 1e-6  # NumPy's exp, tanh ... may differ by an ulp
        for s, e in enumerate(expected):
            assert all(same(float(c[s]), w, rel) for c, w in zip(
                [*result.outputs, *result.input_grads], [*e[0], *e[1][: len(inputs)]]))
        for k, g in enumerate(result.param_grads):  # summed in sample order, not by fsum
            assert same(g, math.fsum(e[1][len(inputs) + k] for e in expected), max(rel, 1e-12))


@pytest.mark.parametrize("width", [32, 64, 128])
@pytest.mark.parametrize("fused", [True, False])
def test_wide_networks_compile_exactly(width, fused):
    model = nn.MLP(2, [width, width, 1], activation="tanh", fused=fused, rng=random.Random(0))
    x = [Value(0.3, label="x1"), Value(-0.7, label="x2")]
    y = model(x)
    f = compile(y, x, model.parameters())
    assert f.source.count("\ndef _part") > 1  # the chunked layout
    y.backward()
    result = f([0.3, -0.7])
    assert result.outputs == [y.data]  # bit for bit, the fused neurons' slopes included
    assert result.param_grads == [p.grad for p in model.parameters()]
    assert result.input_grads == [v.grad for v in x]


@pytest.mark.parametrize(("first", "second"), [("fi", "ﬁ"), ("x", "𝑥"), ("𝑥", "x"),
                                               ("x", "x"), ("g_x", "x"), ("t1", "for"),
                                               ("exp", "relu"), ("_v", "inputs")])
def test_labels_python_reads_as_one_name_stay_two_variables(first, second):
    a, b = Value(1.0, label=first), Value(2.0, label=second)
    f = compile(a * 10.0 + b, [a, b])
    result = f([1.0, 2.0])
    assert result.outputs == [12.0] and result.input_grads == [10.0, 1.0]


def test_an_intermediate_given_as_input_cuts_the_graph_there():
    a = Value(1.0, label="a")
    h = a * 2.0
    f = compile(h * 3.0, inputs=[h])
    assert f([5.0]).outputs == [15.0] and f([5.0]).input_grads == [3.0]
    # with a below it as a param: a reaches the output only directly, not through h
    g = compile(h * 3.0 + a, inputs=[h], params=[a])
    result = g([5.0])
    assert result.outputs == [16.0] and result.input_grads == [3.0]
    assert result.param_grads == [1.0]


def test_numbers_from_outside_become_plain_floats():
    from fractions import Fraction

    x = Value(4.0, label="x")
    for k in (np.float64(2), Fraction(1, 2), np.int64(3), np.float32(0.5)):
        y = x ** k
        assert type(y.data) is float and type(y.param) is float
        f = compile(y * np.float64(2.0), [x])
        y2 = y * np.float64(2.0)
        y2.backward()
        assert f([4.0]).outputs == [y2.data] and f([4.0]).input_grads == [x.grad]
        x.grad = 0.0
    with pytest.raises(ValueError, match="negative number to a fractional power"):
        Value(-8.0) ** np.float64(1 / 3)
    w = Value(2.0)
    f = compile(w * x, [x], [w])
    w.data = Fraction(3, 2)  # a param's data set from outside is read as a float
    assert f([1.0]).outputs == [1.5] and type(f([1.0]).outputs[0]) is float


@pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array(["1.5"]), np.array([True]),
                                 np.array([1.0], dtype=object), np.complex128(1 + 1j)])
def test_numpy_batches_of_other_dtypes_are_refused(bad):
    x = Value(1.0)
    f = compile(x * 2.0, [x])
    with pytest.raises(TypeError):
        f([bad])


def test_non_finite_results_agree_on_every_path():
    x = Value(1.0, label="x")
    f = compile(x - x, [x])
    for batch in ([math.inf], [[math.inf, 1.0]], [np.array([math.inf, 1.0])]):
        out = f(batch).outputs[0]
        assert math.isnan(out if isinstance(out, float) else out[0])
    # an overflow that a later op would hide (sigmoid(inf) = 1) is refused, as by the engine
    g = compile((x * 1e300).sigmoid(), [x])
    for batch in ([1e10], [[1e10]], [np.array([1e10])]):
        with pytest.raises(OverflowError, match="mul"):
            g(batch)


def test_numpy_batches_check_plain_float_arithmetic_too():
    x, p = Value(1.0), Value(1.0)
    pp = p * p  # a node of its own (held), a plain float on the NumPy path
    f = compile(x + pp, [x], [p])
    p.data = 1e200
    for batch in ([[1.0, 2.0]], [np.array([1.0, 2.0])]):
        with pytest.raises(OverflowError, match="mul"):
            f(batch)


def test_numpy_sums_round_once_as_the_engine_does():
    x = Value(1.0)
    f = compile(vsum([x, 1e16, -1e16]), [x])
    assert f([1.0]).outputs == [1.0] and list(f([np.array([1.0, 2.0])]).outputs[0]) == [1.0, 2.0]


@pytest.mark.parametrize(("make", "c", "x"), [(lambda x, c: x**c, 2.0, -1.0),
                                             (lambda x, c: x * c.sqrt(), 0.0, -1.0),
                                             (lambda x, c: c**x, 0.0, 0.5)])
def test_constants_get_no_derivative_in_the_code_nor_in_the_engine_s_replay(make, c, x):
    xv = Value(x)
    f = compile(make(xv, Value(c)), [xv])  # Value(c) is a constant: no d/dc (none exists)
    fast = f([x])
    assert f.graph.evaluate([x], []) == (fast.outputs, fast.input_grads, fast.param_grads)
    with pytest.raises((ArithmeticError, ValueError)):  # the engine, asked for d/dc, refuses
        make(Value(x), Value(c)).backward()



def test_a_list_batch_hoists_what_does_not_depend_on_the_sample():
    model = nn.MLP(2, [5, 1], rng=random.Random(0))
    xs = [Value(0.0, label="x1"), Value(0.0, label="x2")]
    penalty = 1e-2 * dot(model.parameters(), model.parameters())
    penalty.label = "penalty"
    f = compile(model(xs).tanh() + penalty, xs, model.parameters())
    source = compiled._Writer(f.graph).batch_source()
    assert source.index("penalty = ") < source.index("for _k") < source.index("g_penalty = g_")
    columns = [[0.1, -0.4, 0.9], [0.3, 0.2, -1.0]]
    batch = f(columns, reduction="sum")
    one = [f([a, b]) for a, b in zip(*columns)]
    assert batch.outputs[0] == [r.outputs[0] for r in one]  # per sample: the same floats
    for k, g in enumerate(batch.param_grads):
        assert math.isclose(g, math.fsum(r.param_grads[k] for r in one), rel_tol=1e-12)


def test_a_sample_that_is_not_finite_is_left_to_the_engine():
    x = Value(1.0, label="x")
    f = compile((x * 2.0).exp() + x, [x])
    result = f([[0.5, math.inf, -0.5]], reduction="sum")
    assert result.outputs[0][0] == math.exp(1.0) + 0.5 and result.outputs[0][1] == math.inf
    assert math.isinf(result.input_grads[0][1])
    with pytest.raises(OverflowError, match="exp"):  # the engine's own error, naming the op
        f([[0.5, 400.0]])


@pytest.mark.parametrize("label", ["len", "zip", "enumerate"])
def test_labels_never_take_the_builtins_the_batch_program_calls(label):
    x, w = Value(1.0, label=label), Value(1.0)
    f = compile(x * x + w, [x], [w])
    result = f([[1.0, 3.0]])
    assert result.outputs == [[2.0, 10.0]] and result.input_grads == [[2.0, 6.0]]


def test_parameter_gradients_that_sum_to_infinity_or_nan_are_ieee_s():
    x, w = Value(1.0, label="x"), Value(1.0, label="w")
    f = compile(x * w, [x], [w])
    for batch, want in (([math.inf, -math.inf], math.nan), ([1e308, 1e308], math.inf)):
        for columns in ([batch], [np.array(batch)]):
            got = f(columns, reduction="sum").param_grads[0]
            assert got == want or (math.isnan(got) and math.isnan(want))


def test_an_output_weighted_zero_keeps_the_engine_s_order_of_sums():
    rng = random.Random(0)
    for _ in range(200):
        xv, pv = rng.uniform(-2, 2), rng.uniform(-2, 2)
        x, p = Value(xv), Value(pv)
        u1, u2, u3 = x * p, (x + 1.0) * p, p.sin()
        loss = (u1.exp() + u2.exp()) + u3.exp()
        f = compile([loss, u3 * 1.0], [x], [p], grad_outputs=[1.0, 0.0])  # as fit's metric
        assert f([xv]).param_grads == grad(loss, [p])  # bit for bit


def bits(values):
    return [repr(float(v)) for v in values]


def test_loops_give_the_engine_s_signed_zeros_and_skip_what_no_output_weighs():
    saved = trace.CHUNK
    trace.CHUNK = 7  # the split layout, where loops are made, on a small graph
    try:
        w, b, x = Value(0.9), Value(-5.0), Value(0.5, label="x")
        y = x
        for _ in range(20):
            y = (y * w + b).relu()  # dead: every term is -0.0 when the seed is negative
        f = compile(y, [x], [w, b], grad_outputs=[-1.0])
        assert "for _i" in f.source
        got = f([0.5])
        want = grad([y], [x, w, b], [-1.0])
        assert bits(got.input_grads + got.param_grads) == bits(want)
        p, q, x = Value(1e-200), Value(1e-200), Value(0.5, label="x")
        main, z = x * p, x
        for _ in range(6):
            z = (z / p) * q  # d(z / p)/dp overflows: 0 * inf would be NaN
        f = compile([main, z], [x], [p, q], grad_outputs=[1.0, 0.0])
        assert "for _i" in f.source
        assert bits(f([0.5]).param_grads) == bits(grad(main, [p, q], allow_unused=True))
    finally:
        trace.CHUNK = saved


def test_zero_dimensional_arrays_are_one_sample():
    x, w = Value(1.0, label="x"), Value(0.5)
    f = compile((x * w).tanh(), [x], [w])
    arrays, floats = f([np.array(0.3)]), f([0.3])  # NumPy's tanh may differ by an ulp
    assert arrays.outputs[0].shape == (1,)
    assert abs(arrays.outputs[0][0] - floats.outputs[0]) <= 1e-15
    assert abs(arrays.input_grads[0][0] - floats.input_grads[0]) <= 1e-15
    assert abs(arrays.param_grads[0] - floats.param_grads[0]) <= 1e-15


def test_two_big_programs_keep_their_own_parts():
    # the split layout's functions _part0, _part1, ... were defined in one namespace shared
    # by every compiled graph: a second big graph's parts replaced the first's, whose code
    # then ran them, silently when the two were of one size
    def chain(c):
        x, w = Value(0.5, label="x"), Value(0.9, label="w")
        y = x
        for _ in range(1500):
            y = (y * w).tanh() + c
        return x, w, y

    made = [chain(c) for c in (0.1, 0.2)]
    programs = [compile(y, [x], [w]) for x, w, y in made]
    assert all(p.graph.big for p in programs)
    for _ in range(2):
        for (_, w, y), program in zip(made, programs):
            result = program([0.5])
            assert result.outputs == [y.data]
            assert result.param_grads == grad(y, [w])


def test_ops_of_no_arguments_compile():
    # autograd.sum([]) is 0.0, a node of no arguments: its code was fsum((,)), a syntax
    # error, and grouping read its first argument
    x, w = Value(0.0, label="x"), Value(2.0)
    f = compile(vsum([]) + w * x + shift([]), [x], [w])
    assert f([1.5]).outputs == [3.0]
    assert f([[1.0, 2.0]]).outputs == [[2.0, 4.0]]
    assert f([np.array([1.0, 2.0])]).outputs[0].tolist() == [2.0, 4.0]
    assert f([np.array([1.0, 2.0])], reduction="sum").param_grads == [3.0]


def test_generated_code_is_in_linecache_so_tracebacks_and_pdb_show_it():
    x, w = Value(0.5, label="x"), Value(2.0, label="w")
    f = compile((x * w).tanh() + w, [x], [w])
    scalar = lines_run(lambda: f([0.25]), "<autograd.compile")
    vector = lines_run(lambda: f([np.array([0.25, 0.5])]), "<autograd.compile")
    for run, source in ((scalar, f.source), (vector, f.vector_source)):
        assert len(run) > 3
        for filename, line in run:  # the line Python runs is the line the source shows
            assert linecache.getline(filename, line) == source.splitlines(True)[line - 1]
