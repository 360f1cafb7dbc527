"""Grad mode: whether operations record a graph, per thread and per asyncio task."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

enabled: ContextVar[bool] = ContextVar("grad_enabled", default=True)
# while a graph is traced to be compiled, branching on a Value's data would be frozen into
# the trace: comparisons and truth of Values refuse then
tracing: ContextVar[bool] = ContextVar("tracing", default=False)


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside, operations compute values but record no graph (per thread and task)."""
    token = enabled.set(False)
    try:
        yield
    finally:
        enabled.reset(token)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record graphs again inside a ``no_grad`` block."""
    token = enabled.set(True)
    try:
        yield
    finally:
        enabled.reset(token)


@contextmanager
def tracing_values() -> Iterator[None]:
    """Inside, comparing a Value or asking its truth raises TypeError (see ``tracing``)."""
    token = tracing.set(True)
    try:
        yield
    finally:
        tracing.reset(token)


def is_grad_enabled() -> bool:
    """Whether operations currently record a graph."""
    return enabled.get()
