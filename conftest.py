"""The examples of README.md and the guide in docs/, collected by pytest through Sybil: a
Python block written as a session (``>>>`` lines) must print what it shows; any other runs.

Each page runs in a folder of its own (the examples write files: graphs, pages, models),
with ``no_torch`` and ``core_only`` (CHAINRULE_FAST=0: graphs as the core builds them,
unfused) set for ``<!-- skip: start if(no_torch, reason=...) -->``.
"""

import importlib.util
import os
import shutil
import tempfile
from doctest import ELLIPSIS, NORMALIZE_WHITESPACE
from typing import Any

import pytest

import autograd

try:
    from sybil import Sybil
    from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
except ImportError:  # the test extra is not installed: each page is one skipped test
    Sybil = None


def _setup(namespace: dict[str, Any]) -> None:
    namespace["_cwd"] = os.getcwd()
    os.chdir(tempfile.mkdtemp(prefix="chainrule-docs-"))
    namespace["no_torch"] = importlib.util.find_spec("torch") is None
    namespace["core_only"] = not autograd.fast_enabled()  # graphs as the core builds them


def _teardown(namespace: dict[str, Any]) -> None:
    folder = os.getcwd()
    os.chdir(namespace["_cwd"])
    shutil.rmtree(folder, ignore_errors=True)


class _Unchecked(pytest.File):
    """A page whose examples cannot run here: one test that skips, saying why."""

    def collect(self) -> Any:
        yield _Skip.from_parent(self, name="examples")


class _Skip(pytest.Item):
    def runtest(self) -> None:
        pytest.skip("the examples of the README and the guide need Sybil (the test extra): "
                    "pip install sybil")


def _unchecked(file_path: Any, parent: Any) -> Any:
    if file_path.suffix == ".md" and (file_path.name == "README.md"
                                      or file_path.parent.name == "docs"):
        return _Unchecked.from_parent(parent, path=file_path)
    return None


pytest_collect_file = _unchecked if Sybil is None else Sybil(
    parsers=[SkipParser(), PythonCodeBlockParser(doctest_optionflags=ELLIPSIS
                                                 | NORMALIZE_WHITESPACE)],
    patterns=["README.md", "docs/*.md"], setup=_setup, teardown=_teardown,
).pytest()
