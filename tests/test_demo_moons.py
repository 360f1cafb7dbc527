"""demos.moons: the main demo trains, reports and writes its four files."""

import random
import xml.etree.ElementTree as ET

import pytest

import nn
from demos.moons import main, train

PNG = b"\x89PNG\r\n\x1a\n"


def test_main_writes_the_plots_the_neuron_and_the_model(tmp_path, capsys):
    out = tmp_path / "moons"
    args = ["--out", str(out), "--samples", "20", "--epochs", "3", "--hidden", "4",
            "--no-progress"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "MLP(2 -> [4, 1]" in printed and "training accuracy" in printed
    for name in ("moons_boundary.png", "moons_loss.png"):
        assert (out / name).read_bytes()[:8] == PNG
    texts = [t.text for t in ET.parse(out / "moons_neuron.svg").getroot().iter(
        "{http://www.w3.org/2000/svg}text")]
    assert {"x1", "x2", "w1", "w2", "b", "o", "relu"} <= set(texts)
    grads = [t.split()[1] for t in texts if t and t.startswith("grad ")]
    assert any(float(g) != 0.0 for g in grads)  # the neuron drawn is active on its point
    # the saved weights are the trained ones: loading them reproduces the run's model
    trained, _ = train(*nn.make_moons(20, noise=0.1, rng=random.Random(1337)), [4], 3, 1.0,
                       1337, False)
    loaded = nn.MLP(2, [4, 1])
    loaded.load(out / "moons_model.json")
    assert loaded.state_dict() == trained.state_dict()


def test_progress_bar_is_shown_unless_switched_off(tmp_path, capsys):
    main(["--out", str(tmp_path), "--samples", "8", "--epochs", "2", "--hidden", "2"])
    assert "2/2" in capsys.readouterr().err


def test_default_recipe_learns_the_moons():
    X, labels = nn.make_moons(100, noise=0.1, rng=random.Random(1337))
    _, history = train(X, labels, [16, 16], 100, 1.0, 1337, False)
    assert history.metric[-1] == 1.0
    assert history.loss[-1] < history.loss[0] / 20


def test_divergence_is_a_one_line_error(tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["--out", str(tmp_path), "--samples", "20", "--epochs", "5", "--lr", "1e200",
              "--no-progress"])
    assert str(info.value.code).startswith("training diverged: the forward pass overflowed")


def test_compiled_training_gives_the_same_model(tmp_path, capsys):
    args = ["--samples", "20", "--epochs", "3", "--hidden", "4", "--no-progress"]
    main(["--out", str(tmp_path / "a"), *args])
    main(["--out", str(tmp_path / "b"), "--compiled", *args])
    eager, compiled = nn.MLP(2, [4, 1]), nn.MLP(2, [4, 1])
    eager.load(tmp_path / "a" / "moons_model.json")
    compiled.load(tmp_path / "b" / "moons_model.json")
    assert [p.data for p in compiled.parameters()] == pytest.approx(
        [p.data for p in eager.parameters()], rel=1e-9, abs=1e-12)
