"""demos.common: the options, checks and helpers every demo shares."""

import argparse
import importlib
import sys
from pathlib import Path

import pytest

from demos.common import at_least, diverged_exits, output_folder, parser, pyplot, real_above


def test_parser_has_the_shared_options_and_a_module_name():
    p = parser("demos.example", "Title line.\n\nMore text.")
    args = p.parse_args([])
    assert (str(args.out), args.seed, args.progress) == ("out", 1337, True)
    assert p.prog == "python -m demos.example"
    assert p.description == "Title line." and p.epilog == "More text."
    assert parser("demos.x", "T", training=False).parse_args([]) == argparse.Namespace(
        out=args.out)


@pytest.mark.parametrize(("parse", "text", "words"), [
    (at_least(1), "0", "must be an integer >= 1, got 0"),
    (at_least(1), "2.5", "'2.5' is not an integer"),
    (real_above(0.0), "0", r"must be a finite real number > 0, got 0\.0"),
    (real_above(0.0), "nan", "must be a finite real number > 0, got nan"),
    (real_above(0.0), "inf", "must be a finite real number > 0, got inf"),
    (real_above(0.0, inclusive=True), "-0.1", "must be a finite real number >= 0, got -0.1"),
    (real_above(0.0), "x", "'x' is not a number"),
])
def test_argument_types_refuse_bad_values_by_name(parse, text, words):
    with pytest.raises(argparse.ArgumentTypeError, match=words):
        parse(text)


def test_argument_types_accept_good_values():
    assert at_least(1)("3") == 3
    assert real_above(0.0)("0.5") == 0.5
    assert real_above(0.0, inclusive=True)("0") == 0.0


def test_output_folder_is_created_with_its_parents(tmp_path):
    assert output_folder(tmp_path / "a" / "b").is_dir()


def test_output_folder_that_is_a_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SystemExit, match="exists and is not a folder"):
        output_folder(blocker)


def test_missing_matplotlib_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(SystemExit, match=r"pip install 'chainrule\[demos\]'"):
        pyplot()


def test_divergence_becomes_a_one_line_exit():
    with pytest.raises(SystemExit, match="training diverged: the loss became nan"), \
            diverged_exits():
        raise FloatingPointError("the loss became nan")


@pytest.mark.parametrize("name", ["moons", "gd_variants", "regression", "rnn", "exploding",
                                  "init", "lr", "gpt", "graph", "quickstart", "explore"])
def test_every_demo_s_help_says_what_the_readme_says(name, capsys):
    module = importlib.import_module(f"demos.{name}")
    with pytest.raises(SystemExit) as done:
        module.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: python -m demos.{name}")
    training = name not in ("graph", "quickstart", "explore")
    for flag in ("--out", "--seed", "--no-progress"):
        expected = training or (flag == "--out" and name in ("graph", "explore"))
        assert (flag in text) == expected, (name, flag)
    with open(Path(__file__).resolve().parent.parent / "README.md") as f:
        assert f"`{name}`" in f.read()  # the demos table lists it
