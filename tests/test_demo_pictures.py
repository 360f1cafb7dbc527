"""demos.pictures: each demo runs and the pictures of the README and the guide land in place."""

import re
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


def pages():
    """README.md and the guide's pages, by name, with the folder their links start from."""
    root = Path(__file__).resolve().parent.parent
    found = {"README.md": (root, (root / "README.md").read_text(encoding="utf-8"))}
    for page in sorted((root / "docs").glob("*.md")):
        found[f"docs/{page.name}"] = (page.parent, page.read_text(encoding="utf-8"))
    return found


def test_the_guide_shows_every_picture_it_regenerates_and_each_it_shows_exists():
    shown, found = {}, pages()
    for name, (folder, text) in found.items():
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
            assert (folder / target).is_file(), (name, target)
            shown[(folder / target).resolve().name] = name
    for _, _, names in pictures.PICTURES:
        for name in names:
            assert name in shown, name
    assert "python -m demos.pictures" in found["docs/getting-started.md"][1]
