"""The engine benchmark's comparison with micrograd, on a few steps (not timed)."""

import pytest

from benchmarks import engine

pytest.importorskip("micrograd")


def test_same_losses_as_micrograd_from_the_same_weights():
    r = engine.compare_with_micrograd(steps=3)
    assert abs(r["loss_ours"] - r["loss_micrograd"]) <= 1e-12
    assert r["acc_ours"] == r["acc_micrograd"]


def test_chain_memory_is_measured_per_op():
    ours = engine.bytes_per_op(engine.autograd.Value, 3000, backward=True)
    assert 50 < ours < 400


def test_hand_written_numpy_step_trains_like_the_compiled_fit():
    from benchmarks import compiled, training

    X, labels = compiled.nn.make_moons(100, noise=0.1, rng=compiled.random.Random(1337))
    y = [2 * label - 1 for label in labels]
    _, loss, acc = compiled.numpy_loop(X, y, 3, 1337)
    for mode in ("numpy", "python"):
        _, history = training.idiomatic(X, y, 3, 1337, compiled=mode)
        assert abs(history.loss[-1] - loss) <= 1e-12
        assert history.metric[-1] == acc
