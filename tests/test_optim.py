"""Optimizers: torch.optim's published update rules step by step, by hand, on a quadratic."""

import json
import math

import pytest

from autograd import Value
from nn.optim import SGD, Adam, AdamW, Optimizer, RMSprop

START = (1.0, -0.5)  # two parameters
# the gradients of both parameters at each step: signs flip, sizes grow and shrink (so AMSGrad's
# running max matters), one is exactly 0
GRADS = [(0.5, -2.0), (-1.5, 0.25), (2.0, 0.0), (0.25, 3.0), (-0.75, -0.5), (1.0, 1.5)]


def run(make, grads=GRADS, start=START):
    """Feed hand-set gradients to the optimizer; the parameters' values after every step."""
    ps = [Value(x) for x in start]
    opt = make(ps)
    path = []
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = g
        opt.step()
        path.append([p.data for p in ps])
    return path


# --- the pseudo-code of torch.optim's documentation, one parameter at a time ---

def sgd_reference(gs, theta, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
                  nesterov=False, maximize=False):
    out, b = [], None
    for t, g in enumerate(gs, start=1):
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        out.append(theta)
    return out


def adam_reference(gs, theta, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                   amsgrad=False, maximize=False, decoupled=False):
    beta1, beta2 = betas
    out, m, v, v_max = [], 0.0, 0.0, 0.0
    for t, g in enumerate(gs, start=1):
        if maximize:
            g = -g
        if decoupled:
            theta = theta - lr * weight_decay * theta
        elif weight_decay != 0:
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        if amsgrad:
            v_max = max(v_max, v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        theta = theta - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def adamw_reference(gs, theta, weight_decay=1e-2, **options):
    return adam_reference(gs, theta, weight_decay=weight_decay, decoupled=True, **options)


def rmsprop_reference(gs, theta, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                      centered=False, maximize=False):
    out, v, g_ave, b = [], 0.0, 0.0, 0.0
    for g in gs:
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_ave = g_ave * alpha + (1 - alpha) * g
            v_tilde = v_tilde - g_ave**2
        if momentum > 0:
            b = momentum * b + g / (math.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (math.sqrt(v_tilde) + eps)
        out.append(theta)
    return out


REFERENCES = {SGD: sgd_reference, Adam: adam_reference, AdamW: adamw_reference,
              RMSprop: rmsprop_reference}


def reference(cls, options, grads=GRADS, start=START):
    """The reference run for every parameter on its own, as rows of a path like run's."""
    columns = [REFERENCES[cls]([gs[k] for gs in grads], start[k], **options)
               for k in range(len(start))]
    return [list(row) for row in zip(*columns)]


CASES = {
    "sgd": (SGD, {"lr": 0.1}),
    "sgd momentum": (SGD, {"lr": 0.1, "momentum": 0.9}),
    "sgd momentum dampening": (SGD, {"lr": 0.1, "momentum": 0.8, "dampening": 0.3}),
    "sgd weight decay": (SGD, {"lr": 0.1, "weight_decay": 0.05}),
    "sgd nesterov": (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "sgd nesterov decay maximize": (SGD, {"lr": 0.05, "momentum": 0.5, "nesterov": True,
                                          "weight_decay": 0.1, "maximize": True}),
    "sgd maximize": (SGD, {"lr": 0.1, "maximize": True}),
    "adam defaults": (Adam, {}),
    "adam lr betas eps": (Adam, {"lr": 0.05, "betas": (0.8, 0.9), "eps": 1e-3}),
    "adam weight decay": (Adam, {"lr": 0.1, "weight_decay": 0.1}),
    "adam amsgrad": (Adam, {"lr": 0.1, "amsgrad": True}),
    "adam amsgrad decay maximize": (Adam, {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1,
                                           "maximize": True}),
    "adam maximize": (Adam, {"lr": 0.1, "maximize": True}),
    "adamw defaults": (AdamW, {}),
    "adamw weight decay": (AdamW, {"lr": 0.1, "weight_decay": 0.2}),
    "adamw amsgrad": (AdamW, {"lr": 0.1, "weight_decay": 0.2, "amsgrad": True}),
    "adamw maximize": (AdamW, {"lr": 0.1, "betas": (0.5, 0.6), "maximize": True}),
    "rmsprop defaults": (RMSprop, {}),
    "rmsprop alpha eps": (RMSprop, {"lr": 0.05, "alpha": 0.9, "eps": 1e-4}),
    "rmsprop weight decay": (RMSprop, {"lr": 0.01, "weight_decay": 0.1}),
    "rmsprop momentum": (RMSprop, {"lr": 0.01, "momentum": 0.5}),
    "rmsprop centered": (RMSprop, {"lr": 0.01, "centered": True}),
    "rmsprop centered momentum decay": (RMSprop, {"lr": 0.01, "alpha": 0.9, "momentum": 0.5,
                                                  "centered": True, "weight_decay": 0.1}),
    "rmsprop maximize": (RMSprop, {"lr": 0.01, "maximize": True}),
}


def make(name):
    cls, options = CASES[name]
    return lambda ps: cls(ps, **options)


@pytest.mark.parametrize("name", list(CASES))
def test_steps_follow_the_published_formulas(name):
    cls, options = CASES[name]
    path = run(make(name))
    assert len(path) == len(GRADS)
    for got, expected in zip(path, reference(cls, options)):
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("cls", "flag", "options"), [
    (SGD, "nesterov", {"lr": 0.1, "momentum": 0.9}), (SGD, "maximize", {"lr": 0.1}),
    (Adam, "amsgrad", {"lr": 0.1}), (Adam, "maximize", {"lr": 0.1}),
    (AdamW, "amsgrad", {"lr": 0.1}), (RMSprop, "centered", {}), (RMSprop, "maximize", {})])
def test_every_switch_changes_the_path(cls, flag, options):
    # otherwise comparing with the reference could not tell a switch that does nothing
    assert reference(cls, {**options, flag: True}) != reference(cls, options)
    assert run(lambda ps: cls(ps, **options, **{flag: True})) != run(
        lambda ps: cls(ps, **options))


def one(make_optimizer, grads, start=1.0):
    """One parameter: its value after each of the given gradients."""
    return [row[0] for row in run(make_optimizer, [(g,) for g in grads], (start,))]


def test_sgd_by_hand():
    # g = 0.5 + 0.1 * 1 = 0.6, b1 = g = 0.6 (no dampening at first), 1 - 0.1 * 0.6 = 0.94;
    # g = 0.5 + 0.1 * 0.94 = 0.594, b2 = 0.9 * 0.6 + 0.5 * 0.594 = 0.837, 0.94 - 0.0837
    assert one(lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.1),
               [0.5, 0.5]) == pytest.approx([0.94, 0.8563], rel=1e-14)
    # Nesterov: b1 = 0.5, step 0.5 + 0.9 * 0.5 = 0.95; b2 = 0.95, step 0.5 + 0.855 = 1.355
    assert one(lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
               [0.5, 0.5]) == pytest.approx([0.905, 0.7695], rel=1e-14)
    assert one(lambda ps: SGD(ps, lr=0.1, maximize=True), [0.5]) == [pytest.approx(1.05)]


def test_adam_by_hand():
    # betas 0.5: m1 = 1, v1 = 2, m_hat = 2, v_hat = 4, step 0.1 * 2 / 2 = 0.1;
    # g = -2: m2 = -0.5, v2 = 3, m_hat = -0.5 / 0.75, v_hat = 3 / 0.75 = 4: up by 1/30
    adam = lambda ps: Adam(ps, lr=0.1, betas=(0.5, 0.5), eps=0.0)  # noqa: E731
    assert one(adam, [2.0, -2.0]) == pytest.approx([0.9, 0.9 + 1 / 30], rel=1e-14)
    # g = 2 then 0: m_hat = 0.5 / 0.75 = 2/3, v2 = 1 but AMSGrad keeps v_max = 2: v_hat = 8/3
    amsgrad = lambda ps: Adam(ps, lr=0.1, betas=(0.5, 0.5), eps=0.0, amsgrad=True)  # noqa: E731
    assert one(amsgrad, [2.0, 0.0]) == pytest.approx([0.9, 0.8591751709536137], rel=1e-14)
    assert one(adam, [2.0, 0.0]) == pytest.approx([0.9, 0.8422649730810374], rel=1e-14)
    # the defaults' first step is lr g / (|g| + eps): the bias corrections undo the averaging
    assert one(lambda ps: Adam(ps), [0.5]) == [pytest.approx(1 - 1e-3 * 0.5 / (0.5 + 1e-8),
                                                            rel=1e-15)]


def test_adamw_by_hand():
    # decay first: 1 * (1 - 0.1 * 0.5) = 0.95, then Adam's 0.1 (as above): 0.85;
    # 0.85 * 0.95 = 0.8075, then up by 1/30
    adamw = lambda ps: AdamW(ps, lr=0.1, betas=(0.5, 0.5), eps=0.0, weight_decay=0.5)  # noqa: E731
    assert one(adamw, [2.0, -2.0]) == pytest.approx([0.85, 0.8408333333333333], rel=1e-14)
    # the default weight decay is 0.01, and it is not added to the gradient
    assert one(lambda ps: AdamW(ps, lr=0.1, betas=(0.5, 0.5), eps=0.0), [2.0]) == [
        pytest.approx(0.999 - 0.1)]


def test_rmsprop_by_hand():
    # alpha 0.5: v1 = 0.5 * 4 = 2, step 0.1 * 2 / sqrt(2); v2 = 1 + 2 = 3, step 0.2 / sqrt(3)
    rms = lambda ps: RMSprop(ps, lr=0.1, alpha=0.5, eps=0.0)  # noqa: E731
    assert one(rms, [2.0, 2.0]) == pytest.approx([0.8585786437626906, 0.7431085899247654],
                                                  rel=1e-14)
    # centered: g_ave1 = 1, v1 - 1 = 1, step 0.2; g = 1: v2 = 1.5, g_ave2 = 1, step 0.1 / sqrt(0.5)
    centered = lambda ps: RMSprop(ps, lr=0.1, alpha=0.5, eps=0.0, centered=True)  # noqa: E731
    assert one(centered, [2.0, 1.0]) == pytest.approx([0.8, 0.6585786437626906], rel=1e-14)
    # momentum 0.5: b1 = 2 / sqrt(2), b2 = 0.5 b1 + 2 / sqrt(3)
    momentum = lambda ps: RMSprop(ps, lr=0.1, alpha=0.5, eps=0.0, momentum=0.5)  # noqa: E731
    assert one(momentum, [2.0, 2.0]) == pytest.approx([0.8585786437626906, 0.6723979118061106],
                                                       rel=1e-14)


def test_centered_rmsprop_gives_nan_not_an_error_when_rounding_makes_the_variance_negative():
    # constant gradients: v_t - g_ave_t^2 = alpha^t (1 - alpha^t) g^2 vanishes, and rounding
    # takes it below zero; torch's square root then gives NaN, and so does ours
    path = one(lambda ps: RMSprop(ps, alpha=0.75, centered=True), [0.3] * 200)
    assert math.isnan(path[-1]) and not math.isnan(path[0])


QUADRATIC_CASES = {
    "sgd": lambda ps: SGD(ps, lr=0.1),
    "sgd momentum": lambda ps: SGD(ps, lr=0.05, momentum=0.9),
    "sgd nesterov": lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "sgd dampening": lambda ps: SGD(ps, lr=0.1, momentum=0.5, dampening=0.5),
    "adam": lambda ps: Adam(ps, lr=0.1),
    "adam amsgrad": lambda ps: Adam(ps, lr=0.1, amsgrad=True),
    "adamw": lambda ps: AdamW(ps, lr=0.1, weight_decay=0.0),
    "rmsprop": lambda ps: RMSprop(ps, lr=0.01),
    "rmsprop centered momentum": lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
}


def descend(make_optimizer, sign=1.0, steps=1000):
    x, y = Value(0.0), Value(0.0)
    opt = make_optimizer([x, y])
    for _ in range(steps):
        opt.zero_grad()
        loss = sign * ((x - 3.0) ** 2 + (y + 1.0) ** 2)
        loss.backward()
        opt.step()
    return x.data, y.data


@pytest.mark.parametrize("name", list(QUADRATIC_CASES))
def test_each_optimizer_minimises_a_quadratic(name):
    x, y = descend(QUADRATIC_CASES[name])
    assert x == pytest.approx(3.0, abs=1e-3) and y == pytest.approx(-1.0, abs=1e-3)


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW, RMSprop])
def test_maximize_climbs_the_negated_quadratic(cls):
    options = {"lr": 0.05} | ({"weight_decay": 0.0} if cls is AdamW else {})
    x, y = descend(lambda ps: cls(ps, maximize=True, **options), sign=-1.0)
    assert x == pytest.approx(3.0, abs=1e-3) and y == pytest.approx(-1.0, abs=1e-3)


def test_l2_weight_decay_moves_the_minimum():
    # minimum of (x - 3)^2 + (lambda / 2) x^2: 2 (x - 3) + lambda x = 0, x = 6 / (2 + lambda)
    x, y = descend(lambda ps: SGD(ps, lr=0.1, weight_decay=0.5))
    assert x == pytest.approx(6 / 2.5, rel=1e-9) and y == pytest.approx(-2 / 2.5, rel=1e-9)


def test_the_current_lr_is_used_at_each_step():
    # a schedule changes opt.lr between steps; AdamW's decay uses it too
    ps = [Value(x) for x in START]
    opt = AdamW(ps, lr=0.1, weight_decay=0.2)
    for gs, lr in zip(GRADS[:2], [0.1, 0.05]):
        opt.lr = lr
        for p, g in zip(ps, gs):
            p.grad = g
        opt.step()
    first = adamw_reference([GRADS[0][0]], START[0], lr=0.1, weight_decay=0.2)[0]
    # the second step, from the first step's state, with lr 0.05
    m = 0.9 * 0.1 * GRADS[0][0] + 0.1 * GRADS[1][0]
    v = 0.999 * 0.001 * GRADS[0][0] ** 2 + 0.001 * GRADS[1][0] ** 2
    second = first * (1 - 0.05 * 0.2) - 0.05 * (m / 0.19) / (math.sqrt(v / (1 - 0.999**2)) + 1e-8)
    assert ps[0].data == pytest.approx(second, rel=1e-13)


def test_zero_grad():
    ps = [Value(1.0), Value(2.0)]
    (ps[0] * ps[1]).backward(create_graph=True)
    assert isinstance(ps[0].grad, Value)
    Adam(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0] and all(type(p.grad) is float for p in ps)


def test_a_gradient_that_is_a_value_is_read_as_its_number():
    p = Value(3.0)
    (p * p).backward(create_graph=True)  # grad is the Value 2p = 6
    SGD([p], lr=0.5).step()
    assert p.data == 0.0 and type(p.data) is float


def test_parameters_from_any_iterable_and_state_kept_by_the_optimizer():
    ps = [Value(1.0), Value(2.0)]
    opt = SGD((p for p in ps), lr=0.1, momentum=0.9)
    for p in ps:
        p.grad = 1.0
    opt.step()
    assert opt.params == ps and opt.state == {"momentum_buffer": [1.0, 1.0]}
    assert opt.step_count == 1


@pytest.mark.parametrize(("build", "words"), [
    (lambda ps: SGD(ps, lr=-0.1), r"lr must be a real number >= 0, got -0\.1"),
    (lambda ps: SGD(ps, lr=math.nan), "lr must be a real number >= 0, got nan"),
    (lambda ps: Adam(ps, lr=-1), "lr must be a real number >= 0, got -1"),
    (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), r"momentum must be a real number >= 0, got -0\.5"),
    (lambda ps: RMSprop(ps, momentum=-0.5), r"momentum must be a real number >= 0, got -0\.5"),
    (lambda ps: SGD(ps, lr=0.1, weight_decay=-1),
     "weight_decay must be a real number >= 0, got -1"),
    (lambda ps: AdamW(ps, weight_decay=-0.01),
     r"weight_decay must be a real number >= 0, got -0\.01"),
    (lambda ps: RMSprop(ps, weight_decay=-2.0),
     r"weight_decay must be a real number >= 0, got -2\.0"),
    (lambda ps: SGD(ps, lr=0.1, nesterov=True), "nesterov needs momentum > 0.*momentum=0"),
    (lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     r"nesterov needs.*dampening=0\.1"),
    (lambda ps: Adam(ps, betas=(0.9, 1.0)),
     r"betas\[1\] must be a real number in \[0, 1\), got 1\.0"),
    (lambda ps: AdamW(ps, betas=(-0.1, 0.9)),
     r"betas\[0\] must be a real number in \[0, 1\), got -0\.1"),
    (lambda ps: Adam(ps, betas=(0.9,)), "betas must be a pair"),
    (lambda ps: Adam(ps, eps=-1e-8), "eps must be a real number >= 0, got -1e-08"),
    (lambda ps: RMSprop(ps, eps=-1.0), r"eps must be a real number >= 0, got -1\.0"),
    (lambda ps: RMSprop(ps, alpha=-0.1), r"alpha must be a real number >= 0, got -0\.1"),
    (lambda ps: SGD([], lr=0.1), "empty"),
    (lambda ps: SGD(ps * 2, lr=0.1), "more than once"),
])
def test_bad_hyperparameters(build, words):
    with pytest.raises(ValueError, match=words):
        build([Value(1.0)])


def test_parameters_and_settings_must_be_of_the_right_type():
    with pytest.raises(TypeError, match="float"):
        SGD([1.0], lr=0.1)
    with pytest.raises(TypeError, match="lr must be a real number"):
        SGD([Value(1.0)], lr="0.1")
    with pytest.raises(NotImplementedError):
        Optimizer([Value(1.0)], lr=0.1).step()


# --- state_dict ---

@pytest.mark.parametrize("name", list(CASES))
def test_state_dict_round_trip_continues_identically(name):
    cls, options = CASES[name]
    ps, qs = [Value(x) for x in START], [Value(0.0), Value(0.0)]
    a, b = cls(ps, **options), cls(qs, **options)
    for gs in GRADS[:3]:
        for p, g in zip(ps, gs):
            p.grad = g
        a.step()
    for p, q in zip(ps, qs):
        q.data = p.data
    b.lr = 123.0  # overwritten by the loaded settings
    saved = json.loads(json.dumps(a.state_dict()))
    b.load_state_dict(saved)
    assert b.state_dict() == a.state_dict() == saved
    for gs in GRADS[3:]:
        for p, q, g in zip(ps, qs, gs):
            p.grad = q.grad = g
        a.step()
        b.step()
        assert [q.data for q in qs] == [p.data for p in ps]


def test_state_dict_contents():
    ps = [Value(x) for x in START]
    opt = Adam(ps, lr=0.1)
    for gs in GRADS[:2]:
        for p, g in zip(ps, gs):
            p.grad = g
        opt.step()
    state = opt.state_dict()
    assert state["optimizer"] == "Adam" and state["step"] == 2 and state["num_parameters"] == 2
    assert state["hyperparameters"] == {"lr": 0.1, "betas": [0.9, 0.999], "eps": 1e-8,
                                        "weight_decay": 0.0, "amsgrad": False,
                                        "maximize": False}
    assert set(state["state"]) == {"exp_avg", "exp_avg_sq"}  # no AMSGrad maximum
    # m2 = 0.9 (0.1 g1) + 0.1 g2, per parameter, in parameter order
    assert state["state"]["exp_avg"] == pytest.approx([0.9 * 0.05 - 0.15, 0.9 * -0.2 + 0.025])
    assert SGD(ps, lr=0.1).state_dict()["state"] == {}  # plain SGD keeps nothing


def stepped_adam(n=2):
    ps = [Value(x) for x in (1.0, -0.5, 2.0)[:n]]
    opt = Adam(ps, lr=0.1, amsgrad=True)
    for gs in GRADS[:2]:
        for p, g in zip(ps, gs):
            p.grad = g
        opt.step()
    return opt


def changed(update):
    state = stepped_adam().state_dict()
    update(state)
    return state


@pytest.mark.parametrize(("bad", "words"), [
    (stepped_adam(3).state_dict(), "for 3 parameters, but the optimizer has 2"),
    (stepped_adam(1).state_dict(), "for 1 parameters, but the optimizer has 2"),
    (Adam([Value(1.0)], amsgrad=True).state_dict(), "for 1 parameters"),  # no state yet
    (changed(lambda s: s["state"]["exp_avg"].pop()), "has 1 values, but the optimizer has 2"),
    (SGD([Value(1.0), Value(2.0)], lr=0.1).state_dict(), "for optimizer 'SGD', not Adam"),
    (changed(lambda s: s["state"].update(momentum_buffer=[0.0, 0.0])), "no state 'momentum"),
    (changed(lambda s: s["state"]["exp_avg"].__setitem__(0, "x")), "must hold numbers"),
    (changed(lambda s: s["hyperparameters"].update(lr=-1.0)),
     "lr must be a real number >= 0, got -1.0"),
    (changed(lambda s: s["hyperparameters"].update(betas=[0.9, 1.5])), r"betas\[1\]"),
    (changed(lambda s: s["hyperparameters"].update(momentum=0.9)), "hyperparameters must be"),
    (changed(lambda s: s["hyperparameters"].pop("eps")), "hyperparameters must be"),
    (changed(lambda s: s.update(step=-1)), "step count"),
    (changed(lambda s: s.pop("state")), "must be a mapping"),
])
def test_a_mismatched_state_is_refused_and_changes_nothing(bad, words):
    opt, twin = stepped_adam(), stepped_adam()
    opt.lr = twin.lr = 0.25
    before = opt.state_dict()
    with pytest.raises(ValueError, match=words):
        opt.load_state_dict(bad)
    assert opt.state_dict() == before
    for p, q in zip(opt.params, twin.params):
        p.grad = q.grad = 0.5
    opt.step()
    twin.step()
    assert [p.data for p in opt.params] == [q.data for q in twin.params]


def test_plain_sgd_keeps_no_state_but_checks_the_parameter_count():
    three = SGD([Value(1.0), Value(2.0), Value(3.0)], lr=0.5).state_dict()
    opt = SGD([Value(1.0), Value(2.0)], lr=0.1)
    with pytest.raises(ValueError, match="for 3 parameters, but the optimizer has 2"):
        opt.load_state_dict(three)
    assert opt.lr == 0.1
    three["num_parameters"] = 2
    opt.load_state_dict(three)
    assert opt.lr == 0.5


def test_loading_a_fresh_state_starts_over():
    opt = stepped_adam()
    fresh = Adam([Value(0.0), Value(0.0)], lr=0.1, amsgrad=True).state_dict()
    opt.load_state_dict(fresh)
    assert opt.step_count == 0 and opt.state == {}
    opt.params[0].grad = 0.5
    opt.step()  # a first step again: lr g / (|g| + eps)
    assert opt.state["exp_avg"][0] == pytest.approx(0.05)


# --- the same steps with torch.optim itself, where torch is installed ---

@pytest.mark.parametrize("name", list(CASES))
def test_same_steps_and_state_as_torch(name):
    torch = pytest.importorskip("torch")
    cls, options = CASES[name]
    ps = [torch.tensor([x], dtype=torch.float64, requires_grad=True) for x in START]
    opt = getattr(torch.optim, cls.__name__)(ps, **options)
    path = []
    for gs in GRADS[:5]:
        for p, g in zip(ps, gs):
            p.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        path.append([p.item() for p in ps])
    ours = cls([Value(x) for x in START], **options)
    for gs in GRADS[:5]:
        for p, g in zip(ours.params, gs):
            p.grad = g
        ours.step()
    assert [p.data for p in ours.params] == pytest.approx(path[-1], rel=1e-12, abs=1e-15)
    assert run(make(name), GRADS[:5]) == [pytest.approx(row, rel=1e-12, abs=1e-15)
                                          for row in path]
    # the same running quantities, under the same names
    for k, p in enumerate(ps):
        theirs = {key: value.item() for key, value in opt.state[p].items() if key != "step"}
        assert theirs == pytest.approx({key: values[k] for key, values in ours.state.items()},
                                       rel=1e-12, abs=1e-15)


def test_same_nan_as_torch_when_centered_rmsprop_variance_rounds_below_zero():
    torch = pytest.importorskip("torch")
    p = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RMSprop([p], alpha=0.75, centered=True)
    for _ in range(200):
        p.grad = torch.tensor([0.3], dtype=torch.float64)
        opt.step()
    ours = one(lambda ps: RMSprop(ps, alpha=0.75, centered=True), [0.3] * 200)
    assert math.isnan(p.item()) and math.isnan(ours[-1])
