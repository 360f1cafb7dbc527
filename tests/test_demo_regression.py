"""demos.regression: the tanh MLP fits the curve and the plot is written."""

import math

import pytest

from demos.regression import main, truth


def test_truth_is_the_curve_behind_the_data():
    assert truth(0.0) == 0.0
    assert truth(math.pi / 2) == pytest.approx(1 + math.pi / 8, rel=1e-15)


def test_main_reports_the_error_and_writes_the_plot(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--samples", "10", "--epochs", "2",
                 "--no-progress"]) == 0
    assert "mean squared error against the data" in capsys.readouterr().out
    assert (tmp_path / "regression_fit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_default_settings_fit_close_to_the_noise_level(tmp_path, capsys):
    main(["--out", str(tmp_path), "--no-progress"])
    printed = capsys.readouterr().out
    fit_error = float(printed.split("against the data ")[1].split()[0])
    off_curve = float(printed.split("against the true curve ")[1].split()[0])
    # noise 0.1: variance 0.01; a good fit is near it and much nearer to the curve itself
    assert 0.005 < fit_error < 0.02 and off_curve < 0.01
