"""autograd.transforms: jvp, vjp, jacfwd, jacrev, hessian and hvp against formulas, against
each other and central differences on random graphs over the op table, and against
torch.func where PyTorch is installed."""

import math
import struct

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from random_graphs import build, graphs, guard, well_behaved

import autograd
from autograd import Value, hessian, hvp, jacfwd, jacrev, jvp, no_grad, numerical_grad, vjp


def f(x, y):
    return x * y + x.sin()  # df = (y + cos x, x); d2f = [[-sin x, 1], [1, 0]]


def two(x, y):
    return [x * y, (x - y).exp()]


def close(a, b, rel=1e-12):
    if isinstance(a, list) and a and isinstance(a[0], list):  # rows
        return len(a) == len(b) and all(close(r, s, rel) for r, s in zip(a, b))
    return a == pytest.approx(b, rel=rel, abs=1e-12)


def test_each_transform_against_the_formulas():
    x, y = 0.7, -1.3
    value, tangent = jvp(f, (x, y), (2.0, 0.5))
    assert close(value, x * y + math.sin(x))
    assert close(tangent, 2.0 * (y + math.cos(x)) + 0.5 * x)
    out, pullback = vjp(f, x, y)
    assert close(out, value) and close(pullback(3.0), [3.0 * (y + math.cos(x)), 3.0 * x])
    assert close(jacfwd(f)(x, y), [[y + math.cos(x), x]])
    assert close(jacrev(f)(x, y), [[y + math.cos(x), x]])
    h = hessian(f)(x, y)
    assert close(h[0], [-math.sin(x), 1.0]) and close(h[1], [1.0, 0.0])
    out, product = hvp(f, (x, y), (1.0, 2.0))
    assert close(out, value) and close(product, [-math.sin(x) + 2.0, 1.0])


def test_several_outputs_give_a_row_each():
    x, y = 0.4, 0.9
    e = math.exp(x - y)
    expected = [[y, x], [e, -e]]
    assert close(jacfwd(two)(x, y)[0], expected[0]) and close(jacfwd(two)(x, y)[1], expected[1])
    assert close(jacrev(two)(x, y)[1], expected[1])
    values, tangents = jvp(two, (x, y), (1.0, 0.0))
    assert close(values, [x * y, e]) and close(tangents, [y, e])
    _, pullback = vjp(two, x, y)
    assert close(pullback([1.0, 2.0]), [y + 2 * e, x - 2 * e])


def test_transforms_compose_and_work_inside_no_grad():
    x, y = 0.3, 1.1
    with no_grad():  # each transform records its own graph, as torch.func does
        h = hessian(f)(x, y)
        nested = jacfwd(jacrev(f))(x, y)  # jacrev's rows flattened into jacfwd's outputs
        again = jacrev(jacrev(f))(x, y)
    assert close(nested[0], h[0]) and close(nested[1], h[1]) and close(again[0], h[0])
    # a third derivative: d/dx of the Hessian's corner, d3f/dx3 = -cos x
    third = jacfwd(lambda a, b: hessian(f)(a, b)[0][0])(x, y)
    assert close(third, [[-math.cos(x), 0.0]])


def test_values_in_give_values_out_leading_back_to_them():
    x = Value(0.5)
    (row,) = jacrev(lambda a: a**3)(x)
    assert isinstance(row[0], Value) and close(row[0].data, 0.75)
    (second,) = autograd.grad(row[0], [x])  # d(3x^2)/dx = 6x
    assert close(second, 3.0)


def test_a_user_primitive_gets_forward_mode_from_its_one_rule():
    @autograd.primitive(lambda m, out, x, k: (1.0 / (1.0 + abs(x[0])) ** 2,))
    def softsign_t(a):
        return a / (1.0 + abs(a))

    _, t = jvp(lambda a: softsign_t(a * 3.0), (2.0,), (1.0,))
    assert close(t, 3.0 / 49.0)
    assert close(jacfwd(lambda a: softsign_t(a * 3.0))(2.0), [[3.0 / 49.0]])


def test_bad_calls_say_what_is_wrong():
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        jvp(f, (1.0, 2.0), (1.0,))
    with pytest.raises(TypeError, match="sequence of numbers or Values"):
        jvp(lambda a: a, 1.0, (1.0,))
    with pytest.raises(TypeError, match="must return Values or numbers"):
        jacrev(lambda a: "x")(1.0)
    with pytest.raises(ValueError, match="one output"):
        hessian(two)(1.0, 2.0)
    _, pullback = vjp(two, 1.0, 2.0)
    with pytest.raises(ValueError, match="2 outputs but 1 cotangents"):
        pullback([1.0])


def test_constants_and_unused_arguments_have_zero_derivatives():
    assert jacfwd(lambda a, b: a * 2.0)(1.0, 5.0) == [[2.0, 0.0]]
    assert jacrev(lambda a, b: 3.0)(1.0, 5.0) == [[0.0, 0.0]]
    assert jvp(lambda a: a.detach() * 2.0, (1.5,), (1.0,))[1] == 0.0  # no gradient through it


@settings(max_examples=80, deadline=None, derandomize=True)
@given(graphs)
def test_forward_and_reverse_mode_agree_on_random_graphs(graph):
    point, plan = graph
    assume(well_behaved(point, plan))

    def program(*xs):
        nodes = build(plan, xs)
        return [nodes[-1], nodes[len(nodes) // 2]]

    forward, reverse = jacfwd(program)(*point), jacrev(program)(*point)
    for a, b in zip(forward, reverse):
        assert close(a, b, rel=1e-10)
    # and the numbers: central differences of the last node
    numerical = numerical_grad(lambda *xs: build(plan, xs)[-1], point)
    assert forward[0] == pytest.approx(numerical, rel=1e-4, abs=1e-5)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(graphs)
def test_hessians_are_symmetric_and_equal_jacobians_of_gradients(graph):
    point, plan = graph
    assume(well_behaved(point, plan))

    def last(*xs):
        return build(plan, xs)[-1]

    h = hessian(last)(*point)
    nested = jacrev(jacrev(last))(*point)
    n = len(point)
    for i in range(n):
        assert close(h[i], nested[i], rel=1e-9)
        for j in range(n):
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-9, abs=1e-9)
    direction = [0.5 * (i + 1) for i in range(n)]
    _, product = hvp(last, point, direction)
    assert close(product, [sum(h[i][j] * direction[j] for j in range(n)) for i in range(n)],
                 rel=1e-9)


# --- against torch.func ---

def _ours_and_torch(torch):
    """Functions written once for Values and once for float64 tensors."""
    return [
        (lambda x, y, z: (x * y).tanh() + z.exp() * x.sigmoid() - (y * y + 1.0).log(),
         lambda x, y, z: torch.tanh(x * y) + torch.exp(z) * torch.sigmoid(x)
         - torch.log(y * y + 1.0)),
        (lambda x, y, z: (x ** 2.5 if x.data > 0 else x * x) + (y / (z * z + 0.5)).sin(),
         lambda x, y, z: (x ** 2.5 if x > 0 else x * x) + torch.sin(y / (z * z + 0.5))),
        (lambda x, y, z: (x * z).softplus() * (y - 0.3).cos() + (x + y + z).relu(),
         lambda x, y, z: torch.nn.functional.softplus(x * z) * torch.cos(y - 0.3)
         + torch.relu(x + y + z)),
    ]


@pytest.mark.filterwarnings("ignore:.*torch.jit.script.*:DeprecationWarning")  # torch's own
@pytest.mark.parametrize("which", [0, 1, 2])
def test_same_numbers_as_torch_func(which):
    torch = pytest.importorskip("torch", reason="the comparison with torch.func needs PyTorch")
    from torch import func

    ours, theirs = _ours_and_torch(torch)[which]
    point, tangent = (0.8, -0.6, 0.45), (0.3, -1.2, 2.0)
    args = tuple(torch.tensor(v, dtype=torch.float64) for v in point)
    targs = tuple(torch.tensor(v, dtype=torch.float64) for v in tangent)
    value, t = jvp(ours, point, tangent)
    tv, tt = func.jvp(theirs, args, targs)
    assert close(value, tv.item()) and close(t, tt.item())
    _, pullback = vjp(ours, *point)
    _, their_pullback = func.vjp(theirs, *args)
    assert close(pullback(1.7), [g.item() for g in their_pullback(torch.tensor(1.7,
                                                                               dtype=torch.float64))])
    argnums = (0, 1, 2)
    expected = [g.item() for g in func.jacrev(theirs, argnums=argnums)(*args)]
    assert close(jacfwd(ours)(*point)[0], expected) and close(jacrev(ours)(*point)[0], expected)
    their_h = func.hessian(theirs, argnums=argnums)(*args)
    h = hessian(ours)(*point)
    for i in range(3):
        assert close(h[i], [their_h[i][j].item() for j in range(3)], rel=1e-10)
    _, product = hvp(ours, point, tangent)
    _, their_product = torch.autograd.functional.hvp(lambda *a: theirs(*a), args, targs)
    assert close(product, [p.item() for p in their_product], rel=1e-10)


def _torch_apply(torch):
    """random_graphs.APPLY for float64 tensors: the same expression for every op (guard works
    on tensors as on Values)."""
    from autograd import ops

    nn_f = torch.nn.functional
    acts = (torch.tanh, torch.sigmoid, nn_f.softplus)
    return {
        ops.ADD: lambda a, b, k: a + b,
        ops.MUL: lambda a, b, k: a * b,
        ops.DIV: lambda a, b, k: a / guard(b),
        ops.POW: lambda a, b, k: guard(a) ** torch.tanh(b),
        ops.ADD_SCALAR: lambda a, b, k: a + k,
        ops.MUL_SCALAR: lambda a, b, k: k * a,
        ops.DIV_SCALAR: lambda a, b, k: a / k,
        ops.RDIV: lambda a, b, k: k / guard(a),
        ops.NEG: lambda a, b, k: -a,
        ops.POWC: lambda a, b, k: guard(a) ** k,
        ops.RPOW: lambda a, b, k: (abs(k) + 0.5) ** torch.tanh(a),
        ops.ABS: lambda a, b, k: torch.abs(a),
        ops.EXP: lambda a, b, k: torch.exp(torch.tanh(a)),
        ops.EXPM1: lambda a, b, k: torch.expm1(torch.tanh(a)),
        ops.LOG: lambda a, b, k: torch.log(guard(a)),
        ops.SQRT: lambda a, b, k: torch.sqrt(guard(a)),
        ops.TANH: lambda a, b, k: torch.tanh(a),
        ops.SIGMOID: lambda a, b, k: torch.sigmoid(a),
        ops.RELU: lambda a, b, k: torch.relu(a),
        ops.LEAKY_RELU: lambda a, b, k: nn_f.leaky_relu(a, 0.2),
        ops.SOFTPLUS: lambda a, b, k: nn_f.softplus(a),
        ops.SIN: lambda a, b, k: torch.sin(a),
        ops.COS: lambda a, b, k: torch.cos(a),
        ops.DOT: lambda a, b, k: a + a * b + b * a,
        ops.NEURON: lambda a, b, k: acts[int(abs(k)) % 3](a + a * b + b * a),
        ops.SUM: lambda a, b, k: a + b + a,
        ops.TAN: lambda a, b, k: torch.tan(torch.tanh(a)),
        ops.ATAN: lambda a, b, k: torch.atan(a),
        ops.ASIN: lambda a, b, k: torch.asin(0.9 * torch.tanh(a)),
        ops.ACOS: lambda a, b, k: torch.acos(0.9 * torch.tanh(a)),
        ops.SINH: lambda a, b, k: torch.sinh(torch.tanh(a)),
        ops.COSH: lambda a, b, k: torch.cosh(torch.tanh(a)),
        ops.LOG1P: lambda a, b, k: torch.log1p(guard(a)),
        ops.MAXIMUM: lambda a, b, k: torch.maximum(a, b),
        ops.MINIMUM: lambda a, b, k: torch.minimum(a, b),
        ops.CLAMP: lambda a, b, k: torch.clamp(a, -0.5, 1.0),
    }


@pytest.mark.filterwarnings("ignore:.*torch.jit.script.*:DeprecationWarning")  # torch's own
@settings(max_examples=60, deadline=None, derandomize=True)
@given(graphs)
def test_random_graphs_over_the_op_table_against_torch_func(graph):
    torch = pytest.importorskip("torch", reason="the comparison with torch.func needs PyTorch")
    from torch import func

    point, plan = graph
    assume(well_behaved(point, plan))
    apply = _torch_apply(torch)

    def theirs(*xs):
        return build(plan, xs, apply)[-1]

    def ours(*xs):
        return build(plan, xs)[-1]

    args = tuple(torch.tensor(v, dtype=torch.float64) for v in point)
    direction = [0.25 * (i + 1) - 0.4 for i in range(len(point))]
    value, t = jvp(ours, point, direction)
    their_value, their_t = func.jvp(theirs, args, tuple(torch.tensor(d, dtype=torch.float64)
                                                        for d in direction))
    assert close(value, their_value.item()) and close(t, their_t.item())
    argnums = tuple(range(len(point)))
    expected = [g.item() for g in func.jacrev(theirs, argnums=argnums)(*args)]
    assert close(jacfwd(ours)(*point)[0], expected) and close(jacrev(ours)(*point)[0], expected)
    their_h = func.hessian(theirs, argnums=argnums)(*args)
    h = hessian(ours)(*point)
    for i in range(len(point)):
        assert close(h[i], [their_h[i][j].item() for j in range(len(point))])


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3),
       st.lists(st.floats(-2, 2), min_size=3, max_size=3),
       st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=12),
       st.integers(-1, 2))
def test_jvp_through_a_sum_of_products_is_the_unfused_sums_bit_for_bit(point, tangent, pairs,
                                                                        first):
    # sum(w * x ...) is one DOT in the speed layer: its tangent adds as the sums of held
    # products do, each product's two terms first
    def f(fused):
        def sums(*xs):
            s = xs[first] if first >= 0 else 0
            products = [] if fused else [xs[i] * xs[j] for i, j in pairs]  # held: no DOT
            for k, (i, j) in enumerate(pairs):
                s = s + xs[i] * xs[j] if fused else s + products[k]
            return s
        return sums

    fused, held = (float(autograd.jvp(f(fused), point, tangent)[1]) for fused in (True, False))
    assert struct.pack("<d", fused) == struct.pack("<d", held)
