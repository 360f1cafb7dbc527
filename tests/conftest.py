"""Shared test settings: reproducible hypothesis runs, topological order checked everywhere."""

import pytest
from hypothesis import HealthCheck, settings

from autograd import graph

settings.register_profile(
    "chainrule", derandomize=True, deadline=None, max_examples=150, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("chainrule")


@pytest.fixture(autouse=True)
def check_every_toposort(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every backward pass in the tests verifies that parents come before children."""
    monkeypatch.setattr(graph, "debug", True)
