"""Running contenders fairly: each in a fresh interpreter, one after the other, in rounds.

The garbage collector's passes cost a process according to everything alive in it, so
contenders sharing one process would pay for each other's objects and garbage.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def without_gc(steps: Iterator[T]) -> Iterator[T]:
    """The same steps, each run with the garbage collector off (switched back on after)."""
    while True:
        gc.disable()
        try:
            result = next(steps)
        finally:
            gc.enable()
        yield result


def in_fresh_processes(module: str, contenders: Iterable[str], steps: int, rounds: int,
                       commands: Mapping[str, list[str]] | None = None,
                       ) -> dict[str, list[dict[str, Any]]]:
    """Each contender's results, one per round, from ``python -m module --worker NAME
    --steps STEPS`` (which prints one JSON object), the contenders taking turns. A contender
    in ``commands`` runs that command instead, with ``--steps STEPS`` added."""
    names = list(contenders)  # a name given twice runs twice a round
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            command = (commands or {}).get(name) or ["-m", module, "--worker", name]
            out = subprocess.run([sys.executable, *command, "--steps", str(steps)], check=True,
                                 capture_output=True, text=True).stdout
            results[name].append(json.loads(out))
    return results
