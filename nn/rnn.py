"""An Elman network, trained by backpropagation through time.

h_t = act(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh), act tanh or relu (Elman, 1990), with the
weights laid out as torch.nn.RNN's ``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0`` and
``bias_hh_l0``, so that they copy across one to one.

Backpropagation through time is nothing but ``backward()`` through the unrolled graph: the
sequence of T steps is one graph of T copies of the cell, sharing the weights, and each
weight's gradient is the sum of its T contributions. The graph, and so the memory and the
time of a backward pass, grows with T. Truncated backpropagation through time cuts it every
k steps: run the sequence in chunks of k and carry the hidden state over as
``[h.detach() for h in h_last]``, which keeps its values but not its graph, so each chunk's
backward pass reaches k steps back at most (``truncated`` does exactly that).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from autograd import Value, checks
from autograd.engine import RowCache, weighted_rows
from autograd.engine import constant as const
from autograd.functions import FUSABLE
from autograd.ops import NEURON
from nn.linear import Vector, lifted, matrix
from nn.modules import Module

NONLINEARITIES = ("tanh", "relu")  # torch.nn.RNN's two


class RNN(Module):
    """An Elman network: ``outputs, h_last = rnn(xs, h0=None)`` over a list of T inputs.

    ``xs`` is a list of T vectors of input_size numbers or Values; ``outputs`` the T hidden
    vectors (lists of hidden_size Values) and ``h_last`` the last; h0 defaults to zeros.
    Weights and biases start uniform in +-1/sqrt(hidden_size), as in PyTorch (``init``
    names another of nn.modules.INITS, drawn with fan_in = hidden_size).
    """

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh",
                 bias: bool = True, init: str = "torch",
                 rng: random.Random | None = None) -> None:
        self.input_size = checks.integer("input_size", input_size, 1)
        self.hidden_size = checks.integer("hidden_size", hidden_size, 1)
        checks.one_of("nonlinearity", nonlinearity, dict.fromkeys(NONLINEARITIES))
        self.nonlinearity = nonlinearity
        self.weight_ih = matrix(hidden_size, input_size, init, rng, hidden_size)
        self.weight_hh = matrix(hidden_size, hidden_size, init, rng, hidden_size)
        self.bias_ih = matrix(1, hidden_size, init, rng, hidden_size)[0] if bias else None
        self.bias_hh = matrix(1, hidden_size, init, rng, hidden_size)[0] if bias else None

    def __call__(self, xs: Sequence[Vector],
                 h0: Vector | None = None) -> tuple[list[list[Value]], list[Value]]:
        if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence) or not xs:
            raise ValueError("an RNN needs a non-empty list of input vectors")
        inputs = [lifted(x, self.input_size, f"input {t}") for t, x in enumerate(xs)]
        h = (tuple(const(0.0) for _ in range(self.hidden_size)) if h0 is None
             else lifted(h0, self.hidden_size, "h0"))
        act = FUSABLE[self.nonlinearity]
        # each unit's row of weights is [W_ih | W_hh], its bias b_ih + b_hh (one node per
        # call): each step is then one fused neuron node per unit, act(b + w·[x_t, h])
        rows = [(*wi, *wh) for wi, wh in zip(self.weight_ih, self.weight_hh)]
        biases = ([bi + bh for bi, bh in zip(self.bias_ih, self.bias_hh)]
                  if self.bias_ih is not None and self.bias_hh is not None
                  else [const(0.0)] * self.hidden_size)
        outputs = []
        cache = RowCache()  # the rows as the nodes keep them, made once for every step
        for x in inputs:
            h = tuple(weighted_rows(NEURON, rows, (*x, *h), biases, act, cache))
            outputs.append(list(h))
        return outputs, list(h)

    def extra_repr(self) -> str:
        return (f"{self.input_size} -> {self.hidden_size}, {self.nonlinearity}"
                + ("" if self.bias_ih is not None else ", no bias"))


def truncated(rnn: RNN, xs: Sequence[Vector], k: int,
              chunk_loss: Callable[[list[list[Value]], int], Value],
              h0: Vector | None = None) -> tuple[float, list[Value]]:
    """Truncated backpropagation through time: run ``xs`` in chunks of ``k`` steps, call
    ``chunk_loss(outputs, start)`` on each chunk and backpropagate it at once, then carry
    the hidden state on detached. Gradients accumulate in ``.grad`` over the chunks; returns
    the sum of the chunk losses and the last hidden state (detached)."""
    k = checks.integer("k (steps per chunk)", k, 1)
    total, h = 0.0, h0
    carried: list[Value] = []
    for start in range(0, len(xs), k):
        outputs, h_last = rnn(xs[start : start + k], h)
        loss = chunk_loss(outputs, start)
        loss.backward()
        total += loss.data
        h = carried = [v.detach() for v in h_last]  # the values go on, the graph stops here
    return total, carried
