"""Gradient clipping with PyTorch's semantics."""

import math

import pytest

from autograd import Value
from nn.clip import clip_grad_norm_, clip_grad_value_


def params(*grads):
    ps = [Value(0.0) for _ in grads]
    for p, g in zip(ps, grads):
        p.grad = g
    return ps


def test_norm_is_returned_and_gradients_scaled_to_max_norm():
    ps = params(3.0, -4.0)
    assert clip_grad_norm_(ps, max_norm=1.0) == 5.0
    scale = 1.0 / (5.0 + 1e-6)
    assert [p.grad for p in ps] == pytest.approx([3.0 * scale, -4.0 * scale], rel=1e-15)


def test_small_gradients_are_left_alone():
    ps = params(0.3, -0.4)
    assert clip_grad_norm_(ps, max_norm=1.0) == pytest.approx(0.5)
    assert [p.grad for p in ps] == [0.3, -0.4]


def test_other_norms():
    ps = params(3.0, -4.0, 1.0)
    assert clip_grad_norm_(ps, max_norm=100.0, norm_type=1) == 8.0
    assert clip_grad_norm_(ps, max_norm=2.0, norm_type=math.inf) == 4.0
    assert max(abs(p.grad) for p in ps) == pytest.approx(2.0, rel=1e-6)
    single = params(-6.0)[0]
    assert clip_grad_norm_(single, max_norm=3.0) == 6.0 and single.grad == pytest.approx(-3.0)


def test_nonfinite_norm():
    with pytest.raises(RuntimeError, match="nan"):
        clip_grad_norm_(params(math.nan, 1.0), 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_(params(math.inf), 1.0) == math.inf


def test_clip_value():
    ps = params(3.0, -4.0, 0.5)
    clip_grad_value_(ps, 1.0)
    assert [p.grad for p in ps] == [1.0, -1.0, 0.5]


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_(params(1.0), -1.0)
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_(params(1.0), -0.5)
    with pytest.raises(ValueError, match="norm_type"):
        clip_grad_norm_(params(1.0), 1.0, norm_type=0)
