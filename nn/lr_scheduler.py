"""Learning-rate schedules, stepped once per epoch as in PyTorch, each in closed form."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from autograd import checks


class HasLr(Protocol):
    """What a schedule needs of an optimizer: a learning rate it may set."""

    lr: float


class LRScheduler:
    """Base class: sets optimizer.lr to lr_at(epoch) at construction and after each step()."""

    def __init__(self, optimizer: HasLr) -> None:
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._last_lr = optimizer.lr = self.lr_at(0)

    def lr_at(self, epoch: int) -> float:
        """The learning rate of ``epoch`` (0 is the first), in closed form."""
        raise NotImplementedError

    def step(self) -> None:
        """Move on to the next epoch's learning rate."""
        self.last_epoch += 1
        self._last_lr = self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> list[float]:
        """The learning rate set by the last step (a list, one per group, as in PyTorch)."""
        return [self._last_lr]


class StepLR(LRScheduler):
    """Multiply the learning rate by gamma every step_size epochs."""

    def __init__(self, optimizer: HasLr, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = checks.integer("step_size", step_size, 1)
        self.gamma = checks.at_least("gamma", gamma, 0.0, strict=True)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        # lr_t = base_lr gamma^floor(t / step_size)
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by gamma every epoch."""

    def __init__(self, optimizer: HasLr, gamma: float) -> None:
        self.gamma = checks.at_least("gamma", gamma, 0.0, strict=True)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        # lr_t = base_lr gamma^t
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """Half a cosine wave from base_lr down to eta_min over T_max epochs (then back up)."""

    def __init__(self, optimizer: HasLr, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = checks.integer("T_max", T_max, 1)
        self.eta_min = checks.at_least("eta_min", eta_min, 0.0)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        # lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2
        cosine = (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
        return self.eta_min + (self.base_lr - self.eta_min) * cosine


class LambdaLR(LRScheduler):
    """The base learning rate times a factor of the epoch that you give."""

    def __init__(self, optimizer: HasLr, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"lr_lambda must be callable, got {type(lr_lambda).__name__}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        # lr_t = base_lr lambda(t)
        return self.base_lr * self.lr_lambda(epoch)
