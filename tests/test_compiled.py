"""nn.compiled: a model's per-sample loss, compiled, matches the engine batch by batch."""

import random

import pytest

import nn
from autograd import Value
from autograd import sum as vsum
from nn.compiled import CompiledLoss
from nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_loss,
    l2_penalty,
    mse_loss,
)
from nn.optim import SGD
from nn.train import fit


def close(a, b):
    return a == pytest.approx(b, rel=1e-12, abs=1e-13)


def moons():
    X, labels = nn.make_moons(12, noise=0.1, rng=random.Random(3))
    return X, [2 * label - 1 for label in labels]


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_loss_gradients_and_predictions_match_the_engine(backend):
    X, y = moons()
    model = nn.MLP(2, [4, 4, 1], rng=random.Random(1))

    def loss_fn(scores, targets):
        return hinge_loss(scores, targets) + l2_penalty(model.parameters(), 1e-3)

    scores = [model(x) for x in X]
    expected = loss_fn(scores, y)
    expected.backward()
    eager_grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    run = CompiledLoss(model, loss_fn, X, y, backend)
    loss, predictions = run(X, y)
    assert close(loss, expected.data)
    assert close(predictions, [s.data for s in scores])
    assert close([p.grad for p in model.parameters()], eager_grads)


def test_several_outputs_come_back_as_lists():
    model = nn.MLP(2, [3, 2], rng=random.Random(0))
    run = CompiledLoss(model, lambda p, t: mse_loss([q[0] + q[1] for q in p], t),
                       [[0.5, 1.0]], [2.0], "python")
    _, predictions = run([[0.5, 1.0], [1.0, -1.0]], [2.0, 0.0])
    expected = [[v.data for v in model(x)] for x in ([0.5, 1.0], [1.0, -1.0])]
    assert [len(p) for p in predictions] == [2, 2]
    assert close([v for p in predictions for v in p], [v for e in expected for v in e])


def test_number_targets_are_still_checked():
    X, _ = moons()
    model = nn.MLP(2, [2, 1], rng=random.Random(0))
    with pytest.raises(ValueError, match="labels must be -1 or \\+1, got 0"):
        CompiledLoss(model, hinge_loss, X, [0] * len(X))


def test_a_loss_that_cannot_take_a_value_target_says_so():
    model = nn.MLP(2, [3], rng=random.Random(0))
    with pytest.raises(TypeError, match=r"Values as the inputs and the target.*compiled=False"):
        CompiledLoss(model, lambda p, t: cross_entropy(p, t), [[0.5, 1.0]], [1], "python")


def test_backend_and_model_are_checked():
    X, y = moons()
    model = nn.MLP(2, [1])
    with pytest.raises(ValueError, match="backend must be"):
        CompiledLoss(model, hinge_loss, X, y, "gpu")
    with pytest.raises(TypeError, match="a model with parameters"):
        CompiledLoss(lambda x: x[0], hinge_loss, X, y)


def test_missing_numpy_is_a_clear_error(monkeypatch):
    import nn.compiled as compiled

    monkeypatch.setattr(compiled, "numpy_or_none", lambda: None)
    with pytest.raises(ImportError, match=r"chainrule\[fast\]"):
        CompiledLoss(nn.MLP(2, [1]), hinge_loss, *moons(), backend="numpy")


def data_for(loss):
    X, y = moons()
    if loss is binary_cross_entropy_with_logits:
        return X, [(t + 1) // 2 for t in y]
    if loss in (mse_loss, l1_loss):
        return X, [0.3 * t + 0.1 * x[0] for t, x in zip(y, X)]
    return X, y


@pytest.mark.parametrize("loss", [mse_loss, l1_loss, hinge_loss,
                                  binary_cross_entropy_with_logits])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_compiled_fit_follows_eager_fit_for_every_loss_and_reduction(loss, reduction, backend):
    X, y = data_for(loss)

    def loss_fn(p, t):
        return loss(p, t, reduction=reduction)

    runs = []
    for compiled in (False, backend):
        model = nn.MLP(2, [5, 1], activation="tanh", rng=random.Random(4))
        history = fit(model, loss_fn, SGD(model.parameters(), lr=0.05), (X, y), epochs=3,
                      batch_size=5, rng=random.Random(0), compiled=compiled)
        runs.append((history.loss, [p.data for p in model.parameters()]))
    (eager_loss, eager_params), (compiled_loss, compiled_params) = runs
    assert close(compiled_loss, eager_loss)
    assert compiled_params == pytest.approx(eager_params, rel=1e-9, abs=1e-12)


def test_a_loss_that_reads_the_target_as_a_number_is_refused():
    X, y = moons()
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    with pytest.raises(TypeError, match="compiled=False"):  # float(Value) refuses itself
        CompiledLoss(model, lambda p, t: mse_loss(p, [float(v) for v in t]), X, y, "python")
    with pytest.raises(TypeError, match=r"reads a number out of the graph.*compiled=False"):
        CompiledLoss(model, lambda p, t: mse_loss(p, [getattr(v, "data", v) for v in t]), X, y,
                     "python")


MODEL = nn.MLP(2, [3, 1], rng=random.Random(0))


@pytest.mark.parametrize("loss_fn", [
    lambda p, t: mse_loss(p[:1], t[:1]),  # the first sample of the batch only
    lambda p, t: mse_loss(p, t, reduction="sum") + l2_penalty(MODEL.parameters()),
    lambda p, t: mse_loss(p, t) * mse_loss(p, t),
])
def test_a_loss_that_is_no_mean_or_sum_over_samples_is_refused(loss_fn):
    X, y = moons()
    with pytest.raises(TypeError, match=r"neither the mean nor the sum.*compiled=False"):
        CompiledLoss(MODEL, loss_fn, X, y, "python")


def median(p, t):
    """The median of the squared errors: the mean of two, but of no more."""
    errors = sorted((q - s) ** 2 for q, s in zip(p, t))
    n = len(errors)
    return errors[n // 2] if n % 2 else (errors[n // 2 - 1] + errors[n // 2]) / 2


def bias_penalty(p, t):
    """A sum over samples plus a penalty of the biases, which is 0 while they are."""
    return mse_loss(p, t, reduction="sum") + vsum(n.b * n.b for n in MODEL.layers[0].neurons)


def penalty_per_sample(p, t):
    """A mean plus an L2 penalty divided by the batch size: no per-sample loss gives it."""
    return mse_loss(p, t) + l2_penalty(MODEL.parameters(), 0.1) / len(p)


@pytest.mark.parametrize("loss_fn", [median, bias_penalty, penalty_per_sample])
def test_losses_that_two_samples_or_zero_biases_would_hide_are_refused(loss_fn):
    X, y = moons()
    assert all(n.b.data == 0.0 for n in MODEL.layers[0].neurons)
    before = MODEL.state_dict()
    with pytest.raises(TypeError, match="compiled=False"):
        CompiledLoss(MODEL, loss_fn, X, y, "python")
    assert MODEL.state_dict() == before  # the check moves the parameters and puts them back


@pytest.mark.parametrize("width", [32, 64, 128])
def test_wide_networks_train_compiled(width):
    X, y = moons()
    runs = []
    for compiled in (False, "python", "numpy"):
        model = nn.MLP(2, [width, width, 1], rng=random.Random(1))
        history = fit(model, hinge_loss, SGD(model.parameters(), lr=0.01), (X[:4], y[:4]),
                      compiled=compiled)
        runs.append(history.loss)
    assert close(runs[1], runs[0]) and close(runs[2], runs[0])


def test_a_model_that_branches_on_a_value_is_refused():
    class Branching(nn.Module):
        def __init__(self):
            self.w = nn.Neuron(1, "linear", rng=random.Random(0)).w

        def __call__(self, x):
            return x[0] * self.w[0] if x[0] > 0 else x[0] * x[0] * self.w[0]

    with pytest.raises(TypeError, match=r"ordering .* on a Value.*compiled=False"):
        CompiledLoss(Branching(), mse_loss, [[3.0], [-1.0]], [1.0, 2.0], "python")
    assert Value(2.0) > 1 and Value(2.0)  # outside a trace, comparisons work as before
