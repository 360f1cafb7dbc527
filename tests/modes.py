"""The two engines the suite runs on: the speed layer over the core (the default), and the
core alone (CHAINRULE_FAST=0). Numbers are the same on both; graph shapes are not."""

import pytest

import autograd

FAST_SHAPES = pytest.mark.skipif(
    not autograd.fast_enabled(),
    reason="checks a graph shape the speed layer makes (products fused into sums, shared "
           "rows); CHAINRULE_FAST=0 leaves the speed layer out")
