"""autograd.explore: the page's numbers are the engine's, it is one file that asks for nothing,
odd labels cannot break it, big graphs are shown as groups; and, in a real headless
Chromium, stepping through every step shows backward's gradients, with no request and no
console message."""

import html
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from random_graphs import build, graphs

import autograd.views.explorer as explorer
from autograd import Value, explore, neuron
from autograd.engine import toposort
from autograd.views.explorer import MAX_NODES, page, walk, written
from demos import browser
from demos.explore import moons_loss
from demos.graph import BIAS, INPUTS, WEIGHTS, neuron_graph


def bits(x):
    return struct.pack("<d", x)


def data_of(text):
    """The JSON the page carries."""
    found = re.search(r'<script id="data" type="application/json">(.*?)</script>', text, re.S)
    return json.loads(found.group(1))


def the_neuron():
    out, xs, params = neuron_graph(INPUTS, WEIGHTS, BIAS)
    return out, [*xs, *params]


@settings(max_examples=80)
@given(graphs)
def test_the_walk_gives_backward_s_gradients_bit_for_bit(g):
    point, plan = g
    inputs = [Value(x) for x in point]
    try:
        root = build(plan, inputs)[-1]
    except (ArithmeticError, ValueError):
        return
    order = toposort([root])
    try:
        root.backward()
    except (ArithmeticError, ValueError) as e:  # no derivative here: the page says the same
        with pytest.raises(type(e)) as refused:
            page(root)
        assert str(refused.value) == str(e)
        return
    _, grads = walk(order)
    assert [bits(grads[v]) for v in order] == [bits(v.grad) for v in order]
    shown = data_of(page(root))["nodes"]
    assert [n["grad"] for n in shown] == [repr(v.grad) for v in order]
    assert [n["data"] for n in shown] == [repr(v.data) for v in order]


def test_each_step_adds_g_times_the_local_derivative_into_each_parent():
    out, leaves = the_neuron()
    data = data_of(page(out))
    names = [n["name"] for n in data["nodes"]]
    first = data["backward"][0]  # o = tanh(n): do/dn = 1 - tanh(n)^2
    assert names[first["node"]] == "o" and first["g"] == "1.0" and first["factor"] is None
    ((parent, local, product, _),) = first["terms"]
    assert names[parent] == "n" and float(local) == 1.0 - out.data ** 2 == float(product)
    last = data["backward"][-1]  # x1*w1 passes g * w1 to x1 and g * x1 to w1
    out.backward()
    assert [(names[p], a) for p, _, _, a in last["terms"]] == [
        ("x1", repr(leaves[0].grad)), ("w1", repr(leaves[2].grad))]
    assert [p["formula"] for p in data["nodes"] if p["name"] == "n"] == ["x1*w1 + x2*w2 + b"]


def test_a_fused_neuron_goes_through_its_activation_first():
    ws, xs, b = [Value(0.5), Value(-1.0)], [Value(2.0), Value(0.25)], Value(0.1)
    out = neuron(ws, xs, b, "tanh")
    data = data_of(page(out))
    (step,) = data["backward"]
    assert float(step["factor"]) == 1.0 - out.data ** 2
    out.backward()
    assert [t[3] for t in step["terms"]] == [repr(v.grad) for v in (b, ws[0], xs[0], ws[1],
                                                                      xs[1])]


def test_a_page_disagreeing_with_the_engine_is_refused(monkeypatch):
    out, _ = the_neuron()
    real = explorer.walk

    def off_by_one_bit(order):
        steps, grads = real(order)
        v = order[0]
        grads[v] = math.nextafter(grads[v], math.inf)
        return steps, grads

    monkeypatch.setattr(explorer, "walk", off_by_one_bit)
    with pytest.raises(RuntimeError, match="the engine gives"):
        page(out)


class Resources(HTMLParser):
    """Every attribute that could make a browser fetch something."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, k, v) for k, v in attrs if k in ("src", "href", "srcset", "action",
                                                               "data", "poster")]


def test_the_page_is_one_file_that_asks_for_nothing():
    out, _ = the_neuron()
    text = page(out)
    parser = Resources()
    parser.feed(text)
    assert parser.found == []
    assert "://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "default-src 'none'" in text  # the page may not fetch even if it tried
    assert "@import" not in text and "url(" not in text


@pytest.mark.parametrize("label", ["</script><script>alert(1)</script>", "a\"b'c<d>&e",
                                   "𝑥 ünïcode ✓", "line\nbreak", "{{DATA}}", "x" * 300])
def test_odd_labels_are_shown_as_written_and_break_nothing(label):
    x = Value(1.5, label=label)
    y = (x * x).tanh()
    text = page(y, title=label)
    assert text.count("<script") == 2 and text.count("</script>") == 2
    data = data_of(text)
    shown = explorer.printable(label)
    assert data["nodes"][0]["name"] == shown and data["title"] == shown
    assert html.escape(explorer._fit(shown)) in text  # in the SVG box, escaped


def test_big_graphs_are_shown_as_groups_with_the_engine_s_ranges():
    loss, params = moons_loss()
    order = toposort([loss])
    assert len(order) > MAX_NODES
    data = data_of(page(loss, params))
    assert data["mode"] == "groups" and len(data["nodes"]) == 16
    with pytest.raises(ValueError, match="collapse=True"):
        page(loss, collapse=False)
    loss.backward()
    by_name = {n["name"]: n for n in data["nodes"]}
    weights = by_name["parameters"]
    assert weights["count"] == len(params)
    assert weights["grad"][:2] == [repr(min(p.grad for p in params)),
                                   repr(max(p.grad for p in params))]
    neurons = [n for n in data["nodes"] if n["name"] == "relu(b+w·x)"]
    assert [n["count"] for n in neurons] == [1600, 1600]
    assert neurons[0]["example"]["terms"] and len(data["backward"]) == 16


def test_a_small_graph_can_be_shown_collapsed_too():
    out, _ = the_neuron()
    data = data_of(page(out, collapse=True))
    assert data["mode"] == "groups"
    assert {n["name"] for n in data["nodes"]} >= {"inputs", "tanh"}


def test_written_reads_as_a_reader_writes():
    a, b = Value(1.0), Value(2.0)
    cases = [(a + b, "a + b"), (a * b, "a * b"), (a / b, "a / b"), (a ** b, "a ** b"),
             (a * 2.0, "a * 2.0"), (2.0 / a, "2.0 / a"), (2.0 ** a, "2.0 ** a"), (-a, "-a"),
             (a.clamp(-1.0, 1.0), "clamp(a, -1.0, 1.0)"), (a.tanh(), "tanh(a)"),
             (a.leaky_relu(0.1), "leaky_relu(a, 0.1)"),
             (neuron([a], [b], a, "relu"), "relu(b + w1·x1)")]
    names = {1: ["a"], 2: ["a", "b"], 3: ["b", "w1", "x1"]}
    for v, want in cases:
        assert written(v, names[len(v.parents)]) == want


def test_explore_writes_the_file_whole_and_refuses_bad_paths(tmp_path):
    out, _ = the_neuron()
    shown = explore(out, tmp_path / "page")
    assert shown.path == str(tmp_path / "page.html")
    assert (tmp_path / "page.html").read_text(encoding="utf-8") == shown.html
    assert explore(out).path is None
    frame = shown._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "<script" not in frame
    (tmp_path / "folder.html").mkdir()
    for bad, error in ((tmp_path / "page.svg", ValueError), (tmp_path / "folder.html",
                                                             IsADirectoryError),
                       (tmp_path / "missing" / "page.html", FileNotFoundError)):
        with pytest.raises(error):
            explore(out, bad)
    os.mkfifo(tmp_path / "pipe.html")
    with pytest.raises(ValueError, match="not a regular file"):
        explore(out, tmp_path / "pipe.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.html", "page.html",
                                                           "pipe.html"]
    with pytest.raises(TypeError, match="explore takes a Value"):
        explore(1.5)  # type: ignore[arg-type]


def test_the_command_line_writes_a_page(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograd", "explore", "tanh(w*x + b)",
                          "x=1", "w=-2", "b=0.5", "-o", str(tmp_path / "p.html")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[1] == "  d/dx = -0.36141327784729715"
    assert data_of((tmp_path / "p.html").read_text(encoding="utf-8"))["title"] == "tanh(w*x + b)"
    bad = subprocess.run([sys.executable, "-m", "autograd", "explore", "x", "x=1", "-o",
                          str(tmp_path / "p.svg")], capture_output=True, text=True)
    assert bad.returncode == 2 and "must end in .html" in bad.stderr


# --- in a real browser ---

needs_browser = pytest.mark.skipif(browser.missing() is not None,
                                   reason=str(browser.missing()))


@pytest.fixture(scope="module")
def chromium():
    with browser.chromium(1600, 900) as driver:
        yield driver


def displayed(driver):
    """What every box shows now: its data line and its grad line."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.node')).map(b => "
        "Array.from(b.querySelectorAll('text.line')).map(t => t.textContent))")


def press(driver, key, times=1):
    from selenium.webdriver.common.by import By

    driver.find_element(By.TAG_NAME, "body").send_keys(*[key] * times)


@needs_browser
def test_stepping_through_every_step_shows_backward_s_numbers(chromium, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    out, _ = the_neuron()
    shown = explore(out, tmp_path / "neuron.html")
    order = toposort([out])
    data = data_of(shown.html)
    browser.requests(chromium), browser.console(chromium)  # what came before the page: not its
    chromium.get((tmp_path / "neuron.html").resolve().as_uri())
    total = len(data["forward"]) + len(data["backward"]) + 2
    assert shown.steps == total == 12
    counter = chromium.find_element(By.ID, "counter")
    assert counter.text == f"step 0 of {total} (start)"
    assert all(g == "grad —" for _, g in displayed(chromium))
    running = {}
    for step in range(1, total + 1):
        press(chromium, Keys.ARROW_RIGHT)
        assert counter.text.startswith(f"step {step} of {total}")
        current = chromium.find_elements(By.CSS_SELECTOR, ".node.current")
        k = step - len(data["forward"]) - 2  # the backward step shown, once past the seed
        if 0 <= k < len(data["backward"]):
            b = data["backward"][k]
            assert [c.get_attribute("data-node") for c in current] == [str(b["node"])]
            panel = chromium.find_element(By.ID, "panel").text
            for parent, local, product, after in b["terms"]:
                assert f"+= g × {local} = {product}" in panel
                running[parent] = after
            lines = displayed(chromium)
            assert all(lines[p][1] == f"grad {a}" for p, a in running.items())
    out.backward()
    lines = displayed(chromium)
    assert [g for _, g in lines] == [f"grad {v.grad!r}" for v in order]
    assert [d for d, _ in lines] == [f"data {v.data!r}" for v in order]
    press(chromium, Keys.HOME)
    assert counter.text == f"step 0 of {total} (start)"
    press(chromium, Keys.END)
    press(chromium, Keys.ARROW_LEFT, 2)
    assert counter.text.startswith(f"step {total - 2} of {total}")
    assert browser.console(chromium) == []
    urls = browser.requests(chromium)
    assert (tmp_path / "neuron.html").resolve().as_uri() in urls
    assert [u for u in urls if not u.startswith(("file:", "data:"))] == []  # none went out
    # hovering shows a box's numbers
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(chromium).move_to_element(chromium.find_element(By.ID, "n0")).perform()
    tip = chromium.find_element(By.ID, "tip").text
    assert f"data  {order[0].data!r}" in tip and f"final {order[0].grad!r}" in tip


@needs_browser
def test_the_moons_loss_steps_group_by_group_in_the_browser(chromium, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    loss, params = moons_loss()
    shown = explore(loss, tmp_path / "moons.html", params=params)
    data = data_of(shown.html)
    browser.requests(chromium), browser.console(chromium)
    chromium.get((tmp_path / "moons.html").resolve().as_uri())
    total = len(data["forward"]) + len(data["backward"]) + 1
    assert shown.steps == total == 30
    press(chromium, Keys.END)
    assert chromium.find_element(By.ID, "counter").text == f"step {total} of {total} (done)"
    loss.backward()
    boxes = chromium.find_elements(By.CSS_SELECTOR, ".node")
    spans = {b.get_attribute("data-node"): b.get_attribute("data-grad") for b in boxes}
    weights = next(i for i, n in enumerate(data["nodes"]) if n["name"] == "parameters")
    low, high = min(p.grad for p in params), max(p.grad for p in params)
    assert spans[str(weights)] == f"{low!r} … {high!r}"
    assert browser.console(chromium) == []
    assert [u for u in browser.requests(chromium) if not u.startswith(("file:", "data:"))] == []
    path = tmp_path / "shot.png"
    chromium.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_random_state_is_left_alone():
    state = random.getstate()
    moons_loss()
    assert random.getstate() == state


def test_derivatives_that_do_not_exist_are_nan_or_errors_as_in_backward():
    a, b = Value(math.inf, label="a"), Value(0.0, label="b")
    out = a / b  # inf / 0 = inf; d/db = -out / b raises: NaN, as IEEE makes it
    data = data_of(page(out))
    out.backward()
    assert [n["grad"] for n in data["nodes"]] == [repr(a.grad), repr(b.grad), "1.0"]
    assert math.isnan(a.grad) and math.isnan(b.grad)
    y = Value(-2.0) ** Value(2.0)  # d/db = a^b log a: no such number at a = -2
    with pytest.raises(ValueError, match=r"^pow\(-2.0, 2.0\): no finite derivative here"):
        page(y)


def test_a_graph_too_deep_to_collapse_is_refused():
    v = Value(0.5)
    for _ in range(400):
        v = (v * 0.999).tanh()
    with pytest.raises(ValueError, match="even collapsed, the graph has 801 groups"):
        page(v)


def test_bad_arguments_are_type_errors():
    out, _ = the_neuron()
    for kwargs, words in (({"title": 5}, "title must be a str"),
                          ({"collapse": "no"}, "collapse must be True, False or None"),
                          ({"params": [1.0]}, "params must be Values")):
        with pytest.raises(TypeError, match=words):
            page(out, **kwargs)


def test_negative_numbers_read_as_written():
    a = Value(-2.0)
    data = data_of(page(a ** 2 - a))
    assert "(-2.0) ** 2.0" in [n["numbers"] for n in data["nodes"]]
    assert "-(-2.0)" in [n["numbers"] for n in data["nodes"]]


def test_a_group_with_nan_shows_the_range_of_the_others_and_counts_the_nan():
    xs = [Value(x) for x in (1.0, math.nan, 3.0)]
    total = sum(x.exp() for x in xs)
    data = data_of(page(total, collapse=True))
    exps = next(n for n in data["nodes"] if n["name"] == "exp")
    assert exps["data"][:2] == [repr(math.exp(1.0)), repr(math.exp(3.0))]
    assert exps["data"][4] == 1

