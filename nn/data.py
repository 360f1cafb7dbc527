"""Feeding data to gradient descent: full batch, mini-batches or one sample at a time."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar

from autograd import checks

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
        if not inputs:
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
        order = list(range(len(self.inputs)))
        if self.shuffle:
            self.rng.shuffle(order)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            batch = order[start:start + self.batch_size]
            yield [self.inputs[i] for i in batch], [self.targets[i] for i in batch]
