"""demos.rnn: the Elman network learns to continue a sine wave, better than no memory."""

import random

from demos.rnn import Predictor, loss, main, train
from nn import make_sine_waves
from nn.optim import Adam

PNG = b"\x89PNG\r\n\x1a\n"


def test_training_lowers_the_loss_and_records_gradient_norms():
    inputs, targets = make_sine_waves(2, 6, rng=random.Random(0))
    model = Predictor(3, random.Random(1))
    run = train(model, inputs, targets, 20, Adam(model.parameters(), lr=0.05))
    assert run.diverged is None and len(run.losses) == len(run.norms) == 20
    assert run.losses[-1] < run.losses[0] and all(n > 0 for n in run.norms)
    assert loss(model, inputs, targets).data < run.losses[0]


def test_a_diverging_run_stops_and_says_so():
    inputs, targets = make_sine_waves(2, 6, rng=random.Random(0))
    model = Predictor(3, random.Random(1))
    for p in model.readout.parameters():
        p.data = 1e200  # the next loss is beyond any float
    run = train(model, inputs, targets, 5, Adam(model.parameters(), lr=0.05))
    assert run.diverged and "epoch 1" in run.diverged and run.losses == []


def test_main_beats_the_memoryless_guess_and_writes_the_plot(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--epochs", "60", "--waves", "4", "--length", "12",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    held_out = float(printed.split("on a new wave ")[1].split()[0])
    memoryless = float(printed.split("the current value itself: ")[1].split(")")[0])
    assert held_out < memoryless
    assert (tmp_path / "rnn.png").read_bytes()[:8] == PNG
