"""The README's first example: build an expression, backpropagate, check the gradients."""

from __future__ import annotations

import argparse
import math

from autograd import Value, gradcheck


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.quickstart", description=__doc__)
    parser.add_argument("--x", type=float, default=2.0, help="value of x (default 2.0)")
    parser.add_argument("--w", type=float, default=-3.0, help="value of w (default -3.0)")
    args = parser.parse_args(argv)

    x = Value(args.x, label="x")
    w = Value(args.w, label="w")
    y = (x * w + 1).tanh() + x ** 2 / w.exp()
    y.backward()
    print("y = tanh(x*w + 1) + x**2 / exp(w)")
    print(f"  y      = {y.data!r}")
    print(f"  dy/dx  = {x.grad!r}")
    print(f"  dy/dw  = {w.grad!r}")

    # the same derivatives by hand, from the chain rule
    t = math.tanh(args.x * args.w + 1)
    dx = (1 - t * t) * args.w + 2 * args.x / math.exp(args.w)
    dw = (1 - t * t) * args.x - args.x ** 2 / math.exp(args.w)
    print(f"  by hand: dy/dx = {dx!r}, dy/dw = {dw!r}")
    ok = gradcheck(lambda x, w: (x * w + 1).tanh() + x ** 2 / w.exp(), [x, w])
    print(f"  gradcheck against central differences: {'passed' if ok else 'failed'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
