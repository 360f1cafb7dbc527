"""Shared test settings: reproducible hypothesis runs, topological order checked everywhere."""

import os
import pathlib
import signal
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, settings

from autograd.core import backward

settings.register_profile(
    "chainrule", derandomize=True, deadline=None, max_examples=150, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("chainrule")


@pytest.fixture(autouse=True)
def check_every_toposort(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every backward pass in the tests verifies that parents come before children."""
    monkeypatch.setattr(backward, "debug", True)


@pytest.fixture
def no_blocking() -> Iterator[None]:
    """Fail with TimeoutError, not hang, if the test blocks 5 s (a fifo waiting for a peer)."""
    def hang(signum: int, frame: object) -> None:
        raise TimeoutError("blocked for 5 s: a fifo opened, waiting for its other end?")
    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(5)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def odd_paths(tmp_path: pathlib.Path,
              monkeypatch: pytest.MonkeyPatch) -> Callable[[], set[pathlib.Path]]:
    """A working folder holding 'folder/', 'file.txt' and a fifo 'pipe'; returns a listing."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("")
    os.mkfifo(tmp_path / "pipe")
    return lambda: set(tmp_path.rglob("*"))
