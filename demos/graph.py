"""Draw the computation graph of a single neuron: micrograd's classic picture.

o = tanh(x1*w1 + x2*w2 + b) with x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8813735870195432,
built one operation at a time, backpropagated, and drawn with every value's data and
grad. Blue boxes are inputs, orange ones parameters; ellipses are the operations.
Needs the Graphviz 'dot' program (bash dev.sh demo installs it).

  python -m demos.graph                   writes out/neuron.svg
  python -m demos.graph --png --fused     also a PNG; the neuron as one fused node
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from autograd import Value, neuron
from autograd.views.draw import render
from demos.common import output_folder, parser, report
from nn.modules import ACTIVATIONS

# micrograd's example: b is chosen so that n = 0.8814 and o = tanh(n) = 0.7071 = 1/sqrt(2)
INPUTS = (2.0, 0.0)
WEIGHTS = (-3.0, 1.0)
BIAS = 6.8813735870195432


def neuron_graph(inputs: Sequence[float], weights: Sequence[float], bias: float,
                 activation: str = "tanh",
                 fused: bool = False) -> tuple[Value, list[Value], list[Value]]:
    """activation(b + sum_i x_i w_i), every value labelled: (output, inputs, parameters)."""
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(inputs, 1)]
    ws = [Value(w, label=f"w{i}") for i, w in enumerate(weights, 1)]
    b = Value(bias, label="b")
    if fused:
        out = neuron(ws, xs, b, activation)
    else:  # the weighted sum one product and one addition at a time, as micrograd draws it
        terms = []
        for i, (x, w) in enumerate(zip(xs, ws), 1):
            terms.append(x * w)
            terms[-1].label = f"x{i}*w{i}"
        total = terms[0]
        for term in terms[1:]:
            label = f"{total.label} + {term.label}"
            total = total + term
            total.label = label
        n = total + b
        n.label = "n"
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of "
                             f"{', '.join(ACTIVATIONS)}")
        out = ACTIVATIONS[activation](n)
    out.label = "o"
    return out, xs, [*ws, b]


def main(argv: list[str] | None = None) -> int:
    p = parser("demos.graph", __doc__, training=False)
    p.add_argument("--fused", action="store_true",
                   help="draw the neuron as one fused node, as nn.Neuron builds it")
    p.add_argument("--png", action="store_true", help="write a PNG as well as the SVG")
    p.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                   help="left to right (default) or top to bottom")
    args = p.parse_args(argv)
    out, xs, params = neuron_graph(INPUTS, WEIGHTS, BIAS, fused=args.fused)
    out.backward()
    print(f"o = tanh(x1*w1 + x2*w2 + b) = {out.data:.6f}")
    print("  " + ", ".join(f"do/d{v.label} = {v.grad:.6f}" for v in xs + params))
    folder = output_folder(args.out)
    formats = ("svg", "png") if args.png else ("svg",)
    written = render(out, folder / "neuron.svg", formats, params=params, rankdir=args.rankdir)
    report([Path(w) for w in written])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
