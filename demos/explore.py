"""Watch backpropagation happen: pages that step through a graph's forward and backward passes.

Writes out/explore_neuron.html, micrograd's neuron o = tanh(x1*w1 + x2*w2 + b) one
operation at a time, and out/explore_moons.html, the loss of the moons MLP (4,243 values,
shown as groups of values alike). Open them in any browser, from disk: they need no network.
Step with the arrow keys or the buttons; hover over a box for its numbers.

  python -m demos.explore                  the two pages
  python -m demos.explore --screenshots    also PNGs of a forward and a backward step,
                                           taken in headless Chromium (bash dev.sh test
                                           installs it)
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import nn
from autograd import Value, explore
from demos.browser import chromium
from demos.common import output_folder, parser, report
from demos.graph import BIAS, INPUTS, WEIGHTS, neuron_graph
from nn.losses import hinge_loss, l2_penalty

# the neuron page's steps shown in the screenshots: n = x1*w1 + x2*w2 + b computed, and
# the backward step through x1*w1, passing its gradient on to x1 and w1
FORWARD_STEP, BACKWARD_STEP = 4, 11


def moons_loss(seed: int = 1337) -> tuple[Value, list[Value]]:
    """The moons demo's loss at its initial weights: hinge + L2 over 100 points."""
    X, labels = nn.make_moons(100, noise=0.1, rng=random.Random(seed))
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(seed))
    y = [2 * label - 1 for label in labels]
    scores: list[Any] = [model(x) for x in X]  # one Value each: the last layer has one neuron
    return hinge_loss(scores, y) + l2_penalty(model.parameters(), 1e-4), model.parameters()


def screenshots(page: Path, folder: Path) -> list[Path]:
    """PNGs of the page at a forward and at a backward step, in headless Chromium."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    shots = []
    with chromium(1720, 600) as browser:
        browser.get(page.resolve().as_uri())
        body = browser.find_element(By.TAG_NAME, "body")
        at = 0
        for name, step in (("explore_forward.png", FORWARD_STEP),
                           ("explore_backward.png", BACKWARD_STEP)):
            body.send_keys(*[Keys.ARROW_RIGHT] * (step - at))
            at = step
            shots.append(folder / name)
            browser.save_screenshot(str(shots[-1]))
    return shots


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.explore", __doc__, training=False)
    p.add_argument("--screenshots", action="store_true",
                   help="also take screenshots of the neuron page in headless Chromium")
    args = p.parse_args(argv)
    folder = output_folder(args.out)
    out, _, params = neuron_graph(INPUTS, WEIGHTS, BIAS)
    neuron_page = explore(out, folder / "explore_neuron.html", params=params,
                          title="o = tanh(x1*w1 + x2*w2 + b)")
    loss, weights = moons_loss()
    moons_page = explore(loss, folder / "explore_moons.html", params=weights,
                         title="the moons MLP's loss: hinge + L2")
    written = [Path(str(page.path)) for page in (neuron_page, moons_page)]
    if args.screenshots:
        written += screenshots(written[0], folder)
    report(written)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
