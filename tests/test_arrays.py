"""nn.arrays: compiled training with the parameters and the optimizer's buffers as arrays
follows eager training step for step, and the Values are current whenever user code runs."""

import math
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from nn.arrays import ArrayTraining
from nn.compiled import CompiledLoss
from nn.losses import (
    binary_cross_entropy_with_logits,
    hinge_loss,
    l1_loss,
    l2_penalty,
    mse_loss,
)
from nn.lr_scheduler import LambdaLR, StepLR
from nn.optim import SGD, Adam, AdamW, RMSprop
from nn.train import accuracy, fit

np = pytest.importorskip("numpy", reason="compiled training on arrays needs NumPy (the fast "
                                           "extra)")

OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.3),
    "sgd momentum dampening decay": lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.2,
                                                   weight_decay=1e-2),
    "sgd nesterov maximize": lambda ps: SGD(ps, lr=0.1, momentum=0.8, nesterov=True,
                                            maximize=True),
    "adam": lambda ps: Adam(ps, lr=0.05, weight_decay=1e-3),
    "adam amsgrad": lambda ps: Adam(ps, lr=0.05, amsgrad=True),
    "adamw": lambda ps: AdamW(ps, lr=0.05),
    "rmsprop centered momentum": lambda ps: RMSprop(ps, lr=0.01, centered=True, momentum=0.5,
                                                    weight_decay=1e-3),
    "rmsprop": lambda ps: RMSprop(ps, lr=0.01),
}


def moons(n=37):
    # an odd count: no gradient is a sum of +-1 that cancels exactly, which the vector code,
    # summing in another order, would leave at a rounding error of 1e-18 that Adam and
    # RMSprop, dividing by its own size, would turn into a full step
    X, labels = nn.make_moons(n, noise=0.1, rng=random.Random(3))
    return X, labels


def run(compiled, optimizer, loss="hinge", batch_size=None, epochs=6, clip=None,
        scheduler=None, metric=None, seed=1, made=None):
    """One fit; returns its history, the model and the optimizer (also left in ``made``,
    for a fit that raises)."""
    X, labels = moons()
    model = nn.MLP(2, [5, 4, 1], rng=random.Random(seed))
    opt = OPTIMIZERS[optimizer](model.parameters())
    if made is not None:
        made.update(model=model, optimizer=opt)
    losses = {
        "hinge": (lambda s, t: hinge_loss(s, t) + l2_penalty(model.parameters(), 1e-3),
                  [2 * label - 1 for label in labels]),
        "mse sum": (lambda s, t: mse_loss(s, t, reduction="sum"), labels),
        "l1": (l1_loss, labels),
        "bce": (binary_cross_entropy_with_logits, labels),
    }
    loss_fn, targets = losses[loss]
    history = fit(model, loss_fn, opt, (X, targets), epochs=epochs, batch_size=batch_size,
                  rng=random.Random(0), compiled=compiled, clip_grad_norm=clip,
                  scheduler=scheduler(opt) if scheduler else None, metric=metric)
    return history, model, opt


def close(a, b, rel=1e-12):
    return a == pytest.approx(b, rel=rel, abs=1e-13)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_follows_the_eager_run(optimizer):
    eager, model, opt = run(False, optimizer)
    arrays, model2, opt2 = run("numpy", optimizer)
    assert close(arrays.loss, eager.loss)
    assert close([p.data for p in model2.parameters()], [p.data for p in model.parameters()],
                 rel=1e-10)
    assert close([p.grad for p in model2.parameters()], [p.grad for p in model.parameters()],
                 rel=1e-9)
    # the optimizer's state is the same whichever path ran
    one, two = opt.state_dict(), opt2.state_dict()
    assert one["step"] == two["step"] == 6 and set(one["state"]) == set(two["state"])
    for name in one["state"]:
        assert close(two["state"][name], one["state"][name], rel=1e-9)


@pytest.mark.parametrize("loss", ["hinge", "mse sum", "l1", "bce"])
@pytest.mark.parametrize("batch_size", [None, 8, 1])
def test_every_loss_and_way_of_feeding_follows_the_eager_run(loss, batch_size):
    epochs = 2 if batch_size == 1 else 4
    clip = 1.0 if loss == "mse sum" else None  # a sum's steps grow with the batch: clipped
    eager, model, _ = run(False, "sgd momentum dampening decay", loss, batch_size, epochs,
                          clip)
    arrays, model2, _ = run("numpy", "sgd momentum dampening decay", loss, batch_size, epochs,
                            clip)
    assert len(arrays.loss) == len(eager.loss)
    assert close(arrays.loss, eager.loss, rel=1e-12)
    assert close([p.data for p in model2.parameters()], [p.data for p in model.parameters()],
                 rel=1e-9)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("batch_size", [None, 8])
def test_samples_past_the_margin_left_out_of_the_backward_follow_the_eager_run(optimizer,
                                                                              batch_size):
    # the vector code drops the rows of samples without a gradient (here, at every size and
    # share): the same run as the eager engine's, where it adds their zeros
    from unittest import mock

    from autograd import kernels

    made = kernels.numpy_kernels
    dropped = []

    def spied():
        found = made()
        nonzero_rows = found["nonzero_rows"]

        def spy(n, *arrays):
            out = nonzero_rows(n, *arrays)
            dropped.append(n - len(out[0]))
            return out
        return found | {"nonzero_rows": spy}

    eager, model, _ = run(False, optimizer, batch_size=batch_size, epochs=12)
    with mock.patch.multiple(kernels, LIVE_SHARE=1.0, FEWEST=0), \
            mock.patch("autograd.compiler.compiled.numpy_kernels", spied):
        arrays, model2, _ = run("numpy", optimizer, batch_size=batch_size, epochs=12)
    assert sum(dropped) > 0  # rows did go
    assert close(arrays.loss, eager.loss, rel=1e-12)
    assert close([p.data for p in model2.parameters()], [p.data for p in model.parameters()],
                 rel=1e-9)


def test_clipping_and_schedules_work_on_arrays():
    eager, model, _ = run(False, "sgd momentum dampening decay", clip=0.05,
                          scheduler=lambda o: StepLR(o, 2, 0.5))
    arrays, model2, _ = run("numpy", "sgd momentum dampening decay", clip=0.05,
                            scheduler=lambda o: StepLR(o, 2, 0.5))
    assert eager.grad_norm and any(g > 0.05 for g in eager.grad_norm)  # it did clip
    assert close(arrays.grad_norm, eager.grad_norm, rel=1e-10)
    assert close(arrays.loss, eager.loss)
    assert close([p.data for p in model2.parameters()], [p.data for p in model.parameters()],
                 rel=1e-10)


def test_the_values_are_current_whenever_user_code_runs():
    seen = {}

    def watched(mode):
        def metric(predictions, targets):  # user code: reads a weight after each step
            seen.setdefault(mode, []).append(models[mode].parameters()[0].data)
            return accuracy(predictions, [2 * t - 1 for t in targets])
        return metric

    def schedule(mode):
        def factor(epoch):  # user code too: a LambdaLR's function
            seen.setdefault(f"{mode} lr", []).append(models[mode].parameters()[3].data)
            return 0.9 ** epoch
        return lambda o: LambdaLR(o, factor)

    models = {}
    X, labels = moons()
    for mode in (False, "numpy"):
        model = models[mode] = nn.MLP(2, [5, 4, 1], rng=random.Random(1))
        opt = SGD(model.parameters(), lr=0.2, momentum=0.5)
        fit(model, lambda s, t: mse_loss(s, t), opt, (X, [2 * t - 1 for t in labels]),
            epochs=4, batch_size=16, metric=watched(mode), scheduler=schedule(mode)(opt),
            compiled=mode)
    assert len(seen[False]) == 12 and close(seen["numpy"], seen[False])
    assert len(seen["False lr"]) == 5 and close(seen["numpy lr"], seen["False lr"])


def test_an_error_mid_run_leaves_the_model_at_the_last_completed_step():
    class Stop(Exception):
        pass

    def after(steps):
        calls = []

        def metric(predictions, targets):
            calls.append(1)
            if len(calls) == steps:
                raise Stop
            return 0.0
        return metric

    for mode in (False, "numpy"):
        made = {}
        with pytest.raises(Stop):
            run(mode, "adam", metric=after(3), made=made)
        # the metric runs after the step: the model is where three steps leave it
        _, model, opt = run(mode, "adam", epochs=3)
        assert close([p.data for p in made["model"].parameters()],
                     [p.data for p in model.parameters()])
        stopped, done = made["optimizer"].state_dict(), opt.state_dict()
        assert stopped["step"] == done["step"] == 3
        assert close(stopped["state"]["exp_avg"], done["state"]["exp_avg"])


def test_a_step_that_leaves_the_floats_gives_the_eager_error_and_changes_nothing():
    """Adam with eps = 0 divides 0 by 0 where a gradient is exactly 0 (a dead unit): the
    eager step raises ZeroDivisionError; so does the array step, by running the rule on
    floats, and neither moves a parameter."""
    X, labels = moons(8)
    results = []
    for mode in (False, "numpy"):
        model = nn.MLP(2, [3, 1], rng=random.Random(2))
        model.layers[0].neurons[0].w[0].data = model.layers[0].neurons[0].w[1].data = -50.0
        model.layers[0].neurons[0].b.data = -500.0  # never active: zero gradients
        opt = Adam(model.parameters(), lr=0.05, eps=0.0)
        before = [p.data for p in model.parameters()]
        with pytest.raises(ZeroDivisionError):
            fit(model, mse_loss, opt, (X, labels), epochs=2, compiled=mode)
        assert [p.data for p in model.parameters()] == before and opt.step_count == 0
        results.append([p.grad for p in model.parameters()])
    assert close(results[1], results[0])


def test_only_runs_it_can_follow_go_on_arrays():
    X, labels = moons(40)
    model = nn.MLP(2, [3, 1], rng=random.Random(2))
    loss = CompiledLoss(model, mse_loss, X, labels, "numpy")
    ps = model.parameters()
    assert ArrayTraining.fits(loss, SGD(ps, lr=0.1), 40)
    assert not ArrayTraining.fits(loss, SGD(ps[1:], lr=0.1), 40)  # not every parameter
    assert not ArrayTraining.fits(loss, SGD(ps[::-1], lr=0.1), 40)  # in another order

    class Mine(SGD):  # a user's rule may not take arrays
        def rule(self, m, theta, g, state, t):
            return theta - self.lr * math.copysign(1.0, g)

    assert not ArrayTraining.fits(loss, Mine(ps, lr=0.1), 40)
    python = CompiledLoss(model, mse_loss, X, labels, "python")
    assert not ArrayTraining.fits(python, SGD(ps, lr=0.1), 40)
    auto = CompiledLoss(model, mse_loss, X, labels, "auto")
    assert ArrayTraining.fits(auto, SGD(ps, lr=0.1), 40) and not ArrayTraining.fits(
        auto, SGD(ps, lr=0.1), 8)  # small batches run as Python floats
    history = fit(model, mse_loss, Mine(ps, lr=0.01), (X, labels), epochs=2,
                  compiled=loss)  # on Values, as before
    assert len(history.loss) == 2 and all(map(math.isfinite, history.loss))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(OPTIMIZERS)), st.integers(1, 4),
       st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3),
                          st.floats(0.0, 1e3), st.floats(-1e3, 1e3)), min_size=1, max_size=12))
def test_a_rule_on_arrays_gives_the_floats_of_the_rule_on_floats(optimizer, t, rows):
    """The same rule, element by element on floats and at once on arrays: the same bits
    (where the arrays stay finite; elsewhere ArrayTraining runs the rule on floats)."""
    from nn.arrays import Arrays
    from nn.optim import FLOATS

    opt = OPTIMIZERS[optimizer]([nn.MLP(1, [1]).parameters()[0]])
    names = opt.buffers_used()
    # buffers: a momentum or mean of either sign, second moments not below zero
    state_of = {name: [row[3] if "sq" not in name and name != "square_avg" else row[2]
                       for row in rows] for name in names}
    thetas, grads = [row[0] for row in rows], [row[1] for row in rows]
    try:
        with np.errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
            state = {name: np.array(values) for name, values in state_of.items()}
            at_once = opt.update(Arrays(np), np.array(thetas), np.array(grads), state, t)
    except FloatingPointError:
        return  # the floats' turn: what ArrayTraining does then
    for i, (theta, g) in enumerate(zip(thetas, grads)):
        one = {name: values[i] for name, values in state_of.items()}
        assert struct.pack("<d", opt.update(FLOATS, theta, g, one, t)) == struct.pack(
            "<d", float(at_once[i]))
        for name in names:
            assert struct.pack("<d", one[name]) == struct.pack("<d", float(state[name][i]))
