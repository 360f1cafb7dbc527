"""Value and backward: construction, operators, accumulation, higher order, no_grad, errors."""

import copy
import json
import math
import os
import pathlib
import pickle
import subprocess
import sys
import threading

import pytest

import autograd
from autograd import (
    Value,
    add_gradients,
    dot,
    enable_grad,
    grad,
    gradients,
    is_grad_enabled,
    maximum,
    no_grad,
    ops,
    zero_grad,
)
from autograd import sum as vsum
from autograd.engine import toposort


def test_the_readme_example():
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    y = (x * w + 1).tanh() + x**2 / w.exp()
    y.backward()
    t = math.tanh(2.0 * -3.0 + 1)
    assert y.data == pytest.approx(t + 4.0 / math.exp(-3.0), rel=1e-15)
    assert x.grad == pytest.approx((1 - t * t) * -3.0 + 4.0 / math.exp(-3.0), rel=1e-13)
    assert w.grad == pytest.approx((1 - t * t) * 2.0 - 4.0 / math.exp(-3.0), rel=1e-13)


# --- construction ---

def test_value_holds_a_float_a_zero_grad_and_a_label():
    v = Value(3, label="v")
    assert type(v.data) is float and v.data == 3.0
    assert type(v.grad) is float and v.grad == 0.0
    assert v.label == "v" and v.op is ops.LEAF and v.parents == ()
    assert Value(True).data == 1.0


@pytest.mark.parametrize("bad", ["3", None, 1 + 2j, [1.0], Value(1.0)])
def test_non_numbers_are_refused_with_their_type_named(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_label_must_be_text():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


def test_slots_catch_attribute_typos():
    v = Value(1.0)
    with pytest.raises(AttributeError):
        v.gard = 1.0


def test_repr_shows_data_grad_and_label():
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"
    assert repr(Value(1.5, label="x")) == "Value(data=1.5, grad=0.0, label='x')"


def test_values_hash_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert len({a, b, a}) == 2
    assert {a: 1, b: 2}[b] == 2
    assert a.item() == 1.0


def test_a_value_is_equal_only_to_itself_whatever_the_other_says():
    class Agreeable:
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    a = Value(1.0)
    assert (a == Agreeable()) is False and (a == 1.0) is False and (a != a) is False
    assert [a, Value(1.0)] != [a, Agreeable()]  # lists of Values compare by identity
    with pytest.raises(TypeError, match="must not redefine == or hash"):
        class Elementwise(Value):
            def __eq__(self, other):
                return self - other

    class Named(Value):  # a subclass that leaves == alone is fine
        __slots__ = ()

    assert Named(2.0) != Named(2.0)


# --- operators ---

def test_numbers_on_either_side_become_constants():
    x = Value(3.0)
    cases = {"x + 2": (x + 2, 5.0), "2 + x": (2 + x, 5.0), "x - 2": (x - 2, 1.0),
             "2 - x": (2 - x, -1.0), "x * 2": (x * 2, 6.0), "2 * x": (2 * x, 6.0),
             "x / 2": (x / 2, 1.5), "2 / x": (2 / x, 2 / 3), "x ** 2": (x**2, 9.0),
             "2 ** x": (2**x, 8.0), "-x": (-x, -3.0), "abs(-x)": (abs(-x), 3.0)}
    for name, (v, expected) in cases.items():
        assert isinstance(v, Value), name
        assert v.data == expected, name


def test_numbers_are_kept_in_the_node_and_keep_argument_order():
    x = Value(3.0)
    d = 2 - x  # (-x) + 2: no constant node
    (negx,) = d.parents
    assert d.op is ops.ADD_SCALAR and d.param == 2.0 and d.data == -1.0
    assert negx.op is ops.NEG and negx.parents == (x,)
    q = 2 / x
    assert q.op is ops.RDIV and q.parents == (x,) and q.param == 2.0 and q.data == 2 / 3
    assert (x / 2).op is ops.DIV_SCALAR and (x / 2).data == 1.5
    assert (x * 2).op is (2 * x).op is ops.MUL_SCALAR
    assert (x ** 2).op is ops.POWC and (2 ** x).op is ops.RPOW
    top = maximum(x, 2.0)  # ops without a number form still lift it into a constant node
    assert top.parents[1].op is ops.CONST and top.parents[1].data == 2.0


def test_subtraction_and_division_round_exactly_like_floats():
    a, b = 0.1, 0.3
    assert (Value(a) - Value(b)).data == a - b
    assert (Value(a) / Value(b)).data == a / b
    assert (a / Value(b)).data == a / b


def test_pow_with_a_value_exponent_and_a_number_exponent():
    x, y = Value(2.0), Value(3.0)
    p = x**y
    assert p.op is ops.POW and p.data == 8.0
    q = x**3
    assert q.op is ops.POWC and q.param == 3 and q.parents == (x,)
    assert (x**y).parents == (x, y)
    assert (Value(-2.0) ** 2).data == 4.0
    assert (Value(-2.0) ** 3).data == -8.0


def test_leaky_relu_keeps_its_slope_as_a_parameter():
    v = Value(-2.0).leaky_relu(0.1)
    assert v.data == pytest.approx(-0.2) and v.param == 0.1
    assert Value(-2.0).leaky_relu().data == pytest.approx(-0.02)
    with pytest.raises(TypeError, match="slope"):
        Value(1.0).leaky_relu("0.1")


def test_operands_of_the_wrong_type_name_their_type():
    x = Value(1.0)
    for bad in ("a", None, [1.0], 1j):
        with pytest.raises(TypeError, match=type(bad).__name__):
            x + bad
        with pytest.raises(TypeError, match=type(bad).__name__):
            x * bad
        with pytest.raises(TypeError):
            bad * x
        with pytest.raises(TypeError):
            x**bad


def test_stable_sigmoid_and_softplus_for_large_inputs():
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(-745.0).sigmoid().data > 0.0
    assert Value(1000.0).softplus().data == 1000.0
    assert Value(-1000.0).softplus().data == 0.0
    assert Value(-30.0).softplus().data == pytest.approx(math.exp(-30.0), rel=1e-12)
    s = Value(-800.0)
    s.sigmoid().backward()
    assert s.grad == 0.0


# --- backward ---

def test_reused_value_gets_the_sum_of_its_contributions():
    a = Value(3.0)
    y = a * a
    assert y.parents == (a, a)  # ordered, with both edges kept
    y.backward()
    assert a.grad == 6.0
    b = Value(2.0)
    z = b + b + b
    z.backward()
    assert b.grad == 3.0


def test_diamond_adds_both_paths():
    x = Value(0.5)
    h = x.exp()
    y = h.sin() * h.cos()  # d/dx = cos(2h) * h
    y.backward()
    e = math.exp(0.5)
    assert x.grad == pytest.approx(math.cos(2 * e) * e, rel=1e-13)
    assert h.grad == pytest.approx(math.cos(2 * e), rel=1e-13)


def test_repeated_backward_accumulates_like_pytorch():
    x = Value(2.0)
    y = x * 3.0
    z = y * 2.0
    z.backward()
    z.backward()
    assert x.grad == 12.0  # 6 + 6, not 6 + 18: intermediate grads are not fed back
    assert y.grad == 4.0 and z.grad == 2.0
    zero_grad([x, y, z])
    assert x.grad == y.grad == z.grad == 0.0
    z.backward()
    assert x.grad == 6.0


def test_gradients_of_many_values_are_read_added_and_zeroed_together():
    xs = [Value(float(i)) for i in range(3)]
    xs[1].grad = 0.25
    add_gradients([*xs, xs[0]], [1.0, 2.0, 3.0, 0.5])  # xs[0] twice: both added
    assert gradients(xs) == [1.5, 2.25, 3.0]
    zero_grad(iter(xs))
    assert gradients(xs) == [0.0, 0.0, 0.0]
    (g,) = grad(xs[2] * xs[2], [xs[2]], create_graph=True)
    add_gradients([xs[2]], [g])  # a gradient that is a graph replaces a plain 0.0, as in
    assert xs[2].grad is g  # backward(create_graph=True)
    add_gradients([xs[0]], [True])
    assert xs[0].grad == 1.0


@pytest.mark.parametrize("values, grads, error, named", [
    ([Value(1.0)], [1.0, 2.0], ValueError, "1 values and 2 gradients"),
    ([Value(1.0), 2.0], [1.0, 2.0], TypeError, "value 1 is a float"),
    ([Value(1.0), Value(2.0)], [1.0, "2"], TypeError, "gradient 1 is a str"),
    ([Value(1.0)], [None], TypeError, "gradient 0 is a NoneType")])
def test_add_gradients_refuses_bad_input_and_changes_nothing(values, grads, error, named):
    before = [v.grad for v in values if isinstance(v, Value)]
    with pytest.raises(error, match=named):
        add_gradients(values, grads)
    assert [v.grad for v in values if isinstance(v, Value)] == before
    with pytest.raises(TypeError, match="value 0 is a str"):
        gradients(["x"])
    with pytest.raises(TypeError, match="value 1 is a NoneType"):
        zero_grad([Value(1.0), None])


def test_add_gradients_that_overflow_add_none():
    a, x = Value(1.0), Value(2.0)
    x.grad = Value(1.5e308)  # a gradient that is a graph: adding to it makes a node
    with pytest.raises(OverflowError):
        add_gradients([a, x], [1.0, 1.5e308])
    assert a.grad == 0.0 and x.grad.data == 1.5e308


def test_a_grad_can_be_deleted_as_an_attribute():
    x = Value(1.0)
    del x.grad
    with pytest.raises(AttributeError):
        print(x.grad)
    x.grad = 2.0
    assert x.grad == 2.0


def test_backward_with_a_given_gradient():
    x = Value(2.0)
    (x * x).backward(gradient=0.5)
    assert x.grad == 2.0
    with pytest.raises(TypeError, match="str"):
        (x * x).backward(gradient="1")


def test_million_op_chain_has_no_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_gradients_of_unused_leaves_stay_zero():
    a, b = Value(1.0), Value(2.0)
    (a * 3.0).backward()
    assert b.grad == 0.0


# --- grad() and higher order ---

def test_grad_returns_gradients_and_leaves_dot_grad_alone():
    x, y = Value(2.0), Value(5.0)
    x.grad = 7.0
    f = x * y + x
    gx, gy = grad(f, [x, y])
    assert (gx, gy) == (6.0, 2.0)
    assert x.grad == 7.0 and y.grad == 0.0 and f.grad == 0.0


def test_grad_of_several_outputs_sums_them_weighted_by_grad_outputs():
    x = Value(3.0)
    (g,) = grad([x * x, x * 2.0], [x], grad_outputs=[1.0, 10.0])
    assert g == 2 * 3.0 + 10 * 2.0
    with pytest.raises(ValueError, match="grad_outputs"):
        grad([x * x, x], [x], grad_outputs=[1.0])


def test_grad_refuses_unused_inputs_unless_allowed():
    x, unused = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="input 1"):
        grad(x * 2.0, [x, unused])
    assert grad(x * 2.0, [x, unused], allow_unused=True) == [2.0, 0.0]
    with pytest.raises(TypeError, match="float"):
        grad(x, [1.0])


def test_second_and_third_derivatives():
    x = Value(0.7)
    y = x.sin() * x**3
    (d1,) = grad(y, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    s, c, v = math.sin(0.7), math.cos(0.7), 0.7
    assert d1.data == pytest.approx(c * v**3 + 3 * v**2 * s, rel=1e-13)
    assert d2.data == pytest.approx(-s * v**3 + 6 * v**2 * c + 6 * v * s, rel=1e-13)
    assert d3 == pytest.approx(-c * v**3 - 9 * v**2 * s + 18 * v * c + 6 * s, rel=1e-12)


def test_mixed_second_derivative():
    x, y = Value(1.5), Value(-0.5)
    f = (x * y).exp()
    (gx,) = grad(f, [x], create_graph=True)
    (gxy,) = grad(gx, [y])
    e = math.exp(-0.75)
    assert gxy == pytest.approx(e * (1 + 1.5 * -0.5), rel=1e-13)  # d/dy (y e^xy)


def test_backward_with_create_graph_stores_differentiable_gradients():
    x = Value(3.0)
    y = x**3
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 27.0
    (d2,) = grad(x.grad, [x])
    assert d2 == 18.0


# --- no_grad and detach ---

def test_no_grad_records_nothing_and_restores_itself():
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = x * x + 1
        with enable_grad():
            z = x * x
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert y.data == 5.0 and y.op is ops.LEAF and y.parents == ()
    assert z.parents == (x, x)


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) / 0.0
    assert is_grad_enabled()


def test_no_grad_works_as_a_decorator():
    @no_grad()
    def predict(v):
        return v * 2.0

    assert predict(Value(1.0)).parents == ()
    assert is_grad_enabled()


def test_no_grad_is_per_thread():
    seen = {}

    def other_thread():
        seen["enabled"] = is_grad_enabled()
        seen["parents"] = len((Value(1.0) * 2.0).parents)

    with no_grad():
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
        assert (Value(1.0) * 2.0).parents == ()
    assert seen == {"enabled": True, "parents": 1}


def test_detach_cuts_the_graph():
    x = Value(2.0, label="x")
    y = x * x
    d = y.detach()
    assert d.data == 4.0 and d.parents == () and d is not y
    (d * x).backward()
    assert x.grad == 4.0  # only through the direct use of x


# --- errors ---

@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda: Value(-1.0).log(), ValueError, "log(-1.0)"),
    (lambda: Value(0.0).log(), ValueError, "log(0.0)"),
    (lambda: Value(-4.0).sqrt(), ValueError, "sqrt(-4.0)"),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, "pow(0.0, -1.0)"),
    (lambda: Value(-8.0) ** (1 / 3), ValueError, "pow(-8.0"),
    (lambda: Value(1.0) / 0, ZeroDivisionError, "div(1.0, 0.0)"),
    (lambda: Value(800.0).exp(), OverflowError, "exp(800.0)"),
    (lambda: Value(1e300) * 1e300, OverflowError, "mul(1e+300, 1e+300)"),
    (lambda: Value(10.0) ** 400, OverflowError, "pow(10.0, 400.0)"),
    # a long argument list is cut short: six values, then how many there were
    (lambda: dot([1e300] * 20, [1e300] * 20), OverflowError,
     "dot(0.0, 1e+300, 1e+300, 1e+300, 1e+300, 1e+300, ... (41 arguments))"),
])
def test_domain_errors_name_the_op_and_value(make, error, words):
    with pytest.raises(error) as info:
        make()
    assert words in str(info.value)


def test_nan_and_inf_put_in_by_the_user_propagate():
    assert math.isnan((Value(math.nan) * 2.0).data)
    assert math.isnan(Value(math.nan).relu().data)
    assert (Value(math.inf) + 1.0).data == math.inf


def test_backward_through_an_infinite_derivative_raises_and_changes_no_grad():
    x = Value(0.0)
    y = Value(2.0)
    z = x.sqrt() + y * y
    with pytest.raises(ZeroDivisionError, match=r"sqrt\(0.0\)"):
        z.backward()
    assert x.grad == 0.0 and y.grad == 0.0 and z.grad == 0.0


def test_derivative_of_pow_in_the_exponent_needs_a_positive_base():
    a, b = Value(-2.0), Value(2.0)
    p = a**b
    assert p.data == 4.0
    with pytest.raises(ValueError, match="with respect to b"):
        p.backward()
    z, e = Value(0.0), Value(2.0)
    assert grad(z**e, [z, e]) == [0.0, 0.0]


def test_create_graph_builds_the_graph_even_inside_no_grad():
    a = Value(3.0)
    y = a * a * a
    with no_grad():
        (dy,) = grad(y, [a], create_graph=True)  # as torch.autograd.grad does
        assert not is_grad_enabled()
    assert dy.data == 27.0 and dy.op is not ops.LEAF
    assert grad(dy, [a]) == [18.0]


@pytest.mark.parametrize(("base", "y", "dy"), [(0.0, 0.5, 0.0), (0.0, 2.0, 0.0),
                                               (2.0, 3.0, 8.0 * math.log(2.0))])
def test_a_number_base_needs_no_derivative_of_its_own(base, y, dy):
    x = Value(y)
    out = base**x
    assert out.op is ops.RPOW and out.parents == (x,) and out.param == base
    out.backward()  # d/d(base) would be y * 0 ** (y - 1): never computed
    assert x.grad == pytest.approx(dy, rel=1e-15)


def test_math_functions_refuse_a_value_and_point_to_its_own_ops():
    v = Value(2.0)
    with pytest.raises(TypeError, match=r"v\.exp\(\)"):
        v * math.exp(v)  # would quietly make exp(v) a constant: gradient 7.39, not 14.78
    with pytest.raises(TypeError, match=r"v\.item\(\)"):
        float(v)
    assert v.item() == 2.0 and type(v.item()) is float
    y = v * v.exp()
    y.backward()
    assert v.grad == pytest.approx(3.0 * math.exp(2.0), rel=1e-15)


INF, NAN = math.inf, math.nan


@pytest.mark.parametrize(("make", "expected"), [
    (lambda: Value(2.0) ** INF, INF),
    (lambda: Value(0.5) ** NAN, NAN),
    (lambda: Value(NAN).leaky_relu(), NAN),
    (lambda: Value(-1.0).leaky_relu(INF), -INF),
    (lambda: vsum([INF, -INF]), NAN),
    (lambda: Value(INF).sin(), NAN),
    (lambda: Value(-INF).cos(), NAN),
    (lambda: Value(-INF).log(), NAN),
    (lambda: Value(-INF).sqrt(), NAN),
    (lambda: Value(INF) / 0.0, INF),
    (lambda: Value(-INF) / 0.0, -INF),
    (lambda: Value(NAN) / 0.0, NAN),
    (lambda: 2.0 ** Value(-INF), 0.0),
    (lambda: Value(INF) - Value(INF), NAN),
])
def test_nan_and_infinity_put_in_follow_ieee_754(make, expected):
    out = make()
    assert (math.isnan(out.data) if math.isnan(expected) else out.data == expected)
    out.backward()  # derivatives there follow IEEE 754 too: NaN where undefined, no error


def test_a_derivative_that_overflows_is_infinite_as_with_division():
    x, y = Value(1e-300), Value(1e-300)
    (x**-1).backward()
    (1 / y).backward()
    assert x.grad == y.grad == -INF


def test_order_truth_and_format_read_the_data_as_pytorch_does():
    a, b = Value(1.0), Value(2.5)
    assert a < b and a <= b and b > a and b >= a and a < 2 and 3 > a and not a > 1.0  # noqa: SIM300
    assert max(a, b) is b and min(a, b) is a and sorted([b, a]) == [a, b]
    assert a == a and a != Value(1.0)  # identity: Values hash by identity
    assert bool(a) and not Value(0.0) and not Value(-0.0) and bool(Value(math.nan))
    assert f"{b:.3f}" == "2.500" and f"{b:e}" == "2.500000e+00" and f"{b}" == repr(b)
    with pytest.raises(TypeError, match="compares with Values and real numbers, not str"):
        a < "b"  # noqa: B015


def test_create_graph_gradients_accumulate_even_when_zero():
    x = Value(0.0)
    (x * x).backward(create_graph=True)  # d/dx = 2x: a Value whose data is 0.0
    first = x.grad
    assert isinstance(first, Value) and first.data == 0.0
    (x * x).backward(create_graph=True)
    assert x.grad is not first and grad(x.grad, [x]) == [4.0]  # both 2x terms, kept


def test_one_undefined_partial_leaves_the_others_alone():
    a, b = Value(-math.inf), Value(2.0)
    (da, db) = grad(a**b, [a, b])
    assert da == -math.inf and math.isnan(db)  # 2 a, and a^2 log a (log -inf is NaN)


CORE_PATH = """
import json
import sys
from autograd import Value, fast_enabled
def run(a, b):
    c = a * b + a
    c.backward()
run(Value(2.0), Value(-3.0))  # warm-up
files = set()
def tracer(frame, event, arg):
    files.add(frame.f_code.co_filename)
    return tracer
a, b = Value(2.0), Value(-3.0)
sys.settrace(tracer)
run(a, b)
sys.settrace(None)
print(json.dumps([fast_enabled(), [a.grad, b.grad], sorted(f for f in files if f != "<string>")]))
"""


def test_the_core_alone_runs_a_backward_pass_in_three_short_files():
    # with the speed layer left out, c = a * b + a; c.backward() runs the core's three files:
    # Value, the op table (where mul's derivative is) and the backward pass, 700 lines in all
    env = dict(os.environ, CHAINRULE_FAST="0")
    done = subprocess.run([sys.executable, "-c", CORE_PATH], capture_output=True, text=True,
                          env=env, check=True)
    fast, grads, paths = json.loads(done.stdout)
    assert fast is False and grads == [-2.0, 2.0]
    core = pathlib.Path(autograd.__file__).parent / "core"
    assert [pathlib.Path(p).name for p in paths] == ["backward.py", "ops.py", "value.py"]
    assert all(pathlib.Path(p).parent == core for p in paths)
    assert sum(len(pathlib.Path(p).read_text().splitlines()) for p in paths) <= 700
    mul_rule = next(line for line in (core / "ops.py").read_text().splitlines()
                    if line.startswith("MUL = "))
    assert "(x[1], x[0])" in mul_rule  # d(ab)/da = b, d(ab)/db = a, written once


BOTH_MODES = """
import random
from autograd import Value, dot, neuron, sum as vsum
import nn

rng = random.Random(7)
xs = [[Value(rng.uniform(-2, 2)) for _ in range(3)] for _ in range(8)]
model = nn.MLP(3, [8, 8, 1], rng=random.Random(1))
ws = [Value(rng.uniform(-1, 1)) for _ in range(3)]
b = Value(0.1)
losses = []
for x, t in zip(xs, [1, -1] * 4):
    # micrograd's way (products fused into sums by the speed layer), nn's layers, the ops
    hand = sum((w * xi for w, xi in zip(ws, x)), b).tanh()
    loss = (1 + -t * model(x)).relu() + (hand - t) ** 2 + dot(ws, x).sigmoid() * 0.5
    loss = loss + neuron(ws, x, b, "softplus") / (x[0] * x[0] + 1.0) + vsum(x).exp().log1p()
    # one fused sum with each input in many terms: it adds as its unfused sums would
    loss = loss + sum((xi * xj for xi in x for xj in x), x[0]) * 0.01
    losses.append(loss)
total = sum(losses) * (1.0 / len(losses))
total.backward()
for v in [total, *model.parameters(), *ws, b, *(xi for x in xs for xi in x)]:
    print(v.data.hex(), v.grad.hex())
"""


def test_the_speed_layer_and_the_core_give_the_same_floats():
    # a differential test of the whole speed layer: the same program run with it and with
    # the core alone prints every value and gradient in hexadecimal, equal to the last bit
    runs = [subprocess.run([sys.executable, "-c", BOTH_MODES], capture_output=True, text=True,
                           env=dict(os.environ, CHAINRULE_FAST=mode), check=True).stdout
            for mode in ("1", "0")]
    assert runs[0] == runs[1] and len(runs[0].splitlines()) > 100


LEFT_OUT = """
import sys
import autograd, nn
from autograd import Value, compile, jit
from autograd.views import draw
x = Value(1.5)
y = (x * x).tanh()
compile(y, [x])([2.0])
jit(lambda v: v * v)(x)
print(autograd.fast_enabled(), sorted(m for m in sys.modules if m.startswith("autograd.fast")))
"""


def test_chainrule_fast_0_leaves_the_speed_layer_unimported():
    # as _pydecimal stands without _decimal: nothing of autograd/fast is imported, so its
    # interpreter probe never runs
    out = subprocess.run([sys.executable, "-c", LEFT_OUT], capture_output=True, text=True,
                         env=dict(os.environ, CHAINRULE_FAST="0"), check=True).stdout
    assert out.split() == ["False", "[]"]


def test_computed_values_pickle_and_deepcopy_with_their_graph():
    a, b = Value(2.0, label="a"), Value(-3.0)
    c = ((a * b + a).tanh() * 2.0 + maximum(a, b) + vsum([a, b]).relu()).clamp(-5.0, 5.0)
    c.backward()
    for copied in (pickle.loads(pickle.dumps([a, c])), copy.deepcopy([a, c])):
        a2, c2 = copied
        old, new = toposort([c]), toposort([c2])
        assert [(v.op, v.data, v.grad, v.label, v.param) for v in old] == [
            (v.op, v.data, v.grad, v.label, v.param) for v in new]
        assert a2 in new and not set(old) & set(new)  # a copy, and its a is the same Value
        c2.backward()  # a graph that works: gradients add as on the original
        assert a2.grad == 2 * a.grad


def test_a_deep_graph_pickles_without_recursion():
    x = Value(0.5)
    y = x
    for _ in range(5 * sys.getrecursionlimit()):
        y = y * 1.0001 + 0.25
    for z in (pickle.loads(pickle.dumps(y)), copy.deepcopy(y)):
        assert z.data == y.data and len(toposort([z])) == len(toposort([y]))
