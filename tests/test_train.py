"""fit: the training loop, its history, accuracy, divergence and the moons end to end."""

import math
import random
import warnings

import pytest

from autograd import Value
from nn import MLP, DataLoader, make_moons
from nn.losses import hinge_loss, l2_penalty, mse_loss
from nn.lr_scheduler import LambdaLR
from nn.optim import SGD
from nn.train import accuracy, fit


def test_moons_reach_full_training_accuracy_within_100_steps():
    X, labels = make_moons(100, noise=0.1, rng=random.Random(1337))
    y = [2 * label - 1 for label in labels]
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LambdaLR(optimizer, lambda k: 1.0 - 0.9 * k / 100)  # micrograd's demo

    def loss_fn(scores, targets):
        return hinge_loss(scores, targets) + l2_penalty(model.parameters(), 1e-4)

    history = fit(model, loss_fn, optimizer, (X, y), epochs=100, scheduler=schedule,
                  metric=accuracy)
    assert len(history.loss) == len(history.epoch_loss) == 100  # full batch: a step an epoch
    assert history.metric[-1] == 1.0
    assert history.loss[-1] < 0.05 < history.loss[0]


def test_history_and_batches():
    X = [[x / 10] for x in range(10)]
    y = [2 * x[0] + 1 for x in X]
    model = MLP(1, [1], rng=random.Random(0))
    optimizer = SGD(model.parameters(), lr=0.1)
    history = fit(model, mse_loss, optimizer, (X, y), epochs=3, batch_size=4)
    assert len(history.loss) == 9 and len(history.epoch_loss) == 3  # 3 batches an epoch
    assert history.metric == [] and history.epoch_metric == []
    assert history.epoch_loss[-1] < history.epoch_loss[0]
    loader = DataLoader(X, y, batch_size=1, rng=random.Random(0))
    stochastic = fit(model, mse_loss, optimizer, loader, epochs=2)
    assert len(stochastic.loss) == 20
    # an epoch's loss is the batch losses weighted by batch size
    history = fit(model, mse_loss, SGD(model.parameters(), lr=0.0), (X, y), epochs=1,
                  batch_size=4)
    assert history.epoch_loss[0] == pytest.approx(
        (4 * history.loss[0] + 4 * history.loss[1] + 2 * history.loss[2]) / 10)


def test_divergence_stops_with_the_step_named_and_parameters_untouched():
    data = ([[1.0], [2.0]], [1.0, 2.0])
    model = MLP(1, [1], rng=random.Random(0))
    calls = []

    def loss_fn(predictions, targets):
        calls.append(1)
        loss = mse_loss(predictions, targets)
        return loss * math.inf if len(calls) == 3 else loss

    with pytest.raises(FloatingPointError, match="inf at step 3 \\(epoch 2\\)"):
        fit(model, loss_fn, SGD(model.parameters(), lr=0.1), data, epochs=5, batch_size=1)
    # the same two good steps on a twin: the third, diverging step changed nothing
    twin = MLP(1, [1], rng=random.Random(0))
    fit(twin, mse_loss, SGD(twin.parameters(), lr=0.1), data, epochs=1, batch_size=1)
    assert model.state_dict() == twin.state_dict()
    with pytest.raises(FloatingPointError, match="nan"):
        fit(model, lambda p, t: mse_loss(p, t) * math.nan, SGD(model.parameters(), lr=0.1),
            ([[1.0]], [1.0]))
    assert model.state_dict() == twin.state_dict()


def test_an_overflowing_forward_pass_stops_training_with_the_step_named():
    model = MLP(1, [1], rng=random.Random(0))
    before = model.state_dict()
    with pytest.raises(FloatingPointError, match=r"forward pass overflowed \(dot\(.*step 1 "):
        fit(model, mse_loss, SGD(model.parameters(), lr=0.1), ([[1e300]], [1.0]))
    assert model.state_dict() == before


@pytest.mark.parametrize("compiled", ["python", "numpy"])
def test_compiled_training_follows_the_eager_run(compiled):
    X, labels = make_moons(40, noise=0.1, rng=random.Random(2))
    histories, weights = [], []
    for mode in (False, compiled):
        model = MLP(2, [8, 8, 1], rng=random.Random(2))

        def loss_fn(scores, targets, model=model):
            return hinge_loss(scores, targets) + l2_penalty(model.parameters(), 1e-4)

        histories.append(fit(model, loss_fn, SGD(model.parameters(), lr=0.3), (X, [
            2 * label - 1 for label in labels]), epochs=3, batch_size=8, metric=accuracy,
            rng=random.Random(0), compiled=mode))
        weights.append([p.data for p in model.parameters()])
    assert histories[1].loss == pytest.approx(histories[0].loss, rel=1e-10)
    assert histories[1].metric == histories[0].metric
    assert weights[1] == pytest.approx(weights[0], rel=1e-9, abs=1e-12)


def test_compiled_training_stops_on_overflow_like_the_engine():
    model = MLP(1, [1], rng=random.Random(0))
    before = model.state_dict()
    with pytest.raises(FloatingPointError, match="step 1"):
        fit(model, mse_loss, SGD(model.parameters(), lr=0.1), ([[1e300]], [1.0]),
            compiled="python")
    assert model.state_dict() == before


@pytest.mark.parametrize("compiled", [False, "python", "numpy"])
@pytest.mark.parametrize("as_array", [False, True])
def test_data_that_is_not_finite_is_named_before_training(compiled, as_array):
    # a NaN target once stopped training with "the loss became nan ... try a smaller
    # learning rate": the data is named instead, before any step
    if (compiled == "numpy" or as_array) and not numpy_installed():
        pytest.skip("needs numpy")
    X = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
    y = [1.0, 2.0, 3.0]
    for bad_x, bad_y, message in (([[0.1, 0.2], [0.3, math.inf], [0.5, 0.6]], y,
                                   r"input 1 at column 1 is inf"),
                                  (X, [1.0, 2.0, math.nan], r"target 2 is nan")):
        if as_array:
            import numpy as np

            bad_x, bad_y = np.array(bad_x), np.array(bad_y)
        model = MLP(2, [1], rng=random.Random(0))
        before = model.state_dict()
        with pytest.raises(ValueError, match=message):
            fit(model, mse_loss, SGD(model.parameters(), lr=0.1), (bad_x, bad_y),
                compiled=compiled)
        with pytest.raises(ValueError, match=message):  # a DataLoader of them too
            fit(model, mse_loss, SGD(model.parameters(), lr=0.1),
                DataLoader(bad_x, bad_y, batch_size=2), compiled=compiled)
        assert model.state_dict() == before
    if as_array:  # finite arrays train (a DataLoader of arrays once asked their truth)
        import numpy as np

        fit(model, mse_loss, SGD(model.parameters(), lr=0.1), (np.array(X), np.array(y)),
            compiled=compiled)
        assert model.state_dict() != before


def numpy_installed():
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def test_accuracy_for_scores_and_logits():
    assert accuracy([Value(0.5), Value(-2.0), Value(1.0)], [1, -1, -1]) == pytest.approx(2 / 3)
    assert accuracy([Value(0.5), Value(-2.0)], [1, 0]) == 1.0
    assert accuracy([[Value(0.1), Value(2.0)], [Value(3.0), Value(-1.0)]], [1, 1]) == 0.5
    with pytest.raises(ValueError):
        accuracy([Value(1.0)], [1, 0])


def test_bad_arguments():
    model = MLP(1, [1], rng=random.Random(0))
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, mse_loss, optimizer, ([[1.0]], [1.0]), epochs=0)
    with pytest.raises(ValueError, match="batch_size to the DataLoader"):
        fit(model, mse_loss, optimizer, DataLoader([[1.0]], [1.0]), batch_size=1)
    with pytest.raises(TypeError, match="must return a Value"):
        fit(model, lambda p, t: 1.0, optimizer, ([[1.0]], [1.0]))


def test_progress_bar_writes_to_stderr(capsys):
    model = MLP(1, [1], rng=random.Random(0))
    fit(model, mse_loss, SGD(model.parameters(), lr=0.1), ([[1.0]], [1.0]), epochs=2,
        progress=True)
    assert "fit" in capsys.readouterr().err


class _Recording:
    """An optimizer that notes the joint gradient norm it is asked to step with."""

    def __init__(self, optimizer):
        self.optimizer, self.params, self.norms = optimizer, optimizer.params, []

    def zero_grad(self):
        self.optimizer.zero_grad()

    def step(self):
        self.norms.append(math.sqrt(math.fsum(p.grad * p.grad for p in self.params)))
        self.optimizer.step()


def test_fit_clips_the_gradient_norm_and_records_it_before_clipping():
    X, labels = make_moons(40, noise=0.1, rng=random.Random(0))
    y = [2 * t - 1 for t in labels]
    runs = {}
    for clip in (None, 0.05):
        model = MLP(2, [8, 1], rng=random.Random(1))
        optimizer = _Recording(SGD(model.parameters(), lr=0.1))
        history = fit(model, hinge_loss, optimizer, (X, y), epochs=3, clip_grad_norm=clip)
        runs[clip] = optimizer.norms, history
    (plain, plain_history), (clipped, history) = runs[None], runs[0.05]
    assert plain_history.grad_norm == [] and len(history.grad_norm) == 3
    assert history.grad_norm[0] == pytest.approx(plain[0], rel=1e-12)  # same first step
    assert history.grad_norm[0] > 0.05 and all(n <= 0.05 * (1 + 1e-9) for n in clipped)
    with pytest.raises(ValueError, match="clip_grad_norm"):
        fit(model, hinge_loss, SGD(model.parameters(), lr=0.1), (X, y), clip_grad_norm=0.0)


def test_fit_warns_when_the_loss_grows_by_orders_of_magnitude_before_it_overflows():
    X = [[x / 10] for x in range(-10, 11)]
    y = [3.0 * x[0] for x in X]
    model = MLP(1, [1], rng=random.Random(2))
    with (pytest.warns(RuntimeWarning, match="diverging") as caught,
          pytest.raises(FloatingPointError, match="smaller learning rate") as error):
        fit(model, mse_loss, SGD(model.parameters(), lr=40.0), (X, y), epochs=500)
    assert len([w for w in caught if "diverging" in str(w.message)]) == 1  # warned once
    losses = error.value.history.loss  # what fit recorded before it stopped
    step = int(str(error.value).split(" at step ")[1].split()[0])
    assert len(losses) == step - 1 and losses[-1] > 1e6 * losses[0]
    model = MLP(1, [1], rng=random.Random(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a run that learns warns nothing
        history = fit(model, mse_loss, SGD(model.parameters(), lr=0.3), (X, y), epochs=50)
        # one sample per step: losses from 0 to 2 and back are noise, not divergence
        moons, labels = make_moons(40, noise=0.2, rng=random.Random(3))
        net = MLP(2, [8, 1], rng=random.Random(3))
        fit(net, hinge_loss, SGD(net.parameters(), lr=0.05), (moons, [2 * t - 1 for t in labels]),
            epochs=4, batch_size=1)
    assert history.loss[-1] < 1e-3


def test_history_prints_a_summary_not_every_number():
    X, labels = make_moons(30, rng=random.Random(4))
    model = MLP(2, [4, 1], rng=random.Random(4))
    history = fit(model, hinge_loss, SGD(model.parameters(), lr=0.1),
                  (X, [2 * t - 1 for t in labels]), epochs=3, batch_size=10, metric=accuracy)
    text = repr(history)
    assert text.startswith("History(9 steps, 3 epochs; loss ") and "metric " in text
    assert f"{history.epoch_loss[0]:.4g} -> {history.epoch_loss[-1]:.4g}" in text
    assert len(text) < 120 and "grad_norm" not in text
    assert repr(type(history)()) == "History(0 steps, 0 epochs)"
