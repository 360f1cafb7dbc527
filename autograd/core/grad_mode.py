"""Grad mode: whether operations record a graph, per thread and per asyncio task."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

enabled: ContextVar[bool] = ContextVar("grad_enabled", default=True)
# while a graph is traced to be compiled, branching on a Value's data would be frozen into
# the trace: comparisons and truth of Values then call this function, which raises
Refuse = Callable[..., None]
tracing: ContextVar[Refuse | None] = ContextVar("tracing", default=None)
# the leaves made while a function is traced (constants of its code, not its parameters)
made: ContextVar[list[Any] | None] = ContextVar("made", default=None)
# how many traces (and collections of leaves) run now, in every thread: while none does,
# making a node or a leaf need not read the context variables above (slower than this)
traces = 0
_counting = threading.Lock()


T = TypeVar("T")


@contextmanager
def _set(setting: ContextVar[T], value: T) -> Iterator[None]:
    token = setting.set(value)
    try:
        yield
    finally:
        setting.reset(token)


def no_grad() -> AbstractContextManager[None]:
    """Inside, operations compute values but record no graph (per thread and task)."""
    return _set(enabled, False)


def enable_grad() -> AbstractContextManager[None]:
    """Record graphs again inside a ``no_grad`` block."""
    return _set(enabled, True)


@contextmanager
def _counted() -> Iterator[None]:
    global traces
    with _counting:
        traces += 1
    try:
        yield
    finally:
        with _counting:
            traces -= 1


@contextmanager
def tracing_values(refuse: Refuse) -> Iterator[None]:
    """Inside, comparing a Value or asking its truth calls ``refuse(what, *operands)``, which
    raises TypeError, and ``no_grad`` and ``detach`` record nodes through which no gradient
    flows."""
    with _counted(), _set(tracing, refuse):
        yield


@contextmanager
def leaves_made(leaves: list[Any]) -> Iterator[None]:
    """Inside, every leaf made (``Value(...)``) is appended to ``leaves``."""
    with _counted(), _set(made, leaves):
        yield


def is_grad_enabled() -> bool:
    """Whether operations currently record a graph."""
    return enabled.get()
