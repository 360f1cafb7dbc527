"""Learning-rate schedules against their closed forms, by hand, and against torch."""

import math

import pytest

from autograd import Value
from nn.lr_scheduler import CosineAnnealingLR, ExponentialLR, LambdaLR, StepLR
from nn.optim import SGD

EPOCHS = 12


def lrs(build, epochs=EPOCHS, lr=0.5):
    """The optimizer's lr at construction and after every step, checking the bookkeeping."""
    opt = SGD([Value(1.0)], lr=lr)
    schedule = build(opt)
    assert schedule.base_lr == lr and schedule.last_epoch == 0
    seen = [opt.lr]
    for epoch in range(1, epochs + 1):
        schedule.step()
        assert schedule.last_epoch == epoch
        assert schedule.get_last_lr() == [opt.lr]
        seen.append(opt.lr)
    assert schedule.base_lr == lr  # the base stays put while opt.lr moves
    return seen


def test_step_lr():
    # by hand: 0.5 for epochs 0-2, 0.05 for 3-5, 0.005 for 6-8, ...
    seen = lrs(lambda o: StepLR(o, step_size=3, gamma=0.1))
    assert seen[:9] == pytest.approx([0.5] * 3 + [0.05] * 3 + [0.005] * 3, rel=1e-15)
    assert seen == pytest.approx([0.5 * 0.1 ** (k // 3) for k in range(EPOCHS + 1)], rel=1e-15)
    assert lrs(lambda o: StepLR(o, step_size=1, gamma=2.0), epochs=3) == [0.5, 1.0, 2.0, 4.0]


def test_exponential_lr():
    seen = lrs(lambda o: ExponentialLR(o, gamma=0.9))
    assert seen[:3] == pytest.approx([0.5, 0.45, 0.405], rel=1e-15)
    assert seen == pytest.approx([0.5 * 0.9**k for k in range(EPOCHS + 1)], rel=1e-15)


def test_cosine_annealing_lr():
    seen = lrs(lambda o: CosineAnnealingLR(o, T_max=4, eta_min=0.1))
    expected = [0.1 + (0.5 - 0.1) * (1 + math.cos(math.pi * k / 4)) / 2 for k in range(EPOCHS + 1)]
    assert seen == pytest.approx(expected, rel=1e-15)
    # by hand: the top, half way, the bottom at T_max, back to the top at 2 T_max
    assert seen[0] == 0.5 and seen[2] == pytest.approx(0.3) and seen[4] == pytest.approx(0.1)
    assert seen[1] == pytest.approx(0.1 + 0.2 * (1 + math.sqrt(0.5)))
    assert seen[8] == pytest.approx(0.5)
    assert lrs(lambda o: CosineAnnealingLR(o, T_max=2), epochs=2) == pytest.approx(
        [0.5, 0.25, 0.0], abs=1e-16)


def test_lambda_lr():
    # micrograd's demo schedule
    seen = lrs(lambda o: LambdaLR(o, lambda k: 1.0 - 0.9 * k / 100), lr=1.0)
    assert seen == pytest.approx([1.0 - 0.9 * k / 100 for k in range(EPOCHS + 1)], rel=1e-15)
    # the factor applies from construction on, epoch 0 included
    assert lrs(lambda o: LambdaLR(o, lambda k: 2.0 + k), epochs=2) == [1.0, 1.5, 2.0]


def test_lambda_is_called_once_per_epoch():
    calls = []
    opt = SGD([Value(1.0)], lr=1.0)
    schedule = LambdaLR(opt, lambda k: calls.append(k) or 0.5)
    schedule.step()
    assert schedule.get_last_lr() == [0.5] and schedule.get_last_lr() == [0.5]
    assert calls == [0, 1]


def test_the_schedule_drives_the_optimizer():
    p = Value(0.0)
    opt = SGD([p], lr=1.0)
    schedule = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(4):  # steps with lr 1, 1, 0.5, 0.5 and gradient 1
        p.grad = 1.0
        opt.step()
        schedule.step()
    assert p.data == -3.0 and opt.lr == 0.25


@pytest.mark.parametrize(("build", "error", "words"), [
    (lambda o: StepLR(o, step_size=0), ValueError, "step_size must be an integer >= 1, got 0"),
    (lambda o: StepLR(o, step_size=1.5), ValueError, r"step_size.*got 1\.5"),
    (lambda o: StepLR(o, step_size=True), ValueError, "step_size.*got True"),
    (lambda o: StepLR(o, step_size=2, gamma=0.0), ValueError,
     r"gamma must be a real number > 0, got 0\.0"),
    (lambda o: ExponentialLR(o, gamma=-0.5), ValueError, r"gamma.*got -0\.5"),
    (lambda o: ExponentialLR(o, gamma=math.nan), ValueError, "gamma.*got nan"),
    (lambda o: ExponentialLR(o, gamma="0.5"), ValueError, "gamma.*got '0.5'"),
    (lambda o: CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be an integer >= 1, got 0"),
    (lambda o: CosineAnnealingLR(o, T_max=5, eta_min=-0.1), ValueError, r"eta_min.*-0\.1"),
    (lambda o: LambdaLR(o, 0.5), TypeError, "lr_lambda must be callable"),
])
def test_bad_arguments_change_nothing(build, error, words):
    opt = SGD([Value(1.0)], lr=0.5)
    with pytest.raises(error, match=words):
        build(opt)
    assert opt.lr == 0.5


# --- the same learning rates as torch.optim.lr_scheduler, where torch is installed ---

@pytest.mark.parametrize(("name", "options", "build"), [
    ("StepLR", {"step_size": 3, "gamma": 0.5}, lambda o: StepLR(o, 3, 0.5)),
    ("ExponentialLR", {"gamma": 0.9}, lambda o: ExponentialLR(o, 0.9)),
    ("CosineAnnealingLR", {"T_max": 5, "eta_min": 0.01},
     lambda o: CosineAnnealingLR(o, 5, 0.01)),
    ("LambdaLR", {"lr_lambda": lambda k: 1 / (1 + k)},
     lambda o: LambdaLR(o, lambda k: 1 / (1 + k))),
])
def test_same_learning_rates_as_torch(name, options, build):
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, dtype=torch.float64, requires_grad=True)], lr=0.5)
    schedule = getattr(torch.optim.lr_scheduler, name)(opt, **options)
    theirs = [schedule.get_last_lr()[0]]
    for _ in range(EPOCHS):
        opt.step()
        schedule.step()
        theirs.append(schedule.get_last_lr()[0])
    # torch updates some of them recursively, so the last bits may differ
    assert lrs(build) == pytest.approx(theirs, rel=1e-12, abs=1e-15)
