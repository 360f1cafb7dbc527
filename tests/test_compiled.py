"""nn.compiled: a model's per-sample loss, compiled, matches the engine batch by batch."""

import random

import pytest

import nn
from nn.compiled import CompiledLoss
from nn.losses import cross_entropy, hinge_loss, l2_penalty, mse_loss


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
    run = CompiledLoss(model, lambda p, t: mse_loss([p[0][0] + p[0][1]], t),
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
    with pytest.raises(TypeError, match=r"traces the target as a Value.*compiled=False"):
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
