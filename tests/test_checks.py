"""autograd.checks: the argument checks that the library and the demos share."""

import math
import pathlib
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import autograd
from autograd.checks import NumberTypeError, at_least, in_range, integer, is_number, real
from autograd.core import errors

NOT_REAL = [True, False, np.bool_(True), "1.5", None, 1 + 0j, Decimal("1.5"), [1.0]]


@pytest.mark.parametrize(("value", "expected"), [
    (1.5, 1.5), (3, 3.0), (-0.0, -0.0), (Fraction(1, 4), 0.25), (np.float64(2.5), 2.5),
    (np.float32(0.5), 0.5), (np.int64(7), 7.0), (10**300, 1e300),
])
def test_real_numbers_come_back_as_plain_floats(value, expected):
    x = real("x", value)
    assert type(x) is float and x == expected
    assert is_number(value)


def test_nan_and_infinity_are_real_numbers():
    assert math.isnan(real("x", math.nan)) and real("x", -math.inf) == -math.inf


@pytest.mark.parametrize("value", NOT_REAL)
def test_bools_and_non_numbers_are_refused_naming_the_argument_and_the_type(value):
    assert not is_number(value)
    with pytest.raises(TypeError) as info:
        real("lr", value)
    assert isinstance(info.value, ValueError)  # one except ValueError catches every refusal
    assert str(info.value).startswith("lr must be a real number, got ")
    assert f"({type(value).__name__})" in str(info.value)


@pytest.mark.parametrize("value", [10**400, -(10**400), Fraction(10**400, 3)])
def test_a_number_too_large_for_a_float_is_a_value_error(value):
    with pytest.raises(ValueError, match=r"^weight must be a real number, got .*too large for "
                                          r"a float$") as info:
        real("weight", value)
    assert not isinstance(info.value, TypeError)
    assert len(str(info.value)) < 120  # 401 digits are not all shown


def test_at_least_checks_the_bound_and_returns_a_float():
    assert at_least("lr", 0, 0.0) == 0.0 and type(at_least("lr", 0, 0.0)) is float
    assert at_least("lr", Fraction(1, 2), 0.0) == 0.5
    assert at_least("lr", math.inf, 0.0) == math.inf  # no upper bound unless finite
    assert at_least("gamma", np.float64(1e-300), 0.0, strict=True) == 1e-300
    assert at_least("n", -2, -3) == -2.0


@pytest.mark.parametrize(("value", "options", "words"), [
    (-0.1, {}, r"lr must be a real number >= 0, got -0\.1$"),
    (math.nan, {}, "lr must be a real number >= 0, got nan$"),
    (-math.inf, {}, "lr must be a real number >= 0, got -inf$"),
    (0.0, {"strict": True}, r"lr must be a real number > 0, got 0\.0$"),
    (math.nan, {"strict": True}, "lr must be a real number > 0, got nan$"),
    (math.inf, {"finite": True}, "lr must be a finite real number >= 0, got inf$"),
    (0, {"strict": True, "finite": True}, "lr must be a finite real number > 0, got 0$"),
])
def test_at_least_refuses_nan_and_values_beyond_the_bound(value, options, words):
    with pytest.raises(ValueError, match=words) as info:
        at_least("lr", value, 0.0, **options)
    assert not isinstance(info.value, TypeError)


@pytest.mark.parametrize("value", NOT_REAL)
def test_a_bound_refuses_bools_and_non_numbers_with_the_whole_requirement(value):
    with pytest.raises(NumberTypeError, match=r"^eps must be a finite real number > 0, got "):
        at_least("eps", value, 0.0, strict=True, finite=True)
    with pytest.raises(NumberTypeError, match=r"^beta must be a real number in \[0, 1\), got "):
        in_range("beta", value, 0.0, 1.0)


def test_in_range_is_closed_below_unless_strict_and_open_above():
    assert in_range("beta", 0, 0.0, 1.0) == 0.0 and type(in_range("beta", 0, 0.0, 1.0)) is float
    assert in_range("beta", np.float32(0.5), 0.0, 1.0) == 0.5
    assert in_range("factor", 0.999, 0.0, 1.0, strict=True) == 0.999
    for value, strict in [(1.0, False), (0.0, True), (-0.5, False), (math.nan, False),
                          (math.inf, False), (math.nan, True)]:
        with pytest.raises(ValueError, match=f"factor must be a real number in "
                                             f"\\{'(' if strict else '['}0, 1\\), got"):
            in_range("factor", value, 0.0, 1.0, strict=strict)


@pytest.mark.parametrize("value", [1, 5, np.int64(3), np.uint8(200), 10**400])
def test_integers_come_back_as_plain_ints(value):
    n = integer("epochs", value, 1)
    assert type(n) is int and n == value


@pytest.mark.parametrize("value", [True, False, 2.0, np.float64(2.0), Fraction(2), "3", None,
                                   np.bool_(True)])
def test_integer_refuses_bools_floats_and_non_numbers(value):
    with pytest.raises(NumberTypeError) as info:
        integer("epochs", value, 1)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    assert str(info.value).startswith("epochs must be an integer >= 1, got ")
    assert str(info.value).endswith(f"({type(value).__name__})")


def test_integer_below_the_bound_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match=r"^n_samples must be an integer >= 2, got 1$") as info:
        integer("n_samples", 1, 2)
    assert not isinstance(info.value, TypeError)
    with pytest.raises(ValueError, match=r"the step count must be an integer >= 0, got -1$"):
        integer("the step count", -1, 0)
    assert integer("the step count", 0, 0) == 0


def test_a_long_value_is_shortened_in_the_message():
    with pytest.raises(TypeError) as info:
        real("x", "a" * 1000)
    assert len(str(info.value)) < 120 and "..." in str(info.value)


def test_one_is_real_in_the_whole_library():
    # Value arithmetic takes a bool as Python does (True is 1); settings and inputs refuse it
    root = pathlib.Path(autograd.__file__).parent.parent  # autograd/ and nn/
    defining = [p.relative_to(root).as_posix()
                for package in ("autograd", "nn") for p in sorted((root / package).rglob("*.py"))
                if "def is_real(" in p.read_text(encoding="utf-8")]
    assert defining == ["autograd/core/errors.py"]
    assert errors.is_real(True) and not is_number(True) and is_number(2.5)
