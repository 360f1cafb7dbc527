"""Optimizers: the published update rules, step by step, and against torch when present."""

import json
import math

import pytest

from autograd import Value
from nn.optim import SGD, Adam, AdamW, RMSprop

GRADS = [0.5, -1.5, 2.0, 0.25, -0.75]  # a gradient sequence fed to one parameter


def run(make, grads=GRADS, start=1.0):
    """Feed hand-set gradients to one parameter; the parameter after every step."""
    p = Value(start)
    opt = make([p])
    path = []
    for g in grads:
        p.grad = g
        opt.step()
        path.append(p.data)
    return path


# --- the formulas, written out on their own ---

def sgd_reference(grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                  maximize=False, p=1.0):
    b, path = None, []
    for g in grads:
        g = -g if maximize else g
        g += weight_decay * p
        if momentum:
            b = g if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p -= lr * g
        path.append(p)
    return path


def adam_reference(grads, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                   decoupled=False, amsgrad=False, maximize=False, p=1.0):
    m = v = vmax = 0.0
    path = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            g += weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        vmax = max(vmax, v)
        m_hat = m / (1 - beta1**t)
        v_hat = (vmax if amsgrad else v) / (1 - beta2**t)
        p -= lr * m_hat / (math.sqrt(v_hat) + eps)
        path.append(p)
    return path


def rmsprop_reference(grads, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                      centered=False, p=1.0):
    v = mean = b = 0.0
    path = []
    for g in grads:
        g += weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        mean = alpha * mean + (1 - alpha) * g
        denom = math.sqrt(v - mean * mean if centered else v) + eps
        b = momentum * b + g / denom
        p -= lr * (b if momentum else g / denom)
        path.append(p)
    return path


CASES = {
    "sgd": (lambda ps: SGD(ps, lr=0.1), lambda: sgd_reference(GRADS, 0.1)),
    "sgd momentum": (lambda ps: SGD(ps, lr=0.1, momentum=0.9),
                     lambda: sgd_reference(GRADS, 0.1, 0.9)),
    "sgd dampening decay": (lambda ps: SGD(ps, lr=0.1, momentum=0.8, dampening=0.3,
                                           weight_decay=0.01),
                            lambda: sgd_reference(GRADS, 0.1, 0.8, 0.3, 0.01)),
    "sgd nesterov": (lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                     lambda: sgd_reference(GRADS, 0.1, 0.9, nesterov=True)),
    "sgd maximize": (lambda ps: SGD(ps, lr=0.1, maximize=True),
                     lambda: sgd_reference(GRADS, 0.1, maximize=True)),
    "adam": (lambda ps: Adam(ps, lr=0.1), lambda: adam_reference(GRADS, 0.1)),
    "adam decay betas": (lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.9), weight_decay=0.1),
                         lambda: adam_reference(GRADS, 0.05, 0.8, 0.9, weight_decay=0.1)),
    "adam amsgrad": (lambda ps: Adam(ps, lr=0.1, amsgrad=True),
                     lambda: adam_reference(GRADS, 0.1, amsgrad=True)),
    "adam maximize": (lambda ps: Adam(ps, lr=0.1, maximize=True),
                      lambda: adam_reference(GRADS, 0.1, maximize=True)),
    "adamw": (lambda ps: AdamW(ps, lr=0.1), lambda: adam_reference(
        GRADS, 0.1, weight_decay=0.01, decoupled=True)),
    "adamw amsgrad": (lambda ps: AdamW(ps, lr=0.1, weight_decay=0.2, amsgrad=True),
                      lambda: adam_reference(GRADS, 0.1, weight_decay=0.2, decoupled=True,
                                             amsgrad=True)),
    "rmsprop": (lambda ps: RMSprop(ps, lr=0.01), lambda: rmsprop_reference(GRADS, 0.01)),
    "rmsprop centered momentum": (
        lambda ps: RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.5, centered=True,
                           weight_decay=0.1),
        lambda: rmsprop_reference(GRADS, 0.01, 0.9, weight_decay=0.1, momentum=0.5,
                                  centered=True)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_steps_follow_the_published_formulas(name):
    make, reference = CASES[name]
    assert run(make) == pytest.approx(reference(), rel=1e-13, abs=1e-15)


def test_first_steps_by_hand():
    assert run(lambda ps: SGD(ps, lr=0.1), [0.5]) == [pytest.approx(0.95)]
    # momentum: b1 = g, b2 = 0.9 * 0.5 + 0.5 = 0.95
    assert run(lambda ps: SGD(ps, lr=0.1, momentum=0.9), [0.5, 0.5]) == pytest.approx(
        [0.95, 0.855])
    # nesterov: g + mu b = 0.5 + 0.45
    assert run(lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True), [0.5]) == \
        pytest.approx([0.905])
    # Adam's first step is lr * g / (|g| + eps): bias correction undoes the averages
    assert run(lambda ps: Adam(ps, lr=0.1), [0.5]) == [pytest.approx(1 - 0.1 * 0.5 / (0.5 + 1e-8),
                                                                      rel=1e-15)]
    assert run(lambda ps: AdamW(ps, lr=0.1, weight_decay=0.1), [0.5]) == [
        pytest.approx(0.99 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-15)]
    # RMSprop's first step divides by sqrt(0.01 g^2) = 0.1 |g|
    assert run(lambda ps: RMSprop(ps, lr=0.01), [0.5]) == [
        pytest.approx(1 - 0.01 * 0.5 / (0.05 + 1e-8), rel=1e-15)]


@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1), lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps: Adam(ps, lr=0.1), lambda ps: AdamW(ps, lr=0.1, weight_decay=0.0),
    lambda ps: RMSprop(ps, lr=0.01, momentum=0.5)], ids=["sgd", "nesterov", "adam", "adamw",
                                                          "rmsprop"])
def test_each_optimizer_minimises_a_quadratic(make):
    x, y = Value(0.0), Value(0.0)
    opt = make([x, y])
    for _ in range(500):
        opt.zero_grad()
        loss = (x - 3.0) ** 2 + 2.0 * (y + 1.0) ** 2
        loss.backward()
        opt.step()
    assert x.data == pytest.approx(3.0, abs=1e-2) and y.data == pytest.approx(-1.0, abs=1e-2)


def test_zero_grad_and_value_gradients():
    p = Value(1.0)
    opt = SGD([p], lr=0.5)
    (p * p).backward(create_graph=True)  # a graph-carrying gradient is read as its value
    opt.step()
    assert p.data == 0.0
    opt.zero_grad()
    assert p.grad == 0.0


@pytest.mark.parametrize(("make", "words"), [
    (lambda ps: SGD(ps, lr=-0.1), "lr"),
    (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), "momentum"),
    (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), "weight_decay"),
    (lambda ps: SGD(ps, lr=0.1, nesterov=True), "nesterov"),
    (lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
    (lambda ps: Adam(ps, betas=(0.9, 1.0)), "betas\\[1\\]"),
    (lambda ps: Adam(ps, betas=(-0.1, 0.9)), "betas\\[0\\]"),
    (lambda ps: Adam(ps, eps=-1e-8), "eps"),
    (lambda ps: Adam(ps, betas=(0.9,)), "pair"),
    (lambda ps: RMSprop(ps, alpha=-0.1), "alpha"),
    (lambda ps: SGD([], lr=0.1), "empty"),
    (lambda ps: SGD(ps * 2, lr=0.1), "more than once"),
])
def test_bad_hyperparameters(make, words):
    with pytest.raises(ValueError, match=words):
        make([Value(1.0)])


def test_parameters_must_be_values():
    with pytest.raises(TypeError, match="float"):
        SGD([1.0], lr=0.1)


@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_round_trip_continues_identically(name):
    make = CASES[name][0]
    p, q = Value(1.0), Value(1.0)
    a = make([p])
    for g in GRADS[:3]:
        p.grad = g
        a.step()
    q.data = p.data
    b = make([q])
    b.load_state_dict(json.loads(json.dumps(a.state_dict())))
    for g in GRADS[3:]:
        p.grad = q.grad = g
        a.step()
        b.step()
    assert q.data == p.data


def test_mismatched_state_is_refused_and_changes_nothing():
    a = Adam([Value(1.0), Value(2.0)], lr=0.1)
    b = Adam([Value(1.0)], lr=0.3)
    with pytest.raises(ValueError, match=r"2 parameter entries.*1 parameters"):
        b.load_state_dict(a.state_dict())
    with pytest.raises(ValueError, match="state is for SGD"):
        b.load_state_dict(SGD([Value(1.0)], lr=0.1).state_dict())
    assert b.lr == 0.3 and b.state == [{}]


# --- the same steps with torch.optim itself, where torch is installed ---

TORCH = {
    "sgd": ("SGD", {"lr": 0.1}), "sgd momentum": ("SGD", {"lr": 0.1, "momentum": 0.9}),
    "sgd dampening decay": ("SGD", {"lr": 0.1, "momentum": 0.8, "dampening": 0.3,
                                    "weight_decay": 0.01}),
    "sgd nesterov": ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "sgd maximize": ("SGD", {"lr": 0.1, "maximize": True}),
    "adam": ("Adam", {"lr": 0.1}),
    "adam decay betas": ("Adam", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    "adam amsgrad": ("Adam", {"lr": 0.1, "amsgrad": True}),
    "adam maximize": ("Adam", {"lr": 0.1, "maximize": True}),
    "adamw": ("AdamW", {"lr": 0.1}),
    "adamw amsgrad": ("AdamW", {"lr": 0.1, "weight_decay": 0.2, "amsgrad": True}),
    "rmsprop": ("RMSprop", {"lr": 0.01}),
    "rmsprop centered momentum": ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5,
                                              "centered": True, "weight_decay": 0.1}),
}


@pytest.mark.parametrize("name", list(TORCH))
def test_same_steps_as_torch(name):
    torch = pytest.importorskip("torch")
    kind, options = TORCH[name]
    p = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, kind)([p], **options)
    path = []
    for g in GRADS:
        p.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        path.append(p.item())
    assert run(CASES[name][0]) == pytest.approx(path, rel=1e-12, abs=1e-15)
