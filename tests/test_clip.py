"""Gradient clipping: norms by hand, torch's scaling rule, NaN and infinity, and torch itself."""

import math

import pytest

from autograd import Value
from nn.clip import clip_grad_norm_, clip_grad_value_


def params(*grads):
    ps = [Value(0.0) for _ in grads]
    for p, g in zip(ps, grads):
        p.grad = g
    return ps


def grads(ps):
    return [p.grad for p in ps]


def test_the_norm_is_returned_and_gradients_scaled_to_max_norm():
    ps = params(3.0, -4.0)
    assert clip_grad_norm_(ps, max_norm=1.0) == 5.0
    scale = 1.0 / (5.0 + 1e-6)  # torch's 1e-6
    assert grads(ps) == pytest.approx([3.0 * scale, -4.0 * scale], rel=1e-15)
    assert math.hypot(*grads(ps)) == pytest.approx(1.0, rel=1e-6)


def test_a_parameter_listed_twice_counts_twice_and_is_scaled_twice_as_in_torch():
    (p,) = params(4.0)
    norm = clip_grad_norm_([p, p], max_norm=1.0)  # torch's _foreach_mul_ scales it twice
    scale = 1.0 / (math.sqrt(32.0) + 1e-6)
    assert norm == math.sqrt(32.0) and p.grad == 4.0 * scale * scale


def test_small_gradients_are_left_alone():
    ps = params(0.3, -0.4)
    assert clip_grad_norm_(ps, max_norm=1.0) == pytest.approx(0.5, rel=1e-15)
    assert grads(ps) == [0.3, -0.4]
    # at max_norm exactly the factor max_norm / (norm + 1e-6) is just below 1: scaled
    ps = params(3.0, -4.0)
    clip_grad_norm_(ps, max_norm=5.0)
    assert grads(ps) == pytest.approx([3.0 * 5 / (5 + 1e-6), -4.0 * 5 / (5 + 1e-6)], rel=1e-15)
    assert grads(ps)[0] < 3.0


@pytest.mark.parametrize(("norm_type", "norm"), [
    (1.0, 8.0),  # |3| + |-4| + |1|
    (2.0, math.sqrt(26.0)),  # sqrt(9 + 16 + 1)
    (3.0, 92.0 ** (1 / 3)),  # (27 + 64 + 1)^(1/3)
    (0.5, (math.sqrt(3) + 2 + 1) ** 2),
    (math.inf, 4.0),  # the largest |g|
])
def test_norm_types(norm_type, norm):
    ps = params(3.0, -4.0, 1.0)
    assert clip_grad_norm_(ps, max_norm=2.0, norm_type=norm_type) == pytest.approx(norm,
                                                                                  rel=1e-14)
    scale = 2.0 / (norm + 1e-6)
    assert grads(ps) == pytest.approx([3.0 * scale, -4.0 * scale, 1.0 * scale], rel=1e-14)


def test_inf_norm_clips_the_largest_gradient_to_max_norm():
    ps = params(3.0, -4.0, 1.0)
    assert clip_grad_norm_(ps, max_norm=2.0, norm_type=math.inf) == 4.0
    assert max(abs(g) for g in grads(ps)) == pytest.approx(2.0, rel=1e-6)


def test_a_single_value_a_generator_and_nothing():
    single = params(-6.0)[0]
    assert clip_grad_norm_(single, max_norm=3.0) == 6.0
    assert single.grad == pytest.approx(-3.0, rel=1e-6)
    ps = params(0.0, 8.0)
    assert clip_grad_norm_((p for p in ps), max_norm=4.0) == 8.0
    assert grads(ps) == pytest.approx([0.0, 4.0], rel=1e-6)
    assert clip_grad_norm_([], max_norm=1.0) == 0.0


def test_zero_gradients_and_zero_max_norm():
    ps = params(0.0, 0.0)
    assert clip_grad_norm_(ps, max_norm=1.0) == 0.0 and grads(ps) == [0.0, 0.0]
    ps = params(3.0, -4.0)
    assert clip_grad_norm_(ps, max_norm=0.0) == 5.0 and grads(ps) == [0.0, 0.0]


def test_huge_and_tiny_gradients_do_not_overflow_or_underflow():
    ps = params(3e200, -4e200)
    assert clip_grad_norm_(ps, max_norm=1.0) == pytest.approx(5e200, rel=1e-15)
    assert grads(ps) == pytest.approx([0.6, -0.8], rel=1e-12)
    assert clip_grad_norm_(params(3e-200, 4e-200), 1.0) == pytest.approx(5e-200, rel=1e-15)
    assert clip_grad_norm_(params(3e200, 4e200), 1.0, norm_type=3.0) == pytest.approx(
        91.0 ** (1 / 3) * 1e200, rel=1e-14)


def test_nonfinite_norms_raise_only_when_asked():
    for bad in (math.nan, math.inf, -math.inf):
        ps = params(bad, 1.0)
        with pytest.raises(RuntimeError, match=r"total norm of order 2\.0 of the gradients is"):
            clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
        assert grads(ps)[1] == 1.0  # nothing was scaled
    # without the check, as torch: a NaN norm makes every gradient NaN; an infinite one
    # makes finite gradients 0 and the infinite one NaN (inf * 0)
    ps = params(math.nan, 1.0)
    assert math.isnan(clip_grad_norm_(ps, 1.0))
    assert all(math.isnan(g) for g in grads(ps))
    ps = params(math.inf, 1.0)
    assert clip_grad_norm_(ps, 1.0) == math.inf
    assert math.isnan(grads(ps)[0]) and grads(ps)[1] == 0.0
    ps = params(5.0, math.nan)  # NaN wins over a larger number in the inf-norm too
    assert math.isnan(clip_grad_norm_(ps, 1.0, norm_type=math.inf))


def test_gradients_that_are_values():
    x = Value(3.0)
    (x * x).backward(create_graph=True)  # grad is the Value 2x = 6
    assert clip_grad_norm_([x], max_norm=3.0) == 6.0
    assert x.grad.item() == pytest.approx(3.0, rel=1e-6)
    y = Value(3.0)
    (y * y).backward(create_graph=True)
    clip_grad_value_(y, 1.0)
    assert y.grad == 1.0


def test_clip_value():
    ps = params(3.0, -4.0, 0.5, -1.0, -1.5, 1.25, math.nan, math.inf)
    clip_grad_value_(ps, 1.0)
    assert grads(ps)[:6] == [1.0, -1.0, 0.5, -1.0, -1.0, 1.0] and grads(ps)[7] == 1.0
    assert math.isnan(grads(ps)[6])
    ps = params(2.0, -2.0)
    clip_grad_value_(ps, 0)
    assert grads(ps) == [0.0, 0.0] and all(type(g) is float for g in grads(ps))
    single = params(-7.5)[0]
    clip_grad_value_(single, 2.5)
    assert single.grad == -2.5


NORM_TYPE = r"norm_type \(p of the p-norm, or math\.inf\) must be a real number > 0, got"


@pytest.mark.parametrize(("call", "words"), [
    (lambda: clip_grad_norm_(params(1.0), -1.0), "max_norm must be a real number >= 0, got -1.0"),
    (lambda: clip_grad_norm_(params(1.0), math.nan),
     "max_norm must be a real number >= 0, got nan"),
    (lambda: clip_grad_value_(params(1.0), -0.5),
     "clip_value must be a real number >= 0, got -0.5"),
    (lambda: clip_grad_norm_(params(1.0), 1.0, norm_type=0), NORM_TYPE),
    (lambda: clip_grad_norm_(params(1.0), 1.0, norm_type=-math.inf), NORM_TYPE),
])
def test_bad_arguments(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# --- the same as torch.nn.utils, where torch is installed ---

@pytest.mark.parametrize(("gs", "max_norm", "norm_type"), [
    ([3.0, -4.0, 1.0], 1.0, 2.0), ([3.0, -4.0, 1.0], 100.0, 2.0), ([0.3, -0.2], 0.1, 1.0),
    ([3.0, -4.0, 1.0], 2.0, 3.0), ([3.0, -4.0, 1.0], 2.0, math.inf), ([0.0, 0.0], 1.0, 2.0),
    ([math.nan, 1.0], 1.0, 2.0), ([math.inf, 1.0], 1.0, 2.0), ([2.5, -1.5], 0.0, 2.0)])
def test_same_as_torch(gs, max_norm, norm_type):
    torch = pytest.importorskip("torch")
    ts = [torch.zeros(1, dtype=torch.float64, requires_grad=True) for _ in gs]
    for t, g in zip(ts, gs):
        t.grad = torch.tensor([g], dtype=torch.float64)
    theirs = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type).item()
    ps = params(*gs)
    ours = clip_grad_norm_(ps, max_norm, norm_type)
    assert ours == pytest.approx(theirs, rel=1e-14, nan_ok=True)
    assert grads(ps) == pytest.approx([t.grad.item() for t in ts], rel=1e-14, nan_ok=True)


def test_clip_value_same_as_torch():
    torch = pytest.importorskip("torch")
    gs = [3.0, -4.0, 0.5, -0.5, 0.0, math.nan, math.inf, -math.inf]
    t = torch.zeros(len(gs), dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor(gs, dtype=torch.float64)
    torch.nn.utils.clip_grad_value_([t], 0.5)
    ps = params(*gs)
    clip_grad_value_(ps, 0.5)
    assert grads(ps) == pytest.approx(t.grad.tolist(), nan_ok=True)
