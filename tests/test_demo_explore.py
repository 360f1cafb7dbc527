"""demos.explore: both pages written and readable; the screenshots taken in Chromium."""

import json
import re

import pytest

from demos import browser, explore


def carried(path):
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'type="application/json">(.*?)</script>', text, re.S).group(1))


def test_the_two_pages_are_written(tmp_path, capsys):
    assert explore.main(["--out", str(tmp_path)]) == 0
    neuron, moons = carried(tmp_path / "explore_neuron.html"), carried(
        tmp_path / "explore_moons.html")
    assert neuron["mode"] == "values" and neuron["title"] == "o = tanh(x1*w1 + x2*w2 + b)"
    assert [n["name"] for n in neuron["nodes"]][-1] == "o" and len(neuron["nodes"]) == 10
    assert moons["mode"] == "groups" and len(moons["nodes"]) == 16
    assert capsys.readouterr().out.startswith("wrote ")


@pytest.mark.skipif(browser.missing() is not None, reason=str(browser.missing()))
def test_the_screenshots_show_a_forward_and_a_backward_step(tmp_path):
    assert explore.main(["--out", str(tmp_path), "--screenshots"]) == 0
    for name in ("explore_forward.png", "explore_backward.png"):
        png = (tmp_path / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width == 1720 and height > 300
