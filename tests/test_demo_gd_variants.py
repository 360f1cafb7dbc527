"""demos.gd_variants: every variant gets the same budget; the table, plot and CSV agree."""

import csv
import math
import random

import pytest

import nn
from demos.gd_variants import VARIANTS, evaluate, main, race, table


@pytest.fixture(scope="module")
def moons():
    return nn.make_moons(20, noise=0.1, rng=random.Random(0))


def test_every_variant_computes_the_same_number_of_sample_gradients(moons):
    X, labels = moons
    for variant in VARIANTS:
        run = race(variant, X, labels, epochs=2, seed=0, on_epoch=lambda: None)
        batch = variant.batch_size or len(X)  # the loader shows each sample once per epoch
        assert run.steps == 2 * math.ceil(len(X) / batch)
        assert len(run.loss) == len(run.seconds) == len(run.accuracy) == 3
        assert run.seconds == sorted(run.seconds) and run.seconds[0] == 0.0


def test_all_variants_start_from_the_same_weights_and_evaluate_without_a_graph(moons):
    X, labels = moons
    starts = {race(v, X, labels, 1, seed=3, on_epoch=lambda: None).loss[0] for v in VARIANTS}
    assert len(starts) == 1
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(3))
    loss, acc = evaluate(model, X, labels)
    assert loss == starts.pop() and 0.0 <= acc <= 1.0
    assert all(p.grad == 0.0 for p in model.parameters())


def test_training_lowers_the_loss_for_every_variant(moons):
    X, labels = moons
    for variant in VARIANTS:
        run = race(variant, X, labels, epochs=5, seed=0, on_epoch=lambda: None)
        assert run.loss[-1] < run.loss[0], variant.name


def test_main_prints_the_table_and_writes_plot_and_csv(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--samples", "10", "--epochs", "1",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "10 sample-gradients for every variant" in printed
    assert all(v.name in printed for v in VARIANTS)
    assert (tmp_path / "gd_variants.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(tmp_path / "gd_variants.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * len(VARIANTS)  # before training and after the one epoch
    assert [r["variant"] for r in rows[::2]] == [v.name for v in VARIANTS]
    assert all(float(r["loss"]) > 0 for r in rows)


def test_table_lines_up_its_columns(moons):
    X, labels = moons
    runs = [race(v, X, labels, 1, 0, lambda: None) for v in VARIANTS[:2]]
    lines = table(runs, len(X)).splitlines()
    assert len(lines) == 4 and set(lines[1]) == {"-"}
    assert len({len(line) for line in lines}) == 1
    assert lines[2].split()[:3] == ["batch", "GD", "20"]


def test_compiled_race_follows_the_eager_race(moons):
    X, labels = moons
    for variant in (VARIANTS[0], VARIANTS[2], VARIANTS[4]):  # full batch, batch 1, Adam
        eager = race(variant, X, labels, 2, 0, lambda: None)
        compiled = race(variant, X, labels, 2, 0, lambda: None, compiled=True)
        assert compiled.loss == pytest.approx(eager.loss, rel=1e-9)
