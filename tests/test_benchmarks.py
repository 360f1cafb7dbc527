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


def test_hand_written_numpy_step_trains_like_the_compiled_fit():
    from benchmarks import compiled, training

    X, labels = compiled.nn.make_moons(100, noise=0.1, rng=compiled.random.Random(1337))
    y = [2 * label - 1 for label in labels]
    _, loss, acc = compiled.numpy_loop(X, y, 3, 1337)
    for mode in ("numpy", "python"):
        _, history = training.idiomatic(X, y, 3, 1337, compiled=mode)
        assert abs(history.loss[-1] - loss) <= 1e-12
        assert history.metric[-1] == acc


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
