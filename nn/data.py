"""Feeding data to gradient descent: full batch, mini-batches or one sample at a time."""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar

from autograd import Value, checks

X = TypeVar("X")
Y = TypeVar("Y")


class DataLoader(Generic[X, Y]):
    """Batches of (inputs, targets), reshuffled every epoch: iterate once per epoch.

    batch_size=None gives the full batch (batch gradient descent), batch_size=k
    mini-batches and batch_size=1 single samples (stochastic gradient descent). Every
    sample is seen exactly once per epoch; a last, smaller batch is kept unless drop_last.
    """

    def __init__(self, inputs: Sequence[X], targets: Sequence[Y], batch_size: int | None = None,
                 shuffle: bool = True, drop_last: bool = False,
                 rng: random.Random | None = None) -> None:
        if len(inputs) != len(targets):
            raise ValueError(f"{len(inputs)} inputs but {len(targets)} targets")
        if len(inputs) == 0:  # (not "if not inputs": a NumPy array has no truth value)
            raise ValueError("no samples to load")
        self.inputs, self.targets = list(inputs), list(targets)
        self.batch_size = len(self.inputs) if batch_size is None else checks.integer(
            "batch_size (None: the full batch)", batch_size, 1)
        if drop_last and self.batch_size > len(self.inputs):
            raise ValueError(f"drop_last with batch_size {self.batch_size} > "
                             f"{len(self.inputs)} samples would leave no batch")
        self.shuffle, self.drop_last = shuffle, drop_last
        self.rng = rng or random.Random(0)

    def __len__(self) -> int:
        """Batches per epoch."""
        n = len(self.inputs) / self.batch_size
        return math.floor(n) if self.drop_last else math.ceil(n)

    def __iter__(self) -> Iterator[tuple[list[X], list[Y]]]:
        for batch in self.indices():
            yield [self.inputs[i] for i in batch], [self.targets[i] for i in batch]

    def indices(self) -> Iterator[Sequence[int]]:
        """The samples of each batch of one epoch, by index: what iterating yields.

        One batch of every sample is not shuffled: its order would change nothing but the
        rounding of sums over it (a range is yielded, 0 to n - 1)."""
        n = len(self.inputs)
        order: Sequence[int] = range(n)
        if self.shuffle and self.batch_size < n:
            order = list(order)
            self.rng.shuffle(order)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield order[start:start + self.batch_size]


def check_finite(inputs: Sequence[object], targets: Sequence[object]) -> None:
    """ValueError naming the first sample, and where in it, that holds NaN or infinity.

    A sample is a number, a Value, a NumPy array, or a list or tuple of these (nested, as a
    sequence's time steps are); anything else (a token string) is not a number to check.
    """
    for what, samples in (("input", inputs), ("target", targets)):
        for i, sample in enumerate(samples):
            where = _non_finite(sample)
            if where is not None:
                place, x = where
                raise ValueError(
                    f"{what} {i}{' at ' + place if place else ''} is {x!r}: a sample that is "
                    "not a finite number makes the loss and every gradient NaN or infinite; "
                    "remove or repair it before training")


def _non_finite(sample: object) -> tuple[str, float] | None:
    """Where in the sample a number is NaN or infinite (as 'column 2', '[3][1]'), and it."""
    x: Any = sample.data if isinstance(sample, Value) else sample
    if isinstance(x, numbers.Number) or getattr(x, "ndim", None) == 0:  # a 0-d array too
        try:
            return None if math.isfinite(x) else ("", float(x))  # type: ignore[arg-type]
        except (TypeError, OverflowError):
            return None  # not a real number (a complex one is refused by the model)
    if hasattr(x, "shape") and hasattr(x, "dtype"):  # a NumPy array: checked in one call
        import numpy as np

        if x.dtype.kind in "fc":
            bad = np.argwhere(~np.isfinite(x))
            if len(bad):
                index = tuple(int(k) for k in bad[0])
                return _place(index), float(x[index].real if x.dtype.kind == "c" else x[index])
        return None
    if isinstance(x, (list, tuple)):
        for k, item in enumerate(x):
            inner = _non_finite(item)
            if inner is not None:
                return _place((k,), inner[0]), inner[1]
    return None


def _place(index: tuple[int, ...], inner: str = "") -> str:
    """'column k' for a feature of a flat sample, '[k][j]' deeper."""
    if len(index) == 1 and not inner:
        return f"column {index[0]}"
    head = "".join(f"[{k}]" for k in index)
    return head + (inner.replace("column ", "[") + "]" if inner.startswith("column ") else inner)
