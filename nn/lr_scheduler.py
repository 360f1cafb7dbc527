"""Learning-rate schedules (stepped once per epoch, as in PyTorch), in closed form."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol


class _HasLr(Protocol):
    lr: float


class LRScheduler:
    """Sets optimizer.lr to base_lr * factor(epoch) after every step()."""

    def __init__(self, optimizer: _HasLr) -> None:
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        optimizer.lr = self.get_lr(0)

    def get_lr(self, epoch: int) -> float:
        """The learning rate for ``epoch`` (0 is the first)."""
        raise NotImplementedError

    def step(self) -> None:
        """Move to the next epoch's learning rate."""
        self.last_epoch += 1
        self.optimizer.lr = self.get_lr(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The learning rate now in use (a list, one per group, as in PyTorch)."""
        return [self.optimizer.lr]


def _positive(name: str, value: float, integer: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)) \
            or not value > 0:
        kind = "a positive integer" if integer else "positive"
        raise ValueError(f"{name} must be {kind}, got {value!r}")


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer: _HasLr, step_size: int, gamma: float = 0.1) -> None:
        _positive("step_size", step_size, integer=True)
        _positive("gamma", gamma)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def get_lr(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer: _HasLr, gamma: float) -> None:
        _positive("gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self, epoch: int) -> float:
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2."""

    def __init__(self, optimizer: _HasLr, T_max: int, eta_min: float = 0.0) -> None:
        _positive("T_max", T_max, integer=True)
        if not eta_min >= 0:
            raise ValueError(f"eta_min must be >= 0, got {eta_min!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def get_lr(self, epoch: int) -> float:
        # half a cosine wave from base_lr down to eta_min over T_max epochs (then back up)
        cosine = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return self.eta_min + (self.base_lr - self.eta_min) * cosine


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch)."""

    def __init__(self, optimizer: _HasLr, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"lr_lambda must be callable, got {type(lr_lambda).__name__}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def get_lr(self, epoch: int) -> float:
        return self.base_lr * self.lr_lambda(epoch)
