"""python -m autograd draw: output, files and exit codes."""

import errno
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograd.views.cli import main

pytest.importorskip("graphviz")


def test_draw_prints_value_and_gradients_and_writes_svg(tmp_path, capsys):
    out = tmp_path / "graph.svg"
    assert main(["draw", "tanh(w*x + b)", "x=1", "w=-2", "b=0.5", "-o", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "tanh(w*x + b) = -0.9051482536448664"
    assert printed[1:4] == ["  d/dx = -0.36141327784729715", "  d/dw = 0.18070663892364858",
                            "  d/db = 0.18070663892364858"]
    texts = ["".join(t.itertext()) for t in ET.parse(out).getroot().iter(
        "{http://www.w3.org/2000/svg}text")]
    assert {"x", "w", "b", "tanh", "grad 1"} <= set(texts)


def test_png_beside_the_svg(tmp_path, capsys):
    assert main(["draw", "x*x", "x=3", "-o", str(tmp_path / "g.svg"), "--png"]) == 0
    assert (tmp_path / "g.png").exists()
    assert "  d/dx = 6.0" in capsys.readouterr().out


@pytest.mark.parametrize("args", [["draw", "x.real", "x=1"], ["draw", "y + 1", "x=1"],
                                  ["draw", "x +", "x=1"], ["draw", "log(x)", "x=-1"],
                                  ["draw", "[x for x in x]", "x=1"]])
def test_errors_are_one_line_and_exit_2(args, tmp_path, capsys):
    assert main([*args, "-o", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not (tmp_path / "g.svg").exists()


def test_bad_variables_and_help_from_the_command_line():
    run = [sys.executable, "-m", "autograd", "draw", "x", "x=abc"]
    result = subprocess.run(run, capture_output=True, text=True)
    assert result.returncode == 2 and "'abc' is not a number" in result.stderr
    helped = subprocess.run([sys.executable, "-m", "autograd", "draw", "--help"],
                            capture_output=True, text=True)
    assert helped.returncode == 0
    assert "leaky_relu" in helped.stdout and "name=value" in helped.stdout


def one_error_line(capsys):
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def test_a_17000_character_name_is_drawn_with_a_shortened_label(tmp_path, capsys):
    name = "x" * 17_000
    out = tmp_path / "g.svg"
    assert main(["draw", f"{name} * 2", f"{name}=3", "-o", str(out)]) == 0
    assert capsys.readouterr().err == ""
    texts = ["".join(t.itertext()) for t in ET.parse(out).getroot().iter(
        "{http://www.w3.org/2000/svg}text")]
    assert "x" * 59 + "…" in texts


# -o values that name no file we should write (relative to a folder holding these)
BAD_OUTPUTS = {"existing directory": "folder", "trailing separator": "folder" + os.sep,
               "empty": "", "dot": ".", "fifo": "pipe", "missing folder": "nowhere/g.svg",
               "parent is a file": "file.txt/g.svg", "not svg": "g.png",
               "trailing dot": "g.", "only an extension": ".svg"}


@pytest.mark.parametrize("case", list(BAD_OUTPUTS))
def test_bad_output_paths_are_refused_before_anything_is_written(case, odd_paths, capsys):
    before = odd_paths()
    assert main(["draw", "x*2", "x=1", "-o", BAD_OUTPUTS[case]]) == 2
    one_error_line(capsys)
    assert odd_paths() == before


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_device_is_not_an_output(capsys):
    assert main(["draw", "x*2", "x=1", "-o", "/dev/full"]) == 2
    one_error_line(capsys)
    assert not os.path.exists("/dev/full.svg")


def test_output_may_end_in_png_with_png_or_have_no_extension(tmp_path, capsys):
    assert main(["draw", "x*2", "x=1", "-o", str(tmp_path / "g.png"), "--png"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.png", "g.svg"]
    assert main(["draw", "x*2", "x=1", "-o", str(tmp_path / "h")]) == 0  # no extension
    assert (tmp_path / "h.svg").exists()


def test_a_write_error_is_one_line_and_leaves_no_file(tmp_path, capsys, monkeypatch):
    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", dst)

    monkeypatch.setattr(os, "replace", full)
    assert main(["draw", "x*2", "x=1", "-o", str(tmp_path / "g.svg")]) == 1
    assert "No space left on device" in one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root may write into a read-only folder")
def test_a_read_only_folder_is_one_line_and_leaves_no_file(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert main(["draw", "x*2", "x=1", "-o", str(folder / "g.svg")]) == 1
        one_error_line(capsys)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize(("formula", "values"), [("x", ["𝑥=1", "x=2"]), ("fi", ["ﬁ=1", "fi=2"]),
                                                 ("x", ["x=1", "x=2"])])
def test_names_python_reads_as_one_are_an_error(formula, values, tmp_path, capsys):
    assert main(["draw", formula, *values, "-o", str(tmp_path / "g.svg")]) == 2
    one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("formula", "name"), [("𝑥*2", "𝑥"), ("𝑥*2", "x"), ("x*2", "𝑥")])
def test_names_are_looked_up_as_python_reads_them(formula, name, tmp_path, capsys):
    assert main(["draw", formula, f"{name}=3", "-o", str(tmp_path / "g.svg")]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [f"{formula} = 6.0",
                                                       f"  d/d{name} = 2.0"]


def test_a_keyword_is_not_a_variable_name(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["draw", "x", "lambda=1"])
    assert exit_.value.code == 2 and "keyword" in capsys.readouterr().err


def test_control_characters_in_the_formula_are_shown_escaped(tmp_path, capsys):
    formula = "x # \x1b[31m red\u202e\r\t"
    assert main(["draw", formula, "x=1", "-o", str(tmp_path / "g.svg")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "x # \\x1b[31m red\\u202e\\r\\t = 1.0"
    assert all(c.isprintable() for c in out.replace("\n", ""))


def test_infinity_and_nan_given_are_accepted_and_printed(tmp_path, capsys):
    assert main(["draw", "x*2 + y", "x=1e999", "y=nan", "-o", str(tmp_path / "g.svg")]) == 0
    assert capsys.readouterr().out.splitlines()[:3] == ["x*2 + y = nan", "  d/dx = 2.0",
                                                       "  d/dy = 1.0"]


@pytest.mark.parametrize("formula", ["exp(x)", "x**400", "x/0", "0**-1", "+".join("x" * 10**5),
                                     "1" * 5000, "(" * 300 + "x" + ")" * 300])
def test_evaluation_errors_and_huge_formulas_are_one_line(formula, tmp_path, capsys):
    assert main(["draw", formula, "x=1000", "-o", str(tmp_path / "g.svg")]) == 2
    one_error_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_terminal_that_cannot_show_a_name_gets_its_escape(tmp_path):
    run = [sys.executable, "-m", "autograd", "draw", "é*2", "é=1", "-o", str(tmp_path / "g")]
    result = subprocess.run(run, capture_output=True, text=True,
                            env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "\\xe9*2 = 2.0"


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    run = [sys.executable, "-m", "autograd", "draw", "x", "x=1", "-o", str(tmp_path / "g")]
    process = subprocess.Popen(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # like `| head -0`, before anything was printed
    err = process.stderr.read()
    assert process.wait() == 1
    assert err == "error: standard output was closed before everything was printed\n"
