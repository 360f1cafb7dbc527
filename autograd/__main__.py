"""python -m autograd draw|explore FORMULA name=value ...: evaluate, backpropagate, then draw
the graph, or write a page that steps through both passes."""

from __future__ import annotations

import argparse
import io
import keyword
import os
import sys
import unicodedata

from autograd.draw import output_files, printable, render
from autograd.engine import Value
from autograd.explorer import explore as explore_page
from autograd.formula import FUNCTIONS, FormulaError, evaluate

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


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m autograd", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    draw = commands.add_parser(
        "draw", help="evaluate a formula, print its gradients and draw its graph",
        description="Evaluate FORMULA at the given values, backpropagate, print the value "
                    "and every gradient, and draw the graph (SVG; PNG with --png).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    draw.add_argument("formula", help='e.g. "tanh(w*x + b)"')
    draw.add_argument("values", nargs="*", type=_variable, metavar="name=value")
    draw.add_argument("-o", "--output", default="graph.svg",
                      help="the SVG file: a name ending in .svg, or with no extension (graph.svg)")
    draw.add_argument("--png", action="store_true", help="also write a PNG beside the SVG")
    draw.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    explore = commands.add_parser(
        "explore", help="evaluate a formula and write a page stepping through its passes",
        description="Evaluate FORMULA at the given values, backpropagate, print the value "
                    "and every gradient, and write one self-contained HTML page that steps "
                    "through the forward and backward passes node by node (open it in any "
                    "browser; it needs no network).",
        epilog=EXPLORE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    explore.add_argument("formula", help='e.g. "tanh(w*x + b)"')
    explore.add_argument("values", nargs="*", type=_variable, metavar="name=value")
    explore.add_argument("-o", "--output", default="page.html",
                         help="the page: a name ending in .html, or with no extension")
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


if __name__ == "__main__":
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
