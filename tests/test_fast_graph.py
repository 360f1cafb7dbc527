"""Topological order: parents first, every node once, no recursion."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from modes import FAST_SHAPES

from autograd import Value, ops
from autograd.core.backward import check_toposort
from autograd.engine import toposort
from autograd.fast.graph import Part, steps
from autograd.fast.weighted import RowCache, weighted, weighted_rows

pytestmark = FAST_SHAPES


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


def plain_toposort(roots):
    """The depth-first sort read straight off ``parents``: the order toposort must give."""
    order, visited, stack = [], set(), list(roots)
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            if node.parents:
                stack += (node, None, *reversed(node.parents))
            else:
                order.append(node)
    return order


@settings(max_examples=80)
@given(st.lists(st.tuples(st.integers(0, 3), st.lists(st.integers(0, 999), min_size=2,
                                                      max_size=2)), min_size=1, max_size=12))
def test_weighted_nodes_sharing_inputs_and_rows_are_sorted_as_their_parents_say(plan):
    """Weighted nodes share their inputs' tuple and their Rows, whose weights may be computed
    from earlier nodes too (an RNN's weights meet every step): skipping a shared tuple whose
    values were all placed must not change the order."""
    leaves = [Value(0.1 * i) for i in range(4)]
    nodes = list(leaves)
    rows = [[leaves[0], leaves[1]], [leaves[2], leaves[3]]]
    biases = [leaves[3], leaves[0]]
    caches = [RowCache(), RowCache()]
    for kind, (i, j) in plan:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        if kind == 0:
            nodes.append(a * b)
        elif kind == 1:  # a weight becomes a computed value: the Rows are made again
            rows[j % 2][i % 2] = a.tanh()
        else:
            made = weighted_rows(ops.NEURON, rows, [a, b], biases, ops.TANH, caches[kind - 2])
            nodes.extend(made)
    root = weighted(ops.DOT, nodes[-3:], nodes[-3:], nodes[0], None)
    order = toposort([root])
    assert order == plain_toposort([root])
    check_toposort(order)


def test_an_rnn_shares_its_rows_over_time_and_is_sorted_as_its_parents_say():
    from nn import RNN

    rnn = RNN(2, 3, rng=random.Random(0))
    outputs, h = rnn([[0.5, -1.0], [1.0, 0.25], [0.0, 2.0], [1.5, 1.5]])
    roots = [*h, outputs[1][0]]
    assert toposort(roots) == plain_toposort(roots)
    assert len({id(v._b) for step in outputs for v in step}) == 3  # 3 Rows for 4 steps


def test_a_sum_whose_later_term_is_computed_from_an_earlier_one_is_cut_into_parts():
    # a + b*x + c*x*x: c*x, first reached through pair 2, adds into x, a term of pair 1; the
    # core adds pair 1's products after c*x's rule, so the sum is cut there
    a, b, c, x = Value(0.5), Value(-1.5), Value(2.0), Value(0.75)
    s = a + b * x + c * x * x
    assert s.op is ops.DOT and len(s.parents) == 5
    split = []
    order = steps([s], split)
    assert split == [s] and s not in order
    check_toposort([v for v in order if not isinstance(v, Part)] + [s])
    pair1, top = (v for v in order if isinstance(v, Part))
    assert (pair1.lo, pair1.hi, pair1.top) == (1, 1, False)
    assert (top.lo, top.hi, top.top, top.below) == (2, 2, True, pair1)
    cx = s.parents[3]
    assert cx.op is ops.MUL and cx.parents == (c, x)
    # as the core places its sum s_1: after x, before c*x; the top Part in s's place
    assert order.index(x) < order.index(pair1) < order.index(cx) and order[-1] is top


def test_sums_whose_terms_are_computed_apart_are_not_cut():
    # as microgpt's linear layers: a term first reached through its pair adds into no term
    xs = [Value(0.1 * i) for i in range(1, 5)]
    scale = sum(x * x for x in xs)
    normed = [x * scale for x in xs]
    rows = [[Value(0.2 * i - 0.3 * j) for j in range(4)] for i in range(3)]
    total = sum(sum(w * x for w, x in zip(row, normed)) for row in rows)
    split = []
    assert steps([total], split) == toposort([total], flowing=True) and split == []


def test_a_weighted_node_first_reached_through_a_later_pair_is_watched_through_its_row():
    # the layer's second node shares its inputs with the first, placed already: its
    # parents are looked at all the same, and one of them is a term of pair 1
    x = [Value(0.5), Value(-1.0), Value(2.0)]
    cache = RowCache()
    rows = [[Value(0.1), Value(0.2), Value(0.3)], [Value(-0.4), Value(0.5), Value(0.6)]]
    h = weighted_rows(ops.DOT, rows, x, [Value(0.0), Value(0.1)], None, cache)
    u, v = Value(1.5), Value(-0.5)
    s = h[0] + u * x[0] + v * h[1]
    split = []
    order = steps([s], split)
    assert split == [s] and [p.hi for p in order if isinstance(p, Part)] == [1, 2]


def test_a_recurrence_is_watched_a_few_sums_deep_and_cut_pair_by_pair_below():
    # h = b + w1*x + w2*h: each sum's pair 2 reaches the steps before it, whose nodes add
    # into b, w1 and w2; each sum is cut after its pair 1, however deep (the first one's
    # pair 2, w2 and a leaf, reaches no node with a rule: it needs no cut)
    b, w1, w2 = Value(0.1), Value(0.5), Value(0.9)
    h = Value(0.25)
    sums = []
    for t in range(30):
        h = b + w1 * Value(t / 30) + w2 * h
        sums.append(h)
    split = []
    order = steps([h], split)
    assert set(split) == set(sums[1:]) and len(split) == 29 and sums[0] in order
    parts = [v for v in order if isinstance(v, Part)]
    assert len(parts) == 58 and all(p.top == (p.lo == 2) for p in parts)
    check_toposort([v.node if isinstance(v, Part) else v for v in order
                    if not isinstance(v, Part) or v.top])
    for s in sums[1:]:  # pair 1's Part before the step below, as the core places s_1
        first = next(p for p in parts if p.node is s and not p.top)
        below = s.parents[4]
        assert order.index(first) < order.index(next(
            (p for p in parts if p.node is below and p.top), below))
