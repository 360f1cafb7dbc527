"""notebooks/tour.ipynb: executed from start to end (nbclient), its outputs checked, and the
committed copy carries the same outputs."""

from pathlib import Path

import pytest
from modes import FAST_SHAPES

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("graphviz")

TOUR = Path(__file__).resolve().parent.parent / "notebooks" / "tour.ipynb"


def outputs(nb):
    """Per code cell: its printed text and its result's representations."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        data = {}
        for o in cell.outputs:
            if o.output_type == "execute_result":
                data.update(o.data)
            assert o.output_type != "error", "".join(o.get("traceback", []))
        found.append((text, data))
    return found


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(TOUR, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # what the committed copy shows must come from this run
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(TOUR.parent.parent)}}).execute()
    return outputs(nb)


def test_the_tour_runs_and_shows_what_it_says(executed):
    (grads, _), (_, value), (_, picture), (_, page), (_, check), (_, history), (source, _) = (
        executed)
    assert grads.split() == ["0.7071067811865477", "-1.4999999999999993",
                             "0.9999999999999996", "0.4999999999999998"]
    assert "<th>data</th>" in value["text/html"] and "<svg" in value["text/html"]
    assert "<svg" in picture["image/svg+xml"] and "legend" in picture["image/svg+xml"]
    frame = page["text/html"]  # the explorer in a frame of its own, its data the engine's
    assert frame.startswith("<iframe srcdoc=")
    assert "&quot;grad&quot;: &quot;-1.4999999999999993" in frame
    assert check["text/plain"] == "True"
    assert history["text/plain"].startswith("History(30 steps, 30 epochs; loss ")
    assert "def backprop(inputs, params):" in source and source.rstrip().endswith("True True")


@FAST_SHAPES
def test_the_committed_tour_carries_these_outputs(executed):
    committed = outputs(nbformat.read(TOUR, as_version=4))
    assert len(committed) == len(executed)
    for (text, data), (want_text, want_data) in zip(committed, executed):
        assert text == want_text
        assert data.get("text/plain") == want_data.get("text/plain") or "Digraph" in str(
            data.get("text/plain"))  # a Digraph's repr names its address
