"""Linear and Embedding, laid out as torch.nn's so that weights copy across one to one."""

from __future__ import annotations

import operator
import random
from collections.abc import Sequence
from typing import Any

from autograd import Value, checks
from autograd.engine import RowCache, weighted_rows
from autograd.engine import constant as const
from autograd.ops import DOT
from nn.modules import INITS, Module

Vector = Sequence[Value | float]


def lifted(x: Vector, size: int, what: str) -> tuple[Value, ...]:
    """x as a tuple of Values (numbers become leaves), checked to have ``size`` entries."""
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{what} must be a sequence of {size} numbers or Values, "
                        f"not {type(x).__name__}")
    if len(x) != size:
        raise ValueError(f"{what} must have {size} entries, got {len(x)}")
    return tuple(v if isinstance(v, Value) else Value(v) for v in x)


def matrix(rows: int, columns: int, init: str, rng: random.Random | None,
           fan_in: int) -> list[list[Value]]:
    """rows lists of columns Values drawn by the named initialisation."""
    draw = checks.one_of("init", init, INITS)
    source: Any = rng or random
    return [[Value(draw(source, fan_in, rows)) for _ in range(columns)] for _ in range(rows)]


def affine(weight: list[list[Value]], x: tuple[Value, ...], bias: list[Value] | None,
           cache: RowCache | None = None) -> list[Value]:
    """W x + b, one ``dot`` node per output (b is 0 without a bias)."""
    if bias is None:
        return weighted_rows(DOT, weight, x, [const(0.0)] * len(weight), None)
    return weighted_rows(DOT, weight, x, bias, None, cache)


class Linear(Module):
    """y = W x + b, as torch.nn.Linear: ``weight`` is out_features rows of in_features Values.

    Weights and biases start uniform in +-1/sqrt(in_features), PyTorch's default
    (``init`` names another of nn.modules.INITS). The output is always a list.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init: str = "torch", rng: random.Random | None = None) -> None:
        self.in_features = checks.integer("in_features", in_features, 1)
        self.out_features = checks.integer("out_features", out_features, 1)
        self.weight = matrix(out_features, in_features, init, rng, in_features)
        self.bias = matrix(1, out_features, init, rng, in_features)[0] if bias else None
        self._rows = RowCache()  # the weights as the output nodes keep them

    def __call__(self, x: Vector) -> list[Value]:
        return affine(self.weight, lifted(x, self.in_features, "Linear's input"), self.bias,
                      self._rows)

    def extra_repr(self) -> str:
        return (f"{self.in_features} -> {self.out_features}"
                + ("" if self.bias is not None else ", no bias"))


class Embedding(Module):
    """A table of num_embeddings vectors of embedding_dim Values, as torch.nn.Embedding:
    ``emb(i)`` is row i (the gradient flows into that row); rows start N(0, 1).

    ``emb(o)``, o a sequence of num_embeddings weights, is the weighted sum of the rows,
    o @ weight: for a one-hot o, row i to the last bit, with gradients for o too (what
    autograd.jit needs, as an index would fix the graph's shape to one row).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 rng: random.Random | None = None) -> None:
        self.num_embeddings = checks.integer("num_embeddings", num_embeddings, 1)
        self.embedding_dim = checks.integer("embedding_dim", embedding_dim, 1)
        source: Any = rng or random
        self.weight = [[Value(source.gauss(0.0, 1.0)) for _ in range(embedding_dim)]
                       for _ in range(num_embeddings)]

    def __call__(self, index: int | Vector) -> list[Value]:
        if isinstance(index, (list, tuple)):
            weights = lifted(index, self.num_embeddings, "an Embedding's row weights")
            return [sum(o * w for o, w in zip(weights, column))  # type: ignore[misc]
                    for column in zip(*self.weight)]
        try:
            if isinstance(index, bool):
                raise TypeError
            index = operator.index(index)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(f"an Embedding is indexed by an int, not "
                            f"{type(index).__name__}") from None
        if not 0 <= index < self.num_embeddings:
            raise IndexError(f"index {index} is out of range for an Embedding of "
                             f"{self.num_embeddings} rows")
        return list(self.weight[index])  # a new list of the row's own Values

    def extra_repr(self) -> str:
        return f"{self.num_embeddings} x {self.embedding_dim}"
