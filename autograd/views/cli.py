"""python -m autograd draw|explore FORMULA name=value ...: evaluate, backpropagate, then draw
the graph, or write a page that steps through both passes."""

from __future__ import annotations

import argparse
import io
import keyword
import os
import sys
import unicodedata
from typing import Any

from autograd.engine import Value
from autograd.views.draw import output_files, printable, render
from autograd.views.explorer import explore as explore_page
from autograd.views.formula import FUNCTIONS, FormulaError, evaluate

FUNCTIONS_TEXT = f"functions: {', '.join(FUNCTIONS)}; operators: + - * / ** and unary -."
EPILOG = FUNCTIONS_TEXT + """
example: python -m autograd draw "tanh(w*x + b)" x=1 w=-2 b=0.5 -o graph.svg"""
EXPLORE_EPILOG = FUNCTIONS_TEXT + """
example: python -m autograd explore "tanh(w*x + b)" x=1 w=-2 b=0.5 -o page.html"""


def _variable(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected name=value, got {text!r}")
    if keyword.iskeyword(name):
        raise argparse.ArgumentTypeError(f"{name!r} is a Python keyword, not a variable name")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {value!r} is not a number") from None


def _bind(values: list[tuple[str, float]]) -> dict[str, Value]:
    """Leaves labelled as given, keyed as Python reads a name (NFKC: 𝑥 and x are one name)."""
    variables: dict[str, Value] = {}
    for name, value in values:
        key = unicodedata.normalize("NFKC", name)
        if key in variables:
            first = variables[key].label
            raise ValueError(f"variable {name!r} is given twice" if first == name else
                             f"variables {first!r} and {name!r} are one name for Python "
                             f"({key!r})")
        variables[key] = Value(value, label=name)
    return variables


def _error(message: object) -> None:
    print(f"error: {printable(str(message))}", file=sys.stderr)


def _formula_command(commands: Any, name: str, summary: str, then: str, epilog: str,
                     output: str, output_help: str) -> argparse.ArgumentParser:
    """A subcommand taking FORMULA, name=value pairs and -o: it evaluates, backpropagates,
    prints the value and every gradient, then does what ``then`` says."""
    command: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Evaluate FORMULA at the given values, backpropagate, print the value "
                    "and every gradient, and " + then)
    command.add_argument("formula", help='e.g. "tanh(w*x + b)"')
    command.add_argument("values", nargs="*", type=_variable, metavar="name=value")
    command.add_argument("-o", "--output", default=output, help=output_help)
    return command


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m autograd", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    draw = _formula_command(
        commands, "draw", "evaluate a formula, print its gradients and draw its graph",
        "draw the graph (SVG; PNG with --png).", EPILOG, "graph.svg",
        "the SVG file: a name ending in .svg, or with no extension (graph.svg)")
    draw.add_argument("--png", action="store_true", help="also write a PNG beside the SVG")
    draw.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    _formula_command(
        commands, "explore", "evaluate a formula and write a page stepping through its passes",
        "write one self-contained HTML page that steps through the forward and backward "
        "passes node by node (open it in any browser; it needs no network).", EXPLORE_EPILOG,
        "page.html", "the page: a name ending in .html, or with no extension")
    args = parser.parse_args(argv)

    formats = ("html",) if args.command == "explore" else ("svg", "png") if args.png else ("svg",)
    try:  # bad input, exit status 2: checked before anything is printed or written
        output_files(args.output, formats, known=("svg", "png", "html"))
        variables = _bind(args.values)
        out = evaluate(args.formula, variables)
        out.backward()
    except (FormulaError, ArithmeticError, ValueError, TypeError, OSError) as e:
        _error(e)
        return 2
    print(f"{printable(args.formula)} = {out.data!r}")
    for v in variables.values():
        print(f"  d/d{v.label} = {v.grad!r}")
    try:
        if args.command == "explore":
            written = [str(explore_page(out, args.output, title=args.formula).path)]
        else:
            written = render(out, args.output, formats, rankdir=args.rankdir)
    except (RuntimeError, ImportError, OSError, ValueError, ArithmeticError) as e:
        _error(e)
        return 1
    print("wrote " + ", ".join(map(printable, written)))
    return 0


def run() -> None:
    """``python -m autograd``: main() on the command line, its status the exit code."""
    # a terminal that cannot show a character prints its escape instead of failing
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left (| head -1); as the Python docs advise:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush error at exit
        _error("standard output was closed before everything was printed")
        status = 1
    sys.exit(status)
