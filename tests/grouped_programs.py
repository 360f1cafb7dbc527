"""Random programs with group structure (layers, sums, softmax, attention...): the graphs
vector code is written for, shared by the tests of the vector writer and of its backends."""

import random

from hypothesis import strategies as st

import autograd
import nn
from autograd import Value, grad

ACTS = ["relu", "tanh", "sigmoid", None]
STEPS = ["layer", "micrograd", "microgpt", "map", "pairs", "softmax", "rmsnorm", "attention",
         "odd", "partial", "gather", "repeat", "constant", "twice"]


def build(xs, program, seed):
    """The loss of a random program over inputs xs, and the params it made (in order)."""
    rng = random.Random(seed)
    params = []

    def param():
        p = Value(rng.uniform(-1.0, 1.0))
        params.append(p)
        return p

    h = list(xs)
    for kind, width, act in program:
        if kind in ("layer", "constant", "twice"):  # nn's fused neurons over shared inputs
            # a constant feature after h, or h[0] read twice: the product reads more than h
            inputs = {"layer": h, "constant": [*h, 1.0], "twice": [h[0], *h]}[kind]
            layer = nn.Layer(len(inputs), width, act or "linear", rng=rng)
            params.extend(layer.parameters())
            h = layer(inputs)
            h = h if isinstance(h, list) else [h]
        elif kind in ("micrograd", "odd", "partial"):  # sums of products built by +
            out = []
            for j in range(width):
                inputs = h[: max(1, len(h) - 1)] if kind == "partial" and j % 2 else h
                z = sum((param() * x for x in inputs), param())
                if kind == "odd" and j == width // 2:
                    z = z * 1.5  # one neuron broken out of its group by an extra op
                out.append(getattr(z, act)() if act else z)
            h = out
        elif kind == "microgpt":  # linear without bias: sum(w * x) from 0
            h = [sum(param() * x for x in h) for _ in range(width)]
        elif kind == "map":
            h = [(v * 0.5 + 0.25).tanh() for v in h]
        elif kind == "pairs":  # an elementwise product of h with h reversed (a gather)
            h = [a * b for a, b in zip(h, reversed(h))]
        elif kind == "gather":  # the same value read twice: gradients add up
            h = [h[i // 2] * h[0] for i in range(2 * len(h))]
        elif kind == "repeat":  # exact sums reading one value several times, and a parameter
            p = param()
            h = [autograd.sum([h[0], v, v, p * p]) for v in h]
        elif kind == "softmax":
            top = max(v.data for v in h)  # frozen at trace time, as in microgpt
            exps = [(v - top).exp() for v in h]
            total = sum(exps)
            h = [e / total for e in exps]
        elif kind == "rmsnorm":
            scale = (sum(v * v for v in h) / len(h) + 1e-5) ** -0.5
            h = [v * scale for v in h]
        elif kind == "attention":  # dot products of computed vectors, then a weighted sum
            half = max(1, len(h) // 2)
            q, k = h[:half], h[-half:]
            logits = [sum(q[j] * k[(j + t) % half] for j in range(half)) / half ** 0.5
                      for t in range(half)]
            h = [sum(w * v for w, v in zip(logits, k)) for _ in range(2)] + logits
    target = xs[-1]
    loss = sum((v - target) * (v - target) for v in h) / len(h) + 1e-3 * sum(p * p for p in params)
    return loss, h, params


programs = st.lists(st.tuples(st.sampled_from(STEPS), st.integers(1, 40), st.sampled_from(ACTS)),
                    min_size=1, max_size=4)


def close(got, want, what):
    """Equal to 1e-12 of the largest magnitude among what is compared."""
    import numpy as np

    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    assert np.all(np.abs(got - want) <= 1e-12 * scale), (what, np.max(np.abs(got - want)), scale)


def engine(program, seed, sample, n_in):
    """The engine's loss, input gradients and param gradients at one sample."""
    xs = [Value(v) for v in sample]
    loss, _, params = build(xs, program, seed)
    grads = grad(loss, xs + params, allow_unused=True)
    return loss.data, [float(g) for g in grads[:n_in]], [float(g) for g in grads[n_in:]]
