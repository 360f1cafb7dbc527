"""The op table: each op's value, first and second derivatives, by hand and at random."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from modes import FAST_SHAPES
from random_graphs import APPLY, build, graphs, well_behaved

from autograd import (
    Value,
    dot,
    grad,
    gradcheck,
    gradgradcheck,
    maximum,
    minimum,
    neuron,
    ops,
)
from autograd import sum as vsum
from autograd.engine import as_number
from autograd.functions import apply, shift
from autograd.kernels import numpy_kernels

INF, NAN = math.inf, math.nan


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def sign(x):
    return (x > 0) - (x < 0)


# op: (apply to Values, f(x), f'(x), f''(x), points), all derivatives worked out by hand
UNARY = {
    ops.NEG: (lambda a: -a, lambda x: -x, lambda x: -1.0, lambda x: 0.0, [-1.5, 0.7]),
    ops.ADD_SCALAR: (lambda a: a - 2.5, lambda x: x - 2.5, lambda x: 1.0, lambda x: 0.0,
                     [-1.5, 0.7]),
    ops.MUL_SCALAR: (lambda a: 3 * a, lambda x: 3 * x, lambda x: 3.0, lambda x: 0.0,
                     [-1.5, 0.7]),
    ops.DIV_SCALAR: (lambda a: a / 4, lambda x: x / 4, lambda x: 0.25, lambda x: 0.0,
                     [-1.5, 0.7]),
    ops.RDIV: (lambda a: 2 / a, lambda x: 2 / x, lambda x: -2 / x**2, lambda x: 4 / x**3,
               [-1.5, 0.7]),
    ops.ABS: (abs, abs, sign, lambda x: 0.0, [-1.5, 0.7]),
    ops.EXP: (Value.exp, math.exp, math.exp, math.exp, [-2.0, 0.3, 3.0]),
    ops.EXPM1: (Value.expm1, math.expm1, math.exp, math.exp, [-40.0, -1e-9, 0.0, 2.5]),
    ops.RPOW: (lambda a: 2.5**a, lambda x: 2.5**x, lambda x: 2.5**x * math.log(2.5),
               lambda x: 2.5**x * math.log(2.5) ** 2, [-1.5, 0.0, 3.0]),
    ops.LOG: (Value.log, math.log, lambda x: 1 / x, lambda x: -1 / x**2, [0.2, 1.0, 7.5]),
    ops.SQRT: (Value.sqrt, math.sqrt, lambda x: 0.5 / math.sqrt(x),
               lambda x: -0.25 * x**-1.5, [0.3, 4.0]),
    ops.TANH: (Value.tanh, math.tanh, lambda x: 1 - math.tanh(x) ** 2,
               lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2), [-1.2, 0.0, 0.8]),
    ops.SIGMOID: (Value.sigmoid, sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)),
                  lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x)), [-3.0, 0.5]),
    ops.RELU: (Value.relu, lambda x: max(x, 0.0), lambda x: float(x > 0), lambda x: 0.0,
               [-0.5, 1.25]),
    ops.LEAKY_RELU: (lambda a: a.leaky_relu(0.1), lambda x: x if x > 0 else 0.1 * x,
                     lambda x: 1.0 if x > 0 else 0.1, lambda x: 0.0, [-0.5, 1.25]),
    ops.SOFTPLUS: (Value.softplus, lambda x: math.log1p(math.exp(x)), sigmoid,
                   lambda x: sigmoid(x) * (1 - sigmoid(x)), [-2.0, 0.0, 1.5]),
    ops.SIN: (Value.sin, math.sin, math.cos, lambda x: -math.sin(x), [-1.0, 2.0]),
    ops.COS: (Value.cos, math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x), [-1.0, 2.0]),
    ops.POWC: (lambda a: a**3, lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x, [-1.5, 0.5]),
    ops.TAN: (Value.tan, math.tan, lambda x: 1 / math.cos(x) ** 2,
              lambda x: 2 * math.tan(x) / math.cos(x) ** 2, [-1.2, 0.0, 0.9]),
    ops.ATAN: (Value.atan, math.atan, lambda x: 1 / (1 + x * x),
               lambda x: -2 * x / (1 + x * x) ** 2, [-3.0, 0.0, 0.5]),
    ops.ASIN: (Value.asin, math.asin, lambda x: (1 - x * x) ** -0.5,
               lambda x: x * (1 - x * x) ** -1.5, [-0.9, 0.0, 0.6]),
    ops.ACOS: (Value.acos, math.acos, lambda x: -((1 - x * x) ** -0.5),
               lambda x: -x * (1 - x * x) ** -1.5, [-0.9, 0.0, 0.6]),
    ops.SINH: (Value.sinh, math.sinh, math.cosh, math.sinh, [-2.0, 0.0, 1.5]),
    ops.COSH: (Value.cosh, math.cosh, math.sinh, math.cosh, [-2.0, 0.0, 1.5]),
    ops.LOG1P: (Value.log1p, math.log1p, lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2,
                [-0.5, 1e-12, 3.0]),
    ops.CLAMP: (lambda a: a.clamp(-1.0, 0.5), lambda x: min(max(x, -1.0), 0.5),
                lambda x: float(-1.0 <= x <= 0.5), lambda x: 0.0, [-1.5, -1.0, 0.2, 0.5, 0.7]),
}

# op: (apply, f, gradient (df/da, df/db), Hessian ((aa, ab), (ba, bb)), points)
BINARY = {
    ops.ADD: (lambda a, b: a + b, lambda x, y: x + y, lambda x, y: (1, 1),
              lambda x, y: ((0, 0), (0, 0)), [(1.5, -2.0)]),
    ops.MUL: (lambda a, b: a * b, lambda x, y: x * y, lambda x, y: (y, x),
              lambda x, y: ((0, 1), (1, 0)), [(1.5, -2.0)]),
    ops.DIV: (lambda a, b: a / b, lambda x, y: x / y, lambda x, y: (1 / y, -x / y**2),
              lambda x, y: ((0, -1 / y**2), (-1 / y**2, 2 * x / y**3)), [(1.5, -2.0), (-3, 0.5)]),
    ops.POW: (lambda a, b: a**b, lambda x, y: x**y,
              lambda x, y: (y * x ** (y - 1), x**y * math.log(x)),
              lambda x, y: ((y * (y - 1) * x ** (y - 2), x ** (y - 1) * (1 + y * math.log(x))),
                            (x ** (y - 1) * (1 + y * math.log(x)), x**y * math.log(x) ** 2)),
              [(1.5, -2.0), (0.7, 2.5)]),
    # at a tie each argument gets half of the gradient, as in torch.maximum
    ops.MAXIMUM: (maximum, max, lambda x, y: (1.0, 0.0) if x > y else (0.0, 1.0) if x < y
                  else (0.5, 0.5), lambda x, y: ((0, 0), (0, 0)), [(1.5, -2.0), (-1, 3), (2, 2)]),
    ops.MINIMUM: (minimum, min, lambda x, y: (1.0, 0.0) if x < y else (0.0, 1.0) if x > y
                  else (0.5, 0.5), lambda x, y: ((0, 0), (0, 0)), [(1.5, -2.0), (-1, 3), (2, 2)]),
}

close = {"rel": 1e-12, "abs": 1e-12}


def derivatives(y, xs):
    """Gradient and Hessian of y with respect to xs, through create_graph."""
    first = grad(y, xs, create_graph=True)
    hessian = [[as_number(h) for h in grad(g, xs, allow_unused=True)] if isinstance(g, Value)
               else [0.0] * len(xs) for g in first]
    return [as_number(g) for g in first], hessian


@pytest.mark.parametrize("op", list(UNARY), ids=lambda op: op.name)
def test_unary_value_first_and_second_derivative(op):
    apply, f, d1, d2, points = UNARY[op]
    for x in points:
        a = Value(x)
        y = apply(a)
        assert y.op is op and y.parents == (a,)
        assert y.data == pytest.approx(f(x), **close)
        (g,), ((h,),) = derivatives(y, [a])
        assert g == pytest.approx(d1(x), **close)
        assert h == pytest.approx(d2(x), **close)


@pytest.mark.parametrize("op", list(BINARY), ids=lambda op: op.name)
def test_binary_value_gradient_and_hessian(op):
    apply, f, d1, d2, points = BINARY[op]
    for x, y in points:
        a, b = Value(x), Value(y)
        out = apply(a, b)
        assert out.op is op and out.parents == (a, b)
        assert out.data == pytest.approx(f(x, y), **close)
        g, h = derivatives(out, [a, b])
        assert g == pytest.approx(d1(x, y), **close)
        assert h[0] == pytest.approx(d2(x, y)[0], **close)
        assert h[1] == pytest.approx(d2(x, y)[1], **close)


def test_dot_is_one_node_with_the_right_derivatives():
    w = [Value(0.5), Value(-1.5)]
    x = [Value(2.0), Value(3.0)]
    b = Value(0.25)
    y = dot(w, x, b)
    args = [b, w[0], x[0], w[1], x[1]]
    assert y.op is ops.DOT and y.parents == tuple(args) and not y.fused
    assert y.data == 0.25 + 0.5 * 2.0 - 1.5 * 3.0
    g, h = derivatives(y, args)
    assert g == [1.0, 2.0, 0.5, 3.0, -1.5]
    # d2/dw_i dx_j = 1 when i == j, all other second derivatives 0
    assert h == [[0] * 5, [0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0]]
    assert dot([1.0, 2.0], [3.0, 4.0]).data == 11.0  # plain numbers become constants


@FAST_SHAPES
def test_a_sum_of_products_is_one_node_with_the_right_derivatives():
    w, x, b = [Value(0.5), Value(-1.5)], [Value(2.0), Value(3.0)], Value(0.25)
    y = b + w[0] * x[0] + w[1] * x[1]  # the products and the first sum are temporaries
    args = [b, w[0], x[0], w[1], x[1]]
    assert y.op is ops.DOT and y.parents == tuple(args) and y.fused
    assert y.data == 0.25 + 0.5 * 2.0 - 1.5 * 3.0
    g, h = derivatives(y, args)
    assert g == [1.0, 2.0, 0.5, 3.0, -1.5]
    # d2/du_i dw_i = 1, all other second derivatives 0
    assert h == [[0] * 5, [0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0]]


def test_dot_rejects_unequal_lengths():
    with pytest.raises(ValueError, match="equal length"):
        dot([Value(1.0)], [Value(1.0), Value(2.0)])


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "softplus", "exp"])
def test_neuron_is_one_node_equal_to_its_composition(activation):
    for point in ([0.5, -1.5, 2.0, 3.0, 0.25], [0.5, 1.5, -2.0, 3.0, 0.25]):
        w, x, b = [Value(point[1]), Value(point[2])], [Value(point[3]), Value(point[4])], \
            Value(point[0])
        y = neuron(w, x, b, activation)
        assert y.op is ops.NEURON and y.parents == (b, w[0], x[0], w[1], x[1])
        assert y.param.name == activation
        composed = getattr(dot(w, x, b), activation)()
        assert y.data == composed.data
        args = [b, w[0], x[0], w[1], x[1]]
        g, h = derivatives(y, args)
        g2, h2 = derivatives(composed, args)
        assert g == pytest.approx(g2, **close)
        for row, row2 in zip(h, h2):
            assert row == pytest.approx(row2, **close)


def test_neuron_refuses_activations_it_cannot_fuse():
    with pytest.raises(ValueError, match="for 'leaky_relu' apply it to dot"):
        neuron([Value(1.0)], [Value(1.0)], 0.0, "leaky_relu")
    with pytest.raises(ValueError, match="equal length"):
        neuron([Value(1.0)], [], 0.0, "relu")


def test_sum_is_one_node_rounded_once():
    xs = [Value(v) for v in (0.1, 0.2, 0.3, 1e16, -1e16)]
    s = vsum(xs)
    assert s.op is ops.SUM and s.parents == tuple(xs)
    assert s.data == math.fsum([0.1, 0.2, 0.3, 1e16, -1e16])
    s.backward()
    assert [x.grad for x in xs] == [1.0] * 5


@pytest.mark.parametrize("seed", [1.0, INF, NAN])
def test_no_gradient_flows_through_detach_and_shift(seed):
    # their results are constants computed at run time: nothing goes back, not even 0 * inf
    a, b = Value(1.5), Value(-3.0)
    stopped = apply(ops.DETACH, [a])
    assert stopped.op is ops.DETACH and stopped.parents == (a,) and stopped.data == 1.5
    top = shift([a, b, INF, NAN])
    assert top.op is ops.SHIFT and top.data == 1.5  # the largest finite argument
    assert shift([INF, -INF, NAN]).data == 0.0 and shift([-2.0, -0.5]).data == -0.5
    for out in (stopped * 2.0, top * 2.0, (a - top).exp()):
        a.grad = b.grad = 0.0
        out.backward(seed)
        expected = 0.0 if out.op is ops.MUL_SCALAR else seed  # d exp(a - c)/da = 1 at a = c
        assert b.grad == 0.0 and (a.grad == expected or (math.isnan(a.grad) and seed != seed))
        gs = grad(out, [a, b], seed, create_graph=True, allow_unused=True)  # nor as a graph
        assert as_number(gs[1]) == 0.0 and repr(as_number(gs[0])) == repr(a.grad)
    assert not ops.DETACH.differentiable and not ops.SHIFT.differentiable


def test_every_op_of_the_table_is_tested_here():
    tested = set(UNARY) | set(BINARY) | {ops.DOT, ops.NEURON, ops.SUM, ops.DETACH, ops.SHIFT}
    assert tested == set(ops.OPS)
    assert set(APPLY) == set(ops.OPS)


def test_table_entries_are_well_formed():
    names = [op.name for op in ops.OPS]
    assert all(names) and all(callable(op.forward) and callable(op.partials) for op in ops.OPS)
    assert all(op.arity in (1, 2, ops.VARIADIC) for op in ops.OPS)
    assert ops.LEAF.arity == ops.CONST.arity == 0


# --- random graphs over the whole table (tests/random_graphs.py) ---

@given(graphs)
def test_random_graphs_first_derivatives_match_central_differences(g):
    point, plan = g
    assume(well_behaved(point, plan))
    assert gradcheck(lambda *xs: build(plan, xs)[-1], point)


@given(graphs)
def test_random_graphs_second_derivatives_match_central_differences(g):
    point, plan = g
    assume(well_behaved(point, plan))
    assert gradgradcheck(lambda *xs: build(plan, xs)[-1], point)


@given(graphs)
def test_random_graphs_backward_equals_functional_grad(g):
    point, plan = g
    assume(well_behaved(point, plan))
    xs = [Value(x) for x in point]
    out = build(plan, xs)[-1]
    expected = grad(out, xs, allow_unused=True)
    out.backward()
    assert [x.grad for x in xs] == expected


# --- one rule for NaN and infinity, op by op: the IEEE 754 result, never an error ---

PARAMS = {None: [None], "k": [2.0, 0.5, -1.0, INF, -INF, NAN],
          "bounds": [(-1.0, 1.0), (-INF, 0.5), (0.0, INF)],
          "base": [2.0, 0.5, 0.0, INF, NAN], "numerator": [2.0, -0.5, 0.0, INF, NAN],
          "slope": [0.01, INF, NAN],
          "activation": [op for op in ops.OPS if op.from_output and op.arity == 1]}
POINTS = [NAN, INF, -INF, 0.0, -0.0, 2.0, -2.0, 0.5]


def c99_pow(a, b):
    """pow as C99 (Annex F) and IEEE 754-2008 define it: pow(-inf, 0.5) = inf; NumPy: nan."""
    out = float(a) ** float(b)
    return math.nan if isinstance(out, complex) else out


def ieee(op, args, k):
    """NumPy's result for the op, from its code rule in the table (errors ignored, IEEE)."""
    kernels = numpy_kernels() | {"pow_": c99_pow}
    names = [f"a{i}" for i in range(len(args))]
    code = ops.code_rule(op)("out", names, k)
    with np.errstate(all="ignore"):
        return float(eval(code.forward, kernels, dict(zip(names, map(np.float64, args)))))


def non_finite_cases():
    for op in ops.OPS:
        width = 3 if op.arity == ops.VARIADIC else op.arity
        for args in itertools.product(POINTS, repeat=width):
            for k in PARAMS[op.param]:
                numbers = k if isinstance(k, tuple) else (k,) if isinstance(k, float) else ()
                finite = all(map(math.isfinite, (*args, *numbers)))
                if not finite:
                    yield op, args, k


def test_every_op_follows_ieee_754_where_nan_or_infinity_is_put_in():
    checked = set()
    for op, args, k in non_finite_cases():
        out = apply(op, [Value(x) for x in args], k)  # never raises: no domain error here
        expected = ieee(op, args, k)
        assert (math.isnan(out.data) and math.isnan(expected)) or out.data == pytest.approx(
            expected, rel=1e-12), (op, args, k)
        out.backward()  # nor here: derivatives at such points are IEEE numbers (or NaN)
        checked.add(op)
    assert checked == set(ops.OPS)


# --- every rule as accurate on the Value path (create_graph) as on the float path ---

mpmath = pytest.importorskip("mpmath")
mpmath.mp.dps = 50
exact_sigmoid = lambda x: 1 / (1 + mpmath.exp(-x))  # noqa: E731
ACCURACY = {  # op: (apply, exact derivative, extreme points)
    ops.EXP: (Value.exp, mpmath.exp, [-700.0, -40.0, 1e-10, 40.0, 700.0]),
    ops.EXPM1: (Value.expm1, mpmath.exp, [-40.0, -1e-10, 1e-10, 40.0]),
    ops.LOG: (Value.log, lambda x: 1 / x, [1e-300, 1e-10, 1e10, 1e300]),
    ops.SQRT: (Value.sqrt, lambda x: 0.5 / mpmath.sqrt(x), [1e-300, 1e-10, 1e300]),
    ops.TANH: (Value.tanh, lambda x: mpmath.sech(x) ** 2, [-20.0, -1e-10, 1e-10, 20.0]),
    ops.SIGMOID: (Value.sigmoid, lambda x: exact_sigmoid(x) * (1 - exact_sigmoid(x)),
                  [-700.0, -40.0, 1e-10, 40.0]),
    ops.SOFTPLUS: (Value.softplus, exact_sigmoid, [-700.0, -40.0, 1e-10, 40.0]),
    ops.SIN: (Value.sin, mpmath.cos, [1e-10, 1.5707963267948966, 1e10]),
    ops.COS: (Value.cos, lambda x: -mpmath.sin(x), [1e-10, 3.141592653589793, 1e10]),
    ops.POWC: (lambda v: v**-1, lambda x: -1 / x**2, [1e-150, 1e150]),
    ops.RPOW: (lambda v: 2.0**v, lambda x: mpmath.mpf(2) ** x * mpmath.log(2), [-1e3, 1e3]),
    ops.NEURON: (lambda v: neuron([1.0], [v], 0.0, "softplus"), exact_sigmoid,
                 [-700.0, -40.0, 40.0]),
    ops.LOG1P: (Value.log1p, lambda x: 1 / (1 + x), [-0.999999, -1e-10, 1e-10, 1e300]),
    ops.ASIN: (Value.asin, lambda x: 1 / mpmath.sqrt(1 - x * x), [-0.9999999999, 1e-10, 0.99999]),
    ops.ACOS: (Value.acos, lambda x: -1 / mpmath.sqrt(1 - x * x), [-0.9999999999, 0.99999]),
    ops.ATAN: (Value.atan, lambda x: 1 / (1 + x * x), [-1e150, 1e-10, 1e10]),
    ops.SINH: (Value.sinh, mpmath.cosh, [-700.0, 1e-10, 700.0]),
    ops.COSH: (Value.cosh, mpmath.sinh, [-700.0, 1e-10, 700.0]),
    ops.TAN: (Value.tan, lambda x: 1 / mpmath.cos(x) ** 2, [1e-10, 1.5, 1e10]),
}


def relative_error(got, exact):
    exact = mpmath.mpf(exact)
    return float(abs(got)) if exact == 0 else float(abs((mpmath.mpf(got) - exact) / exact))


@pytest.mark.parametrize("op", list(ACCURACY), ids=lambda op: op.name)
def test_first_derivatives_at_extreme_inputs_on_both_paths(op):
    f, exact, points = ACCURACY[op]
    for x in points:
        a, b = Value(x), Value(x)
        (on_floats,) = grad(f(a), [a])
        (on_values,) = grad(f(b), [b], create_graph=True)
        assert isinstance(on_values, Value)
        truth = exact(mpmath.mpf(x))  # in 50 digits from the float x itself
        e_float = relative_error(on_floats, truth)
        e_value = relative_error(on_values.data, truth)
        assert e_value <= e_float + 1e-15, (x, e_float, e_value)
        # accurate to a few ulps, or (tanh, sigmoid saturated: 1 - out * out read from the
        # output, as PyTorch reads it) wrong by less than 1e-16 in absolute terms
        assert e_float < 1e-15 or abs(on_floats - float(truth)) < 1e-16, (x, e_float)



@settings(max_examples=200, derandomize=True)
@given(st.floats(allow_nan=False) | st.sampled_from([0.0, -0.0, 5e-324, -5e-324, -745.2]))
def test_an_op_said_never_below_0_is_not_below_0_anywhere(a):
    # vector code bounds such an op's outputs by their largest entry alone (not -min too)
    from autograd.ops import OPS, nonnegative

    never_below = [op for op in OPS if nonnegative(op)]
    assert {op.name for op in never_below} >= {"relu", "sigmoid"}
    for op in never_below:
        assert op.arity == 1 and op.param is None
        try:
            out = op.forward(a)
        except (OverflowError, ValueError):  # exp(1000) has no float value
            continue
        assert not out < 0.0 and math.copysign(1.0, out) == 1.0, (op.name, a, out)
    from autograd.kernels import numpy_kernels

    kernels = numpy_kernels()
    with np.errstate(all="ignore"):
        for op in never_below:
            out = kernels[op.name](np.array([a, math.inf, -math.inf]))
            assert not (out < 0.0).any() and not np.signbit(out).any(), (op.name, a, out)


@settings(max_examples=200, derandomize=True)
@given(st.floats(-800.0, 800.0) | st.sampled_from([0.0, -0.0, 5e-324, 1e-8, -1e-8]))
def test_an_op_s_steepest_slope_bounds_its_derivative_everywhere(a):
    from autograd.ops import FLOAT_MATH, OPS, steepest

    bounded = [op for op in OPS if steepest(op) is not None]
    assert {op.name for op in bounded} >= {"relu", "tanh", "sigmoid", "softplus"}
    for op in bounded:
        assert op.arity == 1 and op.param is None
        (slope,) = op.partials(FLOAT_MATH, op.forward(a), [a], None)
        assert abs(slope) <= steepest(op), (op.name, a, slope)
