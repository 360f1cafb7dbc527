"""Topological order: parents first, every node once, no recursion."""

import pytest

from autograd import Value
from autograd.graph import check_toposort, toposort


def test_parents_come_before_children_and_each_node_once():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a  # a reached twice: directly and through c
    e = d * c  # a diamond through c
    order = toposort([e])
    assert len(order) == len(set(order)) == 5
    assert set(order) == {a, b, c, d, e}
    assert order[-1] is e
    check_toposort(order)
    assert order.index(c) < order.index(d) < order.index(e)


def test_only_reachable_nodes_are_ordered():
    a, b = Value(1.0), Value(2.0)
    unrelated = a + b
    order = toposort([a * 2.0])
    assert unrelated not in order and b not in order
    assert a in order


def test_several_roots_share_their_common_part():
    a = Value(1.0)
    h = a.exp()
    order = toposort([h + 1.0, h * 2.0])
    assert order.count(h) == 1 and order.count(a) == 1
    check_toposort(order)


def test_check_toposort_rejects_a_child_before_its_parent():
    a = Value(1.0)
    b = a.exp()
    with pytest.raises(AssertionError, match="does not come before"):
        check_toposort([b, a])
    with pytest.raises(AssertionError, match="does not come before"):
        check_toposort([b])  # its parent is missing altogether
    with pytest.raises(AssertionError, match="twice"):
        check_toposort([a, a, b])


def test_deep_chain_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(200_000):
        y = y.sin()
    order = toposort([y])
    assert len(order) == 200_001
    assert order[0] is x and order[-1] is y
