"""python -m autograd draw FORMULA name=value ...: evaluate, backpropagate, draw."""

from __future__ import annotations

import argparse
import sys

from autograd.engine import Value, grad
from autograd.formula import FUNCTIONS, FormulaError, evaluate

EPILOG = f"""functions: {', '.join(FUNCTIONS)}; operators: + - * / ** and unary -.
example: python -m autograd draw "tanh(w*x + b)" x=1 w=-2 b=0.5 -o graph.svg"""


def _variable(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected name=value, got {text!r}")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {value!r} is not a number") from None


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
    draw.add_argument("-o", "--output", default="graph.svg", help="SVG file (graph.svg)")
    draw.add_argument("--png", action="store_true", help="also write a PNG beside the SVG")
    draw.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    args = parser.parse_args(argv)

    variables = {name: Value(value, label=name) for name, value in args.values}
    try:
        out = evaluate(args.formula, variables)
        out.backward()
    except (FormulaError, ArithmeticError, ValueError, TypeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{args.formula} = {out.data!r}")
    names = list(variables)
    for name, g in zip(names, grad(out, [variables[n] for n in names], allow_unused=True)):
        print(f"  d/d{name} = {g!r}")
    from autograd.draw import render

    try:
        written = render(out, args.output, ("svg", "png") if args.png else ("svg",),
                         rankdir=args.rankdir)
    except (RuntimeError, ImportError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print("wrote " + ", ".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
