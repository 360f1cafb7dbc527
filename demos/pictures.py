"""Regenerate the pictures the README and the guide show (docs/*.svg, docs/*.png) from the demos.

Runs demos.graph, demos.explore (its screenshots need Chromium: bash dev.sh test installs
it), demos.moons, demos.gd_variants, demos.rnn, demos.exploding, demos.init, demos.lr,
demos.modes and demos.gpt with their default settings in a temporary folder and copies
the pictures the README and the guide use into --out (default docs/). The gd_variants plot
shows wall time, so its second panel changes a little every run.

  python -m demos.pictures            about two minutes
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import ModuleType

from demos import exploding, explore, gd_variants, gpt, graph, init, lr, moons, rnn
from demos.common import output_folder, parser, report

# (demo, its arguments, the files of it that the README and the guide show)
PICTURES: tuple[tuple[ModuleType, list[str], list[str]], ...] = (
    (graph, [], ["neuron.svg"]),
    (explore, ["--screenshots"], ["explore_forward.png", "explore_backward.png"]),
    (moons, ["--no-progress"], ["moons_boundary.png", "moons_loss.png"]),
    (gd_variants, ["--no-progress"], ["gd_variants.png"]),
    (rnn, ["--no-progress"], ["rnn.png"]),
    (exploding, ["--no-progress"], ["exploding.png"]),
    (init, ["--no-progress"], ["init.png"]),
    (lr, ["--no-progress"], ["lr.png"]),
    (gpt, ["--no-progress"], ["gpt_loss.png"]),
)


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.pictures", __doc__, training=False, out="docs")
    args = p.parse_args(argv)
    folder = output_folder(args.out)
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        for demo, demo_args, names in PICTURES:
            demo.main(["--out", scratch, *demo_args])
            for name in names:
                written.append(Path(shutil.copy(Path(scratch) / name, folder / name)))
    report(written)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
