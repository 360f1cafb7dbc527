"""The engine benchmark's comparison with micrograd, on a few steps (not timed)."""

from pathlib import Path

import pytest

from benchmarks import engine

pytest.importorskip("micrograd")


def test_same_losses_as_micrograd_from_the_same_weights():
    ours, theirs = engine.run("ours", steps=3), engine.run("micrograd_gc_off", steps=3)
    assert abs(ours["loss"] - theirs["loss"]) <= 1e-12
    assert ours["acc"] == theirs["acc"] and len(ours["times"]) == 3


def test_microgpt_workload_gives_microgpt_s_losses():
    from benchmarks import microgpt

    ours, theirs = microgpt.run("chainrule", steps=2), microgpt.run("microgpt, gc off", steps=2)
    assert max(abs(a - b) for a, b in zip(ours["losses"], theirs["losses"])) <= 1e-12


@pytest.mark.parametrize("kind", list(engine.CHAINS))
def test_chain_memory_is_measured_per_op(kind):
    graph = engine.bytes_per_op(engine.autograd.Value, 3000, False, kind)
    with_grads = engine.bytes_per_op(engine.autograd.Value, 3000, True, kind)
    assert 50 < graph < with_grads < 400


@pytest.mark.parametrize("width", [3, 16])
def test_hand_written_numpy_compiled_and_pytorch_steps_train_alike(width):
    from benchmarks import compiled

    pytest.importorskip("numpy")
    x, t = compiled.data(50, 7)
    rows = compiled.initial(width, 7)
    steps = [compiled.hand_numpy(rows, x, t), compiled.compiled_numpy(width, 7, x, t)]
    torch_step = compiled.pytorch(rows, x, t)
    steps += [torch_step] if torch_step is not None else []
    losses = [[step() for _ in range(4)] for step in steps]
    for other in losses[1:]:
        assert max(abs(a - b) for a, b in zip(losses[0], other)) < 1e-12
    assert losses[0][-1] < losses[0][0]  # it trains


@pytest.mark.parametrize("ratio", [1e9, 0.0])
def test_compiled_benchmark_says_whether_its_target_is_met(capsys, monkeypatch, ratio):
    # the verdict follows the figures: a target no step can miss, then one none can meet
    from benchmarks import compiled

    pytest.importorskip("numpy")
    monkeypatch.setattr(compiled, "RATIO", ratio)
    code = compiled.main(["--rounds", "1", "--steps", "1", "--widths", "16", "--sizes", "100",
                          "--moons-steps", "0", "--no-compile-costs"])
    out = capsys.readouterr().out
    assert "compiled/hand" in out and "x " in out
    met = ratio > 1
    assert (code, "targets met" in out, "TARGETS MISSED" in out) == (1 - met, met, not met)


@pytest.mark.skipif(not (Path(__file__).parent.parent / ".git").exists(),
                    reason="needs the git history of a checkout")
def test_fit_runs_on_an_earlier_commit_extracted_from_git(tmp_path):
    import json
    import subprocess
    import sys

    from benchmarks import training

    tree = Path(training.extracted("HEAD", str(tmp_path)))
    with (tree / "autograd" / "__init__.py").open("a") as f:  # to see which one is imported
        f.write("\nimport sys\nprint('the extracted autograd', file=sys.stderr)\n")
    run = subprocess.run([sys.executable, "-c", training.WORKER, str(tree), training.__file__,
                          "--worker", "chainrule", "--steps", "2"], check=True,
                         capture_output=True, text=True, cwd=tmp_path)
    assert "the extracted autograd" in run.stderr
    theirs, ours = json.loads(run.stdout), training.run("chainrule", 2)
    assert theirs["loss"] == ours["loss"] and len(theirs["times"]) == 2


def test_fit_hand_numpy_and_pytorch_loops_train_alike():
    """benchmarks.fit's contenders run the same training: equal losses after the same epochs
    (full batch: same order of samples, sums rounded alike to 1e-12)."""
    from benchmarks import compiled, fit

    pytest.importorskip("numpy")
    x, t = compiled.data(60, 5)
    rows = compiled.initial(8, 5)
    runs = [fit.fit_epochs(8, 5, x, t, None)[0], fit.hand_epochs(rows, x, t, None, 5)]
    theirs = fit.torch_epochs(rows, x, t, None, 5)
    runs += [theirs] if theirs is not None else []
    losses = [[run(1) for _ in range(3)] for run in runs]
    for other in losses[1:]:
        assert max(abs(a - b) for a, b in zip(losses[0], other)) < 1e-12
    assert losses[0][-1] < losses[0][0]


@pytest.mark.parametrize("target", [1e9, 0.0])
def test_fit_benchmark_says_whether_its_targets_are_met(capsys, monkeypatch, target):
    from benchmarks import fit

    pytest.importorskip("numpy")
    for name in ("FULL", "SETUP", "MINI", "VALUES"):
        monkeypatch.setattr(fit, name, target)
    monkeypatch.setattr(fit, "SETUP_SECONDS", target)
    monkeypatch.setattr(fit, "torch_epochs", lambda *args: None)  # no PyTorch to beat
    code = fit.main(["--rounds", "1", "--epochs", "1", "--widths", "8", "--sizes", "40"])
    out = capsys.readouterr().out
    met = target > 1
    assert "fit/hand" in out and (code, "targets met" in out) == (1 - met, met)
