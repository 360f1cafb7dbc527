"""Grad mode: whether operations record a graph, per thread and per asyncio task."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

enabled: ContextVar[bool] = ContextVar("grad_enabled", default=True)
# while a graph is traced to be compiled, branching on a Value's data would be frozen into
# the trace: comparisons and truth of Values refuse then
tracing: ContextVar[bool] = ContextVar("tracing", default=False)


@contextmanager
def _set(setting: ContextVar[bool], value: bool) -> Iterator[None]:
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


def tracing_values() -> AbstractContextManager[None]:
    """Inside, comparing a Value or asking its truth raises TypeError (see ``tracing``)."""
    return _set(tracing, True)


def is_grad_enabled() -> bool:
    """Whether operations currently record a graph."""
    return enabled.get()
