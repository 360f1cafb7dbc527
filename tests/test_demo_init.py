"""demos.init: zero weights keep every neuron a copy of the others; random ones do not."""

import random

from demos.init import first_layer, main, train
from nn import make_moons

PNG = b"\x89PNG\r\n\x1a\n"


def test_zero_start_keeps_the_neurons_identical_and_learns_nothing():
    X, labels = make_moons(20, rng=random.Random(0))
    y = [2 * t - 1 for t in labels]
    zero, zero_history = train("zeros", X, y, 5, 0, False)
    rows = first_layer(zero)
    assert all(row == rows[0] for row in rows) and zero_history.epoch_loss[-1] == 1.0
    rand, history = train("xavier", X, y, 5, 0, False)
    assert len({tuple(r) for r in first_layer(rand)}) == len(rows)
    assert history.epoch_loss[-1] < 1.0


def test_main_writes_the_picture(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--epochs", "5", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "the first layer's 8 neurons are 1 distinct one" in printed
    assert "the first layer's 8 neurons are 8 distinct ones" in printed
    assert (tmp_path / "init.png").read_bytes()[:8] == PNG
