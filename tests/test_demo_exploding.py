"""demos.exploding: without clipping the run diverges, with clipping it learns."""

from demos.exploding import backward_norms, main, model

PNG = b"\x89PNG\r\n\x1a\n"


def test_large_recurrent_weights_and_the_gradient_through_time():
    xs = [[0.5], [-0.2], [0.9], [0.1], [-0.7], [0.3]]
    small, large = (backward_norms(model(4, s, 0), xs, 0.2) for s in (0.2, 3.0))
    assert len(small) == len(large) == 6
    assert small[0] < small[-1] * 1e-3  # vanishing: little of it reaches the first step
    base = model(4, 1.0, 0)
    scaled = model(4, 3.0, 0)
    assert [w.data * 3.0 for row in base.rnn.weight_hh for w in row] == [
        w.data for row in scaled.rnn.weight_hh for w in row]


def test_main_shows_the_unclipped_run_diverge_and_the_clipped_one_learn(tmp_path, capsys):
    assert main(["--out", str(tmp_path), "--epochs", "60", "--length", "20",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    unclipped, clipped = printed.splitlines()[:2]
    assert unclipped.startswith("no clipping") and "diverged" in unclipped
    assert clipped.startswith("clipped to norm 1") and "diverged" not in clipped
    assert (tmp_path / "exploding.png").read_bytes()[:8] == PNG
