"""demos.pictures: each demo runs and the README's pictures land in the folder."""

from pathlib import Path

import demos.pictures as pictures
from demos import gd_variants, graph, moons

TINY = (
    (graph, [], ["neuron.svg"]),
    (moons, ["--samples", "10", "--epochs", "1", "--hidden", "2", "--no-progress"],
     ["moons_boundary.png", "moons_loss.png"]),
    (gd_variants, ["--samples", "10", "--epochs", "1", "--no-progress"], ["gd_variants.png"]),
)


def test_pictures_copies_only_what_the_readme_shows(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pictures, "PICTURES", TINY)
    assert pictures.main(["--out", str(tmp_path / "docs")]) == 0
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == [
        "gd_variants.png", "moons_boundary.png", "moons_loss.png", "neuron.svg"]
    assert capsys.readouterr().out.splitlines()[-1].startswith("wrote ")


def test_the_readme_shows_every_picture_it_regenerates():
    with open(Path(__file__).resolve().parent.parent / "README.md") as f:
        readme = f.read()
    for _, _, names in pictures.PICTURES:
        for name in names:
            assert f"docs/{name}" in readme
    assert "python -m demos.pictures" in readme
