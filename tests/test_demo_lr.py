"""demos.lr: small, good, oscillating and diverging learning rates on one problem."""

import itertools

from demos.lr import main, sweep

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_four_regimes():
    runs = sweep([0.01, 0.1, 0.3, 1.0], 150, 1337)
    slow, good, bouncing, exploding = (runs[lr][0] for lr in (0.01, 0.1, 0.3, 1.0))
    assert good[-1] < slow[-1] and good[-1] < bouncing[-1]
    assert all(b <= a for a, b in itertools.pairwise(good))  # straight down
    assert sum(b > a for a, b in itertools.pairwise(bouncing)) > 10  # up and down
    assert runs[1.0][1].startswith("diverged") and exploding[-1] > 1e100


def test_main_writes_the_picture(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--lrs", "0.1", "5", "--epochs", "30",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "lr 0.1: loss" in printed and "upward, diverging" not in printed.splitlines()[0]
    assert printed.splitlines()[1].startswith("lr 5: ") and "diverg" in printed.splitlines()[1]
    assert (tmp_path / "lr.png").read_bytes()[:8] == PNG
