"""autograd.jit: traced once per structure, the engine's numbers, gradients into .grad."""

import enum
import math
import random

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from random_functions import at_kink, fresh, functions, make, scale, tenths

from autograd import Value, compile, grad, jit, no_grad  # noqa: A004
from nn.functional import softmax
from nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_loss,
    logsumexp,
    mse_loss,
)

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


def test_a_number_read_out_of_the_graph_is_refused_at_the_first_call_with_other_numbers():
    # tracing fixes what .data reads: the code would give 3 * x at every call. The first
    # call with other numbers runs the function itself as well, and refuses the code
    w = Value(1.5)
    step = jit(lambda x: x * (w * x).data)
    assert step(2.0) == 2.0 * 3.0  # traced here: the code's own numbers, by construction
    assert step(2.0) == 6.0  # the same numbers: nothing to check yet
    with pytest.raises(TypeError, match=r"gives 9.0 for output 0 where <lambda> itself "
                                        r"gives 13.5.*\.data"):
        step(3.0)
    w.grad = 0.0
    with pytest.raises(TypeError, match=r"gives 9.0"):  # every later call too
        step(3.0)
    assert w.grad == 0.0  # and nothing was added


class Counted:
    """A function that counts its calls: after the trace and the first check, jit calls
    the code alone (a call of fn then means the code could not vouch for its numbers)."""

    def __init__(self, fn):
        self.fn, self.calls = fn, 0
        self.__name__ = "counted"

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


def eager(fn, *args, leaves=(), **kwargs):
    """fn's output and the gradients of the given leaves, as the engine computes them."""
    out = fn(*args, **kwargs)
    return out.data, grad(out, list(leaves), allow_unused=True)


def assert_close(a, b):
    assert a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14), (a, b)


# --- item 1: detach and no_grad inside a jitted function are computed at every call ---

def target_detached(w, x):
    return (w * x - (w * x).tanh().detach()) ** 2


def target_no_grad(w, x):
    with no_grad():
        t = (w * x).tanh()
    return (w * x - t) ** 2


@pytest.mark.parametrize("fn", [target_detached, target_no_grad])
def test_values_computed_without_gradient_are_computed_at_every_call(fn):
    # once frozen at the first call: step(2.0) gave 0.876 where the engine gives 0.460
    w = Value(0.8)
    counted = Counted(lambda x: fn(w, x))
    step = jit(counted)
    for x in (1.0, 2.0, -0.7, 3.5):
        w.grad = 0.0
        out = step(x)
        want, (g,) = eager(fn, w, x, leaves=[w])
        assert_close(out, want)
        assert_close(w.grad, g)  # no gradient through the detached target: 2(wx - t) x
    assert counted.calls == 2  # the trace, then the check at the first other number
    assert len(step.cache) == 1


# --- item 2: Python may not decide anything by a traced number; static arguments ---

def nll(w, y):
    return -(w.sigmoid().log()) if y == 1 else -((1 - w.sigmoid()).log())


def test_deciding_by_a_traced_number_is_refused_naming_the_argument():
    w = Value(0.3)
    uses = {
        "==": lambda w, y: w * 2.0 if y == 1 else w,
        "!=": lambda w, y: w * 2.0 if y != 1 else w,
        "in": lambda w, y: w * 2.0 if y in (1, 2) else w,
        "in a set": lambda w, y: w * 2.0 if y in {1, 2} else w,
        "a dict key": lambda w, y: w * {1: 2.0}.get(y, 1.0),
        "truth": lambda w, y: w * 2.0 if y else w,
        "int()": lambda w, y: w * int(y),
        "an index": lambda w, y: w * [1.0, 2.0][y],
        "a range bound": lambda w, y: sum((w for _ in range(y)), Value(0.0)),
        "an ordering": lambda w, y: w * 2.0 if y > 0 else w,
        "a computed ==": lambda w, y: w * 2.0 if y * 1.0 == 1 else w,
        "math": lambda w, y: w * math.sqrt(y),
        ".item()": lambda w, y: w * y.item(),
    }
    for what, fn in uses.items():
        with pytest.raises(TypeError, match=r"\by\b") as caught:
            jit(fn)(w, 1)
        assert "static_argnums" in str(caught.value), what
    # the case: a number argument chose the branch of y != 1
    with pytest.raises(TypeError, match=r"jit traces y as a number.*static"):
        jit(nll)(w, 1)
    assert w.grad == 0.0


def test_static_arguments_are_constants_keyed_by_value():
    w = Value(0.3)
    by_number = jit(nll, static_argnums=1)
    by_name = jit(nll, static_argnames="y")
    for step in (by_number, by_name):
        for y in (1, 0, 1):
            w.grad = 0.0
            out = step(w, y) if step is by_number else step(w, y=y)
            want, (g,) = eager(nll, w, y, leaves=[w])
            assert_close(out, want)
            assert_close(w.grad, g)
        assert len(step.cache) == 2  # traced once for y = 1, once for y = 0
    assert jit(nll, static_argnums=1)(w, 1) == pytest.approx(0.554355244468527)
    with pytest.raises(TypeError, match="static argument y must be hashable"):
        by_number(w, [1])
    with pytest.raises(ValueError, match="no parameter 'z'"):
        jit(nll, static_argnames="z")
    with pytest.raises(TypeError, match="non-negative ints"):
        jit(nll, static_argnums=-1)


def test_an_enum_flag_is_a_constant():
    class Mode(enum.IntEnum):
        TANH = 1
        SIGMOID = 2

    step = jit(lambda x, mode: x.tanh() if mode == Mode.TANH else x.sigmoid())
    x = Value(0.5)
    assert step(x, Mode.TANH) == math.tanh(0.5)
    assert step(x, Mode.SIGMOID) == 1.0 / (1.0 + math.exp(-0.5))
    assert len(step.cache) == 2


# --- item 4: under no_grad, outputs only, no gradient added ---

def test_a_call_under_no_grad_adds_no_gradient():
    p = Value(1.0)
    step = jit(lambda x: p * x)
    step(2.0)
    p.grad = 0.0
    with no_grad():
        assert step(3.0) == 3.0
    assert p.grad == 0.0
    # and no derivative is taken: this one has a value at 0, no derivative there
    root = jit(lambda x: (p * x) ** 0.5)
    with no_grad():
        assert root(4.0) == 2.0 and root(0.0) == 0.0
    assert p.grad == 0.0
    with pytest.raises(ZeroDivisionError):  # as the engine refuses with gradients
        root(0.0)


# --- item 5: the shift of every built-in loss is computed at run time ---

LOSSES = {
    "cross_entropy": lambda zs, t: cross_entropy(zs, 0),
    "cross_entropy, probabilities": lambda zs, t: cross_entropy(zs, [0.25, 0.75, 0.0]),
    "logsumexp": lambda zs, t: logsumexp(zs),
    "softmax": lambda zs, t: softmax(zs)[1] * 3.0 + softmax(zs)[2],
    "binary_cross_entropy_with_logits": lambda zs, t: binary_cross_entropy_with_logits(zs, [
        1.0, 0.0, 0.5]),
    "mse_loss": lambda zs, t: mse_loss(zs, [t, -t, 0.0]),
    "l1_loss": lambda zs, t: l1_loss(zs, [t, -t, 0.0]),
    "hinge_loss": lambda zs, t: hinge_loss(zs, [1, -1, 1]),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_built_in_loss_under_jit_at_extreme_logits(name):
    loss = LOSSES[name]
    w = [Value(1.0), Value(-0.5), Value(0.25)]

    def fn(s, t):
        return loss([wi * s for wi in w], t)

    counted = Counted(fn)
    step = jit(counted)
    for s in (1.0, 800.0, -800.0, 3.0, 1e4):  # exp(799) overflowed a frozen shift
        for v in w:
            v.grad = 0.0
        out = step(s, 2.0)
        want, grads = eager(fn, s, 2.0, leaves=w)
        assert_close(out, want)
        for v, g in zip(w, grads):
            assert_close(v.grad, g)
    assert counted.calls == 2  # the code gave every number: no call fell back to fn


# --- item 6: only the gradients returned are computed ---

def test_number_arguments_get_no_derivative_that_could_fail():
    x = Value(-2.0)
    assert jit(lambda x, n: x ** n)(x, 2) == 4.0  # no d(x^n)/dn at x < 0: not asked
    assert x.grad == -4.0
    w = Value(1.5)
    assert jit(lambda w, t: w * t ** 0.5)(w, 0.0) == 0.0  # d sqrt(t)/dt at 0: not asked
    assert w.grad == 0.0


# --- item 10: random functions, jitted and called as they are ---

def called(fn, args, leaves, grads=True):
    """fn(*args) and the gradients of the leaves, by the engine or by a jitted fn, or the
    type of the error raised."""
    for v in leaves:
        v.grad = 0.0
    try:
        if not grads:
            with no_grad():
                out = fn(*args)
            return (out.data if isinstance(out, Value) else out), [v.grad for v in leaves]
        out = fn(*args)
        if isinstance(out, Value):
            out.backward()
            out = out.data
    except (ArithmeticError, ValueError) as e:
        return type(e), None
    return out, [v.grad for v in leaves]


def on_a_kink(program, leaves, params, flag, rng, tries=40):
    """Numbers, of tenths, at which the engine puts the function on a kink, if any are found
    among a few random ones (None otherwise)."""
    numbers = program[1]
    for _ in range(tries):
        nums = [rng.randint(-10, 10) / 10 for _ in range(numbers)]
        try:
            out = make(program, fresh(params))(*fresh(leaves), *nums, flag)
        except (ArithmeticError, ValueError):
            continue
        if at_kink(out):
            return nums
    return None


@settings(max_examples=150)
@given(functions(), st.lists(st.tuples(st.lists(tenths, min_size=3, max_size=3), st.booleans(),
                                       st.booleans(), st.booleans()), min_size=2, max_size=5),
       st.lists(tenths, min_size=4, max_size=4), st.integers(0, 10**6))
def test_random_jitted_functions_equal_the_engine_or_both_refuse(program, calls, data, seed):
    # each call jitted and called as it is (numbers, Values, the static flag; with and without
    # grad mode), often at numbers that put one of its kinked ops on its kink
    values, numbers, captured, _ = program
    leaves, params = [Value(x) for x in data[:values]], [Value(x) for x in data[2:2 + captured]]
    step = jit(make(program, params), static_argnums=values + numbers)  # the flag is static
    rng = random.Random(seed)
    kinks = 0
    for nums, flag, grads, kinked in calls:
        nums = (kinked and on_a_kink(program, leaves, params, flag, rng)) or nums[:numbers]
        args = [*nums, flag]
        engine_leaves, engine_params = fresh(leaves), fresh(params)
        eager = make(program, engine_params)
        want, want_grads = called(eager, [*engine_leaves, *args], engine_leaves + engine_params,
                                  grads)
        got, got_grads = called(step, [*leaves, *args], leaves + params, grads)
        if want_grads is None:  # the engine refused: so must jit, with the same error
            assert got == want
            continue
        exact = at_kink(eager(*fresh(engine_leaves), *args))
        kinks += exact
        if exact:  # at a kink: the engine's numbers to the bit
            assert (got, got_grads) == (want, want_grads)
        else:
            size = scale([want, *want_grads])
            assert abs(got - want) <= 1e-12 * size, (got, want)
            for a, b in zip(got_grads, want_grads):
                assert abs(a - b) <= 1e-12 * scale([*want_grads]), (got_grads, want_grads)
    event(f"calls at a kink: {min(kinks, 2)}{'+' if kinks >= 2 else ''}")


def test_a_transformer_s_step_runs_as_vector_code_without_the_engine():
    # error bounds multiplied by each other once grew to 1e35 through rmsnorm and softmax:
    # every step of a jitted GPT then went to the scalar code (two to three times slower)
    from unittest import mock

    from autograd import Compiled
    from demos.gpt import GPT, one_hot_loss

    model = GPT(4, n_embd=8, n_head=2, block=6, rng=random.Random(1))
    step = jit(lambda inputs, targets: one_hot_loss(model, inputs, targets))

    def rows(ids):
        return [[1.0 if j == i else 0.0 for j in range(4)] for i in ids]

    step(rows([3, 0, 1]), rows([0, 1, 3]))  # traced
    step(rows([3, 2, 2]), rows([2, 2, 3]))  # checked against the engine
    scalar = Compiled._scalar_sample
    with mock.patch.object(Compiled, "_scalar_sample", autospec=True,
                           side_effect=scalar) as engine_order:
        for ids in ([3, 1, 0], [3, 0, 0], [3, 2, 1]):
            step(rows(ids), rows([*ids[1:], 3]))
    assert engine_order.call_count == 0


def test_where_the_vector_code_cannot_vouch_the_scalar_code_answers():
    # one sample's outputs were floats there where arrays were read: TypeError
    from unittest import mock

    from autograd import Compiled

    w = Value(0.5)
    step = jit(lambda x: (w * x).tanh())
    step(1.0)
    with mock.patch.object(Compiled, "_vector_batch", return_value=None):
        w.grad = 0.0
        assert step(2.0) == math.tanh(1.0)
        assert w.grad == grad((w * 2.0).tanh(), [w])[0]


# --- found by a review of the above: each a silent wrong number or a wrong refusal ---

def test_a_value_passed_and_read_from_elsewhere_is_checked_as_one():
    # its gradient arrives in two slots of the code; the check compared one slot with the
    # engine's total, and refused a correct function
    w0 = Value(2.0)
    step = jit(lambda v, x: v * w0 * x)
    step(w0, 1.0)
    w0.data, w0.grad = 3.0, 0.0
    assert step(w0, 1.0) == 9.0 and w0.grad == 6.0  # d(w0^2)/dw0


def test_a_static_zero_and_a_negative_zero_are_two_keys():
    step = jit(lambda x, s: x * math.copysign(1.0, s), static_argnums=1)
    x = Value(1.5)
    assert step(x, 0.0) == 1.5 and step(x, -0.0) == -1.5  # 0.0 == -0.0 once shared a key
    assert len(step.cache) == 2


def test_a_data_read_of_a_parameter_is_refused_when_the_parameters_change():
    # checked once with other numbers but the same parameters, the frozen P.data passed
    p = Value(1.0)
    step = jit(lambda x: p * x * (1.0 if p.data > 0 else -1.0))
    assert step(1.0) == 1.0 and step(2.0) == 2.0
    p.data = -1.0
    with pytest.raises(TypeError, match=r"gives -3.0 for output 0 where <lambda> itself "
                                        r"gives 3.0"):
        step(3.0)


def test_integers_are_checked_at_their_first_call():
    # Python computes with an int exactly, the code with a float: n*n - (n*n - 1) is 1 for
    # n = 10**8 in Python, 0.0 in floats; the first call was trusted without a check
    v = Value(1.0)

    def f(v, n):
        return v * (n * n - (n * n - 1))

    with pytest.raises(TypeError, match=r"gives 0\.0 for output 0 where f itself gives 1\.0"):
        jit(f)(v, 10**8)
    assert jit(f)(v, 3) == 1.0  # where floats are exact, the same numbers


@pytest.mark.parametrize("batch", [False, True])
def test_a_sum_that_cancels_to_zero_before_a_division_raises_as_the_engine_does(batch):
    # bias first, the engine's sum is exactly 0.0 and 1 / 0 raises; NumPy adds the bias
    # last, got 2.8e-17 and returned 3.6e16 with gradients of -1.3e33: a pole, like a kink,
    # is handed to the engine's order of operations
    p = [Value(0.1), Value(0.6), Value(-0.7)]

    def f(a, c):
        return 1.0 / (p[0] + p[1] * a + p[2] * c)

    with pytest.raises(ZeroDivisionError):
        f(1.0, 1.0)
    if batch:
        np = pytest.importorskip("numpy")
        a, c = Value(0.0, label="a"), Value(0.0, label="c")
        compiled = compile(f(a, c), [a, c], p)
        with pytest.raises(ZeroDivisionError):
            compiled([np.array([2.0, 1.0]), np.array([1.0, 1.0])])
        return
    step = jit(f)
    step(2.0, 1.0)
    step(3.0, 1.0)
    with pytest.raises(ZeroDivisionError):
        step(1.0, 1.0)


def test_a_variance_that_rounds_to_nearly_zero_takes_the_engine_s_numbers():
    # sqrt has no finite derivative at 0: near it a sum's rounding moved the result by half
    p = Value(1.0, label="p")

    def std(xs):
        xs = [x * p for x in xs]
        n = len(xs)
        return (sum(x * x for x in xs) / n - (sum(xs) / n) ** 2).sqrt()

    step = jit(std)
    step([0.1 * k for k in range(10)])
    step([0.2 * k for k in range(10)])
    for xs in ([1.1] * 10, [0.01] * 12):
        p.grad = 0.0
        got = step(xs)
        out = std(xs)
        assert (got, p.grad) == (out.data, grad(out, [p])[0])


@pytest.mark.parametrize("batch", [False, True])
def test_a_product_of_two_values_rounded_to_zero_is_handed_to_the_engine(batch):
    # z is 0.0 in NumPy's order and 5.55e-17 in the engine's: the first-order bound of z*z
    # (2|z| times z's) was 0, so relu(z*z - p) was not doubted; the errors' product counts
    b, w1, w2, p = Value(-1.0), Value(0.8), Value(0.2), Value(1e-34)

    def f(x1, x2):
        z = b + w1 * x1 + w2 * x2
        return (z * z - p).relu()

    out = f(1.0, 1.0)
    want = (out.data, grad(out, [b, w1, w2, p]))
    assert want[1][3] == -1.0
    if batch:
        np = pytest.importorskip("numpy")
        x1, x2 = Value(0.0, label="x1"), Value(0.0, label="x2")
        compiled = compile(f(x1, x2), [x1, x2], [b, w1, w2, p])
        result = compiled([np.array([1.0, 0.5]), np.array([1.0, 3.0])], reduction="sum")
        assert result.outputs[0][0] == want[0]
        return
    step = jit(f)
    step(0.5, 3.0)
    for v in (b, w1, w2, p):
        v.grad = 0.0
    assert (step(1.0, 1.0), [v.grad for v in (b, w1, w2, p)]) == want


def test_a_gradient_whose_terms_cancel_is_checked_to_the_size_of_its_terms():
    # sigmoid(0) - 1 + sigmoid(0) - 0 + sigmoid(0) - 0.5: the engine's 0.0 is the vector
    # code's -5.6e-17, which the check took for a frozen number (its scale was the
    # gradients', 0) and refused a correct function
    p = Value(0.0)

    def f(x):
        return binary_cross_entropy_with_logits([p, p, p], [1.0, 0.0, 0.5]) + x * 0.0

    step = jit(f)
    step(0.0)
    p.grad = 0.0
    assert step(0.1) == f(0.1).data and abs(p.grad) < 1e-15
