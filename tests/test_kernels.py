"""The kernels vector code calls: NumPy's own against the Array API standard's (on
array-api-strict), and each against a plain computation on floats."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels import TOLERANCE, exact_sum, numpy_kernels, vector_kernels

np = pytest.importorskip("numpy")
strict = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")

NUMPY, STRICT = numpy_kernels(), vector_kernels(strict)
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def both(name, *arrays):
    """The kernel on NumPy arrays and on array-api-strict arrays, as NumPy arrays."""
    out_numpy = NUMPY[name](*(np.array(a) if isinstance(a, list) else a for a in arrays))
    out_strict = STRICT[name](*(strict.asarray(a) if isinstance(a, list) else a
                                for a in arrays))
    return np.asarray(out_numpy, dtype=float), np.asarray(
        [float(v) for v in strict.reshape(out_strict, (-1,))]).reshape(np.shape(out_numpy))


@settings(max_examples=60, derandomize=True)
@given(st.integers(1, 6), st.data())
def test_scatter_add_adds_each_term_once_even_where_an_index_repeats(size, data):
    rows = data.draw(st.integers(1, 3))
    index = data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=8))
    g = data.draw(st.lists(st.lists(finite, min_size=size, max_size=size), min_size=rows,
                           max_size=rows))
    term = data.draw(st.lists(st.lists(finite, min_size=len(index), max_size=len(index)),
                              min_size=rows, max_size=rows))
    want = [list(r) for r in g]
    for r in range(rows):
        for j, i in enumerate(index):
            want[r][i] += term[r][j]
    name = "scatter_add" if len(set(index)) == len(index) else "add_at"
    out_numpy = NUMPY[name](np.array(g, dtype=float), np.array(index), np.array(term))
    out_strict = STRICT[name](strict.asarray(g, dtype=strict.float64), strict.asarray(index),
                              strict.asarray(term, dtype=strict.float64))
    assert np.allclose(out_numpy, want, rtol=1e-15, atol=0)
    assert np.allclose([[float(out_strict[r, i]) for i in range(size)] for r in range(rows)],
                       want, rtol=1e-15, atol=0)


@settings(max_examples=60, derandomize=True)
@given(st.lists(st.floats(-800.0, 800.0), min_size=1, max_size=8))
def test_sigmoid_and_softplus_are_numpy_s_and_never_overflow(xs):
    for name, exact in (("sigmoid", lambda a: 1.0 / (1.0 + math.exp(-a)) if a >= 0
                         else math.exp(a) / (1.0 + math.exp(a))),
                        ("softplus", lambda a: max(a, 0.0) + math.log1p(math.exp(-abs(a))))):
        on_numpy, on_strict = both(name, xs)
        assert on_numpy.tolist() == on_strict.tolist()
        assert on_numpy.tolist() == pytest.approx([exact(a) for a in xs], rel=4e-16, abs=0)


@settings(max_examples=60, derandomize=True)
@given(st.integers(1, 4), st.integers(1, 5), st.data())
def test_sums_rows_and_products_agree_between_libraries(m, n, data):
    rows = data.draw(st.integers(1, 3))
    a = data.draw(st.lists(st.lists(finite, min_size=m * n, max_size=m * n), min_size=rows,
                           max_size=rows))
    on_numpy, on_strict = both("total", a, m, n)
    assert on_numpy.tolist() == on_strict.tolist()
    for r in range(rows):  # each sum within 1e-13 of the exact one, as the kernel promises
        for k in range(m):
            terms = a[r][k * n:(k + 1) * n]
            assert abs(on_numpy[r][k] - exact_sum(terms)) <= 1e-13 * max(
                abs(exact_sum(terms)), 1e-300) + 1e-300
    w = data.draw(st.lists(st.lists(finite, min_size=n, max_size=n), min_size=m, max_size=m))
    u = data.draw(st.lists(st.lists(finite, min_size=n, max_size=n), min_size=rows,
                           max_size=rows))
    g = data.draw(st.lists(st.lists(finite, min_size=m, max_size=m), min_size=rows,
                           max_size=rows))
    for name, args in (("matvec", (w, u)), ("vecmat", (g, w)), ("outer", (g, u)),
                       ("outer_each", (g, u)), ("over_batch", (u,)), ("spread", (g, 2)),
                       ("cat", (g, u)), ("sums", (u,)), ("row_sums", (u,))):
        on_numpy, on_strict = both(name, *args)
        assert np.allclose(on_numpy, on_strict, rtol=1e-13, atol=1e-10), name


def test_a_cancelling_sum_is_rounded_once():
    on_numpy, on_strict = both("total", [[1e17, 1.0, -1e17]], 1, 3)
    assert on_numpy.tolist() == on_strict.tolist() == [[1.0]]


SPECIAL = [-0.0, 0.0, 5e-324, -5e-324, 1.5, -1.5, math.inf, -math.inf, math.nan]


def test_relu_is_the_table_s_relu_bit_for_bit_at_zeros_nan_and_infinities():
    from autograd.ops import RELU

    for name, kernels in (("numpy", NUMPY), ("strict", STRICT)):
        array = np.array(SPECIAL) if name == "numpy" else strict.asarray(SPECIAL)
        got = [float(v) for v in kernels["relu"](array)]
        for a, out in zip(SPECIAL, got):
            want = RELU.forward(a)
            assert math.copysign(1.0, out) == math.copysign(1.0, want) and (
                out == want or (out != out and want != want)), (name, a, out, want)


@settings(max_examples=60, derandomize=True)
@given(st.lists(st.floats(allow_nan=False), min_size=1, max_size=8))
def test_largest_is_the_largest_magnitude(xs):
    assert NUMPY["largest"](np.array(xs)) == max(abs(x) for x in xs)
    assert NUMPY["largest"](np.array(xs) > 0.0) == float(any(x > 0.0 for x in xs))
    assert math.isnan(NUMPY["largest"](np.array([*xs, math.nan])))


@settings(max_examples=60, derandomize=True)
@given(st.lists(st.floats(-1e-300, 1e-300) | finite | st.just(math.nan), min_size=1,
                max_size=6),
       st.floats(0.0, 1e10), st.booleans())
def test_kinked_flags_exactly_the_rows_within_the_reach_of_a_kink(xs, bound, per_entry):
    from autograd.ops import RELU

    # (NaN is near nothing: the comparisons say no, and the code's finite check refuses it)
    rows = np.array([xs, [1.0] * len(xs)])
    reach = np.full(rows.shape, bound) if per_entry else bound
    want = [any(abs(x) - TOLERANCE * bound <= 0.0 for x in xs), TOLERANCE * bound >= 1.0]
    for kernels, array in ((NUMPY, np.asarray), (STRICT, strict.asarray)):
        doubt = kernels["no_doubt"](2)
        doubt = kernels["kinked"](doubt, (RELU, None), (array(rows),),
                                  array(reach) if per_entry else reach)
        assert [bool(d) for d in doubt] == want


def test_kinked_refuses_a_bound_that_is_not_a_number():
    from autograd.ops import RELU

    for kernels, array in ((NUMPY, np.asarray), (STRICT, strict.asarray)):
        rows = array([[0.5, 1.0], [2.0, 3.0]])
        for bound in (math.nan, array([[1.0], [math.nan]])):
            with pytest.raises(FloatingPointError, match="not a number"):
                kernels["kinked"](kernels["no_doubt"](2), (RELU, None), (rows,), bound)
        doubt = kernels["kinked"](kernels["no_doubt"](2), (RELU, None), (rows,), math.inf)
        assert [bool(d) for d in doubt] == [True, True]  # no bound at all: every sample


@settings(max_examples=60, derandomize=True)
@given(st.integers(1, 4), st.integers(1, 4),
       st.lists(finite | st.just(math.nan) | st.just(-0.0), min_size=16, max_size=16),
       st.sampled_from([None, 0, 1, -1]), st.booleans())
def test_numpy_namespace_reductions_are_the_arrays_own(m, n, entries, axis, as_bool):
    from autograd.kernels import numpy_namespace

    xp = numpy_namespace()
    a = np.array(entries[:m * n]).reshape(m, n)
    if as_bool:
        a = a > 0.0
    for name in ("all", "any", "max", "min", "sum"):
        want, got = getattr(a, name)(axis), getattr(xp, name)(a, axis)
        assert type(got) is type(want) and np.array_equal(got, want, equal_nan=True), name
        assert np.array_equal(np.signbit(got), np.signbit(want)), name
    want, got = a.sum(axis, keepdims=True), xp.sum(a, axis=axis, keepdims=True)
    assert got.shape == want.shape and np.array_equal(got, want, equal_nan=True)


@settings(max_examples=60, derandomize=True)
@given(st.integers(1, 5), st.integers(1, 4), st.data())
def test_kinked_of_an_op_with_two_kinks_agrees_between_libraries(n, m, data):
    from autograd.ops import CLAMP

    # clamp(x, -1, 1) has its kinks at x = -1 and x = 1: rows near either are in doubt
    near = st.sampled_from([-1.0, 1.0, -1.0 + 1e-15, 1.0 - 1e-15, math.nan]) | finite
    rows = [data.draw(st.lists(near, min_size=m, max_size=m)) for _ in range(n)]
    bound = data.draw(st.floats(0.0, 1e3))
    got = [[bool(d) for d in kernels["kinked"](kernels["no_doubt"](n), (CLAMP, (-1.0, 1.0)),
                                               (array(rows),), bound)]
           for kernels, array in ((NUMPY, np.asarray), (STRICT, strict.asarray))]
    reach = TOLERANCE * bound
    assert got[0] == got[1] == [any(abs(x + 1.0) <= reach or abs(x - 1.0) <= reach
                                    for x in row) for row in rows]


@settings(max_examples=40, derandomize=True)
@given(st.integers(1, 4), st.integers(1, 5), st.data())
def test_stack_and_finite_agree_between_libraries(k, n, data):
    columns = [data.draw(st.lists(finite, min_size=n, max_size=n)) for _ in range(k)]
    out_numpy = NUMPY["stack"](*map(np.array, columns))
    out_strict = STRICT["stack"](*map(strict.asarray, columns))
    assert out_numpy.tolist() == [[float(out_strict[r, c]) for c in range(k)]
                                  for r in range(n)] == [list(row) for row in zip(*columns)]
    for kernels, array in ((NUMPY, np.asarray), (STRICT, strict.asarray)):
        kernels["finite"](*(array(c) for c in columns))  # finite numbers: no error
        for bad in (math.inf, -math.inf, math.nan):
            with pytest.raises(FloatingPointError, match="not finite"):
                kernels["finite"](*(array(c) for c in columns), array([*columns[0], bad]))
