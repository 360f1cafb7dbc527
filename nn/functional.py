"""Functions of lists of Values that a transformer is built from: softmax, rmsnorm,
causal self-attention over a key/value cache (as torch.nn.functional's, on scalars)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from autograd import Value
from autograd.functions import shift


def total(terms: Iterable[Value]) -> Value:
    """sum() of Values, as one node when the terms are products (see autograd.nodes)."""
    return sum(terms)  # type: ignore[return-value]  # starts from 0, a Value after one term


def softmax(logits: Sequence[Value], temperature: float = 1.0) -> list[Value]:
    """e^(z_i / T) / sum_j e^(z_j / T), shifted by the largest finite logit so that no e^z
    overflows (the shift cancels: the result and its gradient are the same)."""
    if not logits:
        raise ValueError("softmax of an empty list")
    if not temperature > 0.0:
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
    # the largest finite logit, a node computed again at every call of compiled code
    neg = -shift(logits)
    exps = [(z + neg if temperature == 1.0 else (z + neg) / temperature).exp() for z in logits]
    norm = total(exps)
    return [e / norm for e in exps]


def rmsnorm(x: Sequence[Value], eps: float = 1e-5) -> list[Value]:
    """x / sqrt(mean(x^2) + eps): every vector scaled to a root mean square of 1."""
    if not x:
        raise ValueError("rmsnorm of an empty vector")
    scale = (total(xi * xi for xi in x) / len(x) + eps) ** -0.5
    return [xi * scale for xi in x]


def attention(q: Sequence[Value], keys: Sequence[Sequence[Value]],
              values: Sequence[Sequence[Value]], n_head: int) -> list[Value]:
    """Causal multi-head self-attention for the newest position: its query against the keys
    and values of every position so far (the cache, itself included). Each of n_head heads
    takes a slice of the vectors: softmax(q_h · k_h(t) / sqrt(d)) over t weights v_h(t)."""
    d = len(q) // n_head
    if d * n_head != len(q) or not keys or len(keys) != len(values):
        raise ValueError(f"attention needs a query of n_head * d entries and as many keys as "
                         f"values, got {len(q)}, {n_head} heads, {len(keys)} keys, "
                         f"{len(values)} values")
    out: list[Value] = []
    for h in range(0, len(q), d):
        q_h = q[h : h + d]
        scores = [total(q_h[j] * k[h + j] for j in range(d)) / math.sqrt(d) for k in keys]
        weights = softmax(scores)
        out.extend(total(w * v[h + j] for w, v in zip(weights, values)) for j in range(d))
    return out
