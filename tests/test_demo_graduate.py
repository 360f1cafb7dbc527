"""demos.graduate: a model trained here goes on in PyTorch from the same loss, and two
processes (DDP over gloo) follow the one-process curve."""

import pytest

torch = pytest.importorskip("torch", reason="demos.graduate needs PyTorch (the torch extra)")

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_exported_model_goes_on_from_where_chainrule_left_it():
    import nn
    from demos.graduate import data, in_chainrule, in_torch
    from nn.losses import hinge_loss

    X, y = data(0, n=20)
    model, losses = in_chainrule(X, y, 3, 0, False)
    left = hinge_loss([model(x) for x in X], y).data
    continued = in_torch(nn.to_torch(model), X, y, 2)
    assert continued[0] == pytest.approx(left, rel=1e-13) and continued[1] < continued[0]
    assert len(losses) == 3


def test_two_processes_follow_the_one_process_curve(tmp_path, capsys):
    from demos.graduate import main

    assert main(["--out", str(tmp_path), "--epochs", "3", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    gap = float(printed.split("largest difference from one process ")[1].split(")")[0])
    assert gap < 1e-12
    assert (tmp_path / "graduate.png").read_bytes()[:8] == PNG
