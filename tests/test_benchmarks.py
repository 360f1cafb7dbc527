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
