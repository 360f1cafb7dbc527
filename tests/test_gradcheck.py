"""Gradient checking: central differences, and errors that show what disagreed."""

import math

import pytest

from autograd import GradcheckError, Value, gradcheck, gradgradcheck, numerical_grad
from autograd.engine import apply
from autograd.ops import Op

# tanh with a deliberately wrong derivative (1 - out instead of 1 - out^2)
WRONG_TANH = Op("tanh", 1, math.tanh, lambda m, out, x, k: (1.0 - out,), "tanh")
# sin whose derivative is right as a number but is a constant, so its own derivative is 0
FLAT_SIN = Op("sin", 1, math.sin, lambda m, out, x, k: (math.cos(m.val(x[0])),), "sin")


def test_numerical_grad_matches_known_derivatives():
    g = numerical_grad(lambda x, y: x * y.exp(), [2.0, 0.5])
    assert g[0] == pytest.approx(math.exp(0.5), rel=1e-8)
    assert g[1] == pytest.approx(2.0 * math.exp(0.5), rel=1e-8)
    assert numerical_grad(lambda x: x**2, [Value(3.0)]) == [pytest.approx(6.0, rel=1e-8)]


def test_numerical_grad_needs_a_scalar_function():
    with pytest.raises(ValueError, match="one value"):
        numerical_grad(lambda x: [x, x], [1.0])


def test_gradcheck_passes_for_correct_derivatives_of_every_kind_of_output():
    assert gradcheck(lambda x, y: (x * y).tanh() / (y * y + 1), [0.3, -1.2])
    assert gradcheck(lambda x, y: [x * y, x.exp(), 3.0], [0.3, -1.2])  # several outputs


def test_gradcheck_names_the_input_and_shows_both_values():
    x = Value(0.5, label="x")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: apply(WRONG_TANH, [x]) * y, [x, Value(2.0)])
    message = str(info.value)
    analytic = 2.0 * (1 - math.tanh(0.5))
    numerical = 2.0 * (1 - math.tanh(0.5) ** 2)
    assert "input 0 ('x')" in message
    assert repr(analytic) in message
    assert f"{numerical:.6f}" in message
    assert not gradcheck(lambda x: apply(WRONG_TANH, [x]), [0.5], raise_exception=False)


def test_gradcheck_fails_on_nan():
    with pytest.raises(GradcheckError, match="nan"):
        gradcheck(lambda x: x * math.nan, [1.0])


def test_gradgradcheck_catches_a_wrong_second_derivative_only():
    f = lambda x: apply(FLAT_SIN, [x]) * x  # noqa: E731
    assert gradcheck(f, [0.8])  # first derivatives are right
    with pytest.raises(GradcheckError, match="input 0"):
        gradgradcheck(f, [0.8])
    assert gradgradcheck(lambda x: x.sin() * x, [0.8])


def test_gradgradcheck_of_a_linear_function():
    # its gradient is constant: analytic and numerical second derivatives are both 0
    assert gradgradcheck(lambda x, y: 3.0 * x + y, [1.0, 2.0])


@pytest.mark.parametrize("eps", [0, 0.0, -1e-6, math.nan, math.inf, True, "1e-6"])
def test_a_bad_eps_is_named_not_blamed_on_the_function(eps):
    words = r"eps \(the step of the central differences\) must be a finite real number > 0"
    for check in (numerical_grad, gradcheck, gradgradcheck):
        with pytest.raises(ValueError, match=words):
            check(lambda x: x * x, [1.0], eps=eps)


@pytest.mark.parametrize(("name", "value"), [("atol", -1.0), ("rtol", math.nan)])
def test_bad_tolerances_are_named(name, value):
    with pytest.raises(ValueError, match=f"{name} must be a real number >= 0"):
        gradcheck(lambda x: x * x, [1.0], **{name: value})
