"""autograd.primitive: an op a user defines goes through every path the table's ops do."""

import math
import pickle
import random

import pytest

import autograd
import nn
from autograd import (
    GradcheckError,
    Value,
    compile,  # noqa: A004
    grad,
    gradcheck,
    gradgradcheck,
    jit,
    primitive,
)
from autograd.engine import toposort
from autograd.views.draw import draw


# d softsign(a)/da = 1 / (1 + |a|)^2
@primitive(lambda m, out, x, k: (1.0 / (1.0 + abs(x[0])) ** 2,))
def softsign(a):
    """a / (1 + |a|): a tanh-like curve with polynomial tails."""
    return a / (1.0 + abs(a))


# d swish(a)/da = s(a) + a s(a) (1 - s(a)), s the sigmoid; with a slope parameter beta
@primitive(lambda m, out, x, k: (m.sigmoid(k * x[0]) * (1.0 + k * x[0] * (1.0 - m.sigmoid(
    k * x[0]))),), param="beta")
def swish(a, beta):
    return a * autograd.ops.FLOAT_MATH.sigmoid(beta * a)


# the rule's mistake: the derivative of a / (1 + |a|) is not 1 / (1 + |a|)
@primitive(lambda m, out, x, k: (1.0 / (1.0 + abs(x[0])),))
def wrong_softsign(a):
    return a / (1.0 + abs(a))


def loss(x, y):
    return (softsign(x * y) + swish(x, beta=1.5)) * y


def test_a_user_op_runs_through_backward_second_derivatives_and_gradcheck():
    x, y = Value(0.7), Value(-1.3)
    out = loss(x, y)
    out.backward()
    u = 0.7 * -1.3
    assert out.op.name == "mul" and softsign(x * y).op is softsign.op
    assert softsign(x * y).data == u / (1.0 + abs(u))
    assert gradcheck(loss, [0.7, -1.3]) and gradgradcheck(loss, [0.7, -1.3])
    (gx,) = grad(loss(x, y), [x], create_graph=True)
    (gxx,) = grad(gx, [x])  # a second derivative through both rules run on Values
    assert isinstance(gx, Value) and math.isfinite(gxx)


def test_a_rule_that_branches_is_compiled_as_calls_of_the_rule():
    @primitive(lambda m, out, x, k: (1.0 if x[0] > 0 else 0.25,))
    def kinked(a):
        return a if a > 0 else 0.25 * a

    x = Value(0.0, label="x")
    f = compile(kinked(x) * 3.0, [x])
    assert "partial_('kinked', 0, " in f.source  # its rule, run at run time
    np = pytest.importorskip("numpy")
    batch = f([np.array([-1.5, 2.0])])  # the rule element by element on arrays
    for i, a in enumerate((-1.5, 2.0)):
        xa = Value(a)
        (kinked(xa) * 3.0).backward()
        assert f([a]).input_grads == [xa.grad] and batch.input_grads[0][i] == xa.grad


def test_a_wrong_rule_is_caught_by_gradcheck_naming_the_op():
    with pytest.raises(GradcheckError, match=r"derivative rule of op 'wrong_softsign' gives "):
        gradcheck(lambda a: wrong_softsign(a) * 2.0, [0.5])


def test_compiled_code_and_jit_give_the_engine_s_numbers():
    points = [(0.7, -1.3), (-2.0, 0.25), (0.0, 3.0)]
    x, y = Value(0.0, label="x"), Value(0.0, label="y")
    f = compile(loss(x, y), [x, y])
    # the forward calls the user's function; the derivatives are the rules run on symbols
    assert "user_softsign(" in f.source and "sigmoid(1.5 * x)" in f.source
    np = pytest.importorskip("numpy")
    batch = f([np.array(column) for column in zip(*points)])  # NumPy vector code
    jitted = jit(loss)
    for i, (a, b) in enumerate(points):
        xa, yb = Value(a), Value(b)
        want = loss(xa, yb)
        want.backward()
        one = f([a, b])
        assert one.outputs == [want.data] and one.input_grads == [xa.grad, yb.grad]
        assert batch.outputs[0][i] == want.data
        assert [g[i] for g in batch.input_grads] == [xa.grad, yb.grad]
        xj, yj = Value(a), Value(b)  # jit returns floats, and adds into .grad
        assert jitted(xj, yj) == want.data and (xj.grad, yj.grad) == (xa.grad, yb.grad)


def test_drawings_and_the_explorer_show_the_op_by_name():
    x = Value(0.5, label="x")
    y = softsign(x)
    y.backward()
    assert "softsign" in draw(y).source
    assert '"softsign"' in autograd.explore(y).html or "softsign" in autograd.explore(y).html


def test_a_one_argument_op_is_an_nn_activation_by_name_and_models_pickle():
    model = nn.MLP(2, [4, 1], activation="softsign", rng=random.Random(0))
    out = model([0.5, -1.0])
    assert any(v.op is softsign.op for v in toposort([out]))
    out.backward()
    copy = pickle.loads(pickle.dumps((model, out)))
    again = copy[0]([0.5, -1.0])
    assert again.data == out.data and copy[1].data == out.data
    with pytest.raises(ValueError, match="unknown activation 'nonesuch'"):
        nn.MLP(2, [2, 1], activation="nonesuch")


def test_a_name_of_the_table_or_a_bad_forward_is_refused():
    with pytest.raises(ValueError, match="not an op of the table"):
        primitive(lambda m, out, x, k: (1.0,), lambda a: a, name="tanh")
    with pytest.raises(TypeError, match="one or two arguments"):
        primitive(lambda m, out, x, k: (1.0,) * 3, lambda a, b, c: a, name="three")
    with pytest.raises(ValueError, match="an identifier"):
        primitive(lambda m, out, x, k: (1.0,), lambda a: a)  # a lambda has no name to use
    with pytest.raises(TypeError, match="derivative rule first"):
        primitive(softsign)  # @primitive on the forward, without the rule


def test_one_user_op_goes_through_every_path_of_the_table_s_ops():
    np = pytest.importorskip("numpy")
    x = Value(0.5, label="x")
    y = softsign(x * 3.0)
    y.backward()  # eager: ds/da = 1 / (1 + |a|)^2 at a = 1.5, times d(3x)/dx
    assert y.op is softsign.op and x.grad == 3.0 / 2.5 ** 2
    (gx,) = grad(softsign(x * 3.0), [x], create_graph=True)  # the rule run on Values
    (gxx,) = grad(gx, [x])  # d/da 1 / (1 + a)^2 = -2 / (1 + a)^3, for a > 0
    assert gx.data == x.grad and math.isclose(gxx, 9.0 * -2.0 / 2.5 ** 3, rel_tol=1e-12)
    assert gradcheck(lambda v: softsign(v * 3.0), [0.5])
    assert gradgradcheck(lambda v: softsign(v * 3.0), [0.5])
    f = compile(y, [x])
    assert "user_softsign(" in f.source
    assert f([0.5]).input_grads == [x.grad]  # Python code
    assert f([np.array([0.5, 0.5])]).input_grads[0].tolist() == [x.grad] * 2  # NumPy code
    xj = Value(0.5)
    assert jit(lambda v: softsign(v * 3.0))(xj) == y.data and xj.grad == x.grad
    assert "softsign" in draw(y).source
    assert "= softsign(x)" in autograd.explore(softsign(x)).html  # its line, by name
    model = nn.MLP(2, [3, 1], activation="softsign", rng=random.Random(0))
    assert any(v.op is softsign.op for v in toposort([model([0.5, -1.0])]))
