"""Learning-rate schedules against their closed forms."""

import math

import pytest

from autograd import Value
from nn.lr_scheduler import CosineAnnealingLR, ExponentialLR, LambdaLR, StepLR
from nn.optim import SGD


def lrs(make, epochs=8, lr=0.5):
    opt = SGD([Value(1.0)], lr=lr)
    schedule = make(opt)
    seen = [opt.lr]
    for _ in range(epochs):
        schedule.step()
        seen.append(opt.lr)
    assert schedule.get_last_lr() == [opt.lr] and schedule.last_epoch == epochs
    return seen


def test_step_lr():
    assert lrs(lambda o: StepLR(o, step_size=3, gamma=0.1)) == pytest.approx(
        [0.5] * 3 + [0.05] * 3 + [0.005] * 3)


def test_exponential_lr():
    assert lrs(lambda o: ExponentialLR(o, gamma=0.9)) == pytest.approx(
        [0.5 * 0.9**k for k in range(9)])


def test_cosine_annealing_lr():
    seen = lrs(lambda o: CosineAnnealingLR(o, T_max=4, eta_min=0.1))
    expected = [0.1 + 0.4 * (1 + math.cos(math.pi * k / 4)) / 2 for k in range(9)]
    assert seen == pytest.approx(expected)
    assert seen[0] == 0.5 and seen[4] == pytest.approx(0.1) and seen[8] == pytest.approx(0.5)


def test_lambda_lr_is_micrograds_schedule():
    seen = lrs(lambda o: LambdaLR(o, lambda k: 1.0 - 0.9 * k / 100), lr=1.0)
    assert seen == pytest.approx([1.0 - 0.9 * k / 100 for k in range(9)])


def test_bad_arguments():
    opt = SGD([Value(1.0)], lr=0.5)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="gamma"):
        ExponentialLR(opt, gamma=-0.5)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(TypeError, match="callable"):
        LambdaLR(opt, 0.5)
    assert opt.lr == 0.5
