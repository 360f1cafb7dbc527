"""Grouping: which scalars of a traced graph become one array operation."""

import random

from modes import FAST_SHAPES

import nn
from autograd import Value, compile, ops  # noqa: A004
from autograd.compiler.grouping import plan


def groups_of(outputs, inputs, params=()):
    f = compile(outputs, inputs, params)
    return plan(f.graph)


def test_each_layer_of_an_mlp_is_one_matrix_product():
    model = nn.MLP(3, [7, 5, 1], rng=random.Random(0))
    xs = [Value(0.0, label=f"x{i}") for i in range(3)]
    grouped = groups_of(model(xs), xs, model.parameters())
    products = [g for g in grouped.groups if g.kind == "weighted"]
    assert [g.size for g in products] == [7, 5, 1]
    assert all(g.members[0].args[2::2] == [grouped.scalars[x] for x in xs]
               for g in products[:1])
    assert len(grouped.groups) == 2 + 3  # inputs, params and one group per layer


@FAST_SHAPES
def test_sums_of_products_over_a_shared_list_group_on_that_list():
    rng = random.Random(1)
    xs = [Value(0.0, label=f"x{i}") for i in range(4)]
    w = [[Value(rng.uniform(-1, 1)) for _ in range(4)] for _ in range(6)]
    h = [sum(wi * xi for wi, xi in zip(row, xs)) for row in w]  # microgpt's linear
    f = compile(sum(v.relu() for v in h), xs, [p for row in w for p in row])
    grouped = plan(f.graph)
    (product,) = [g for g in grouped.groups if g.kind == "weighted"]
    assert product.size == 6 and product.shared == 2
    assert "z1 = x @ W1.T\n" in f.vector_source  # the sums start from 0: no bias


@FAST_SHAPES
def test_weights_shared_across_rows_are_the_vector():
    rng = random.Random(2)
    w = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    xs = [Value(0.0, label=f"x{i}") for i in range(6)]
    # two dot products of the same weights with different inputs: x_i * w_i, inputs first
    h = [sum(x * wi for x, wi in zip(xs[k:k + 3], w)) for k in (0, 3)]
    grouped = groups_of(h[0] + h[1], xs, w)
    (product,) = [g for g in grouped.groups if g.kind == "weighted"]
    assert product.size == 2 and product.shared == 2  # (b, x_1, w_1, ...): w at 2, 4, 6


def test_a_chain_of_additions_is_folded_into_one_sum():
    xs = [Value(0.0, label=f"x{i}") for i in range(5)]
    total = sum(x.exp() for x in xs)  # 0 + e1 + e2 + ...: a chain of adds
    grouped = groups_of(total, xs)
    sums = [g for g in grouped.groups if g.kind == "sum"]
    assert len(sums) == 1 and len(sums[0].members[0].args) == 5
    assert len([g for g in grouped.groups if g.op is ops.EXP]) == 1  # the exps: one group


def test_a_lone_addition_stays_an_addition():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    grouped = groups_of(a + b, [a, b])
    assert [g.op for g in grouped.groups if g.op is not None] == [ops.ADD]


def test_a_value_and_what_is_computed_from_it_are_never_one_group():
    x = Value(0.5, label="x")
    chain = [x.tanh()]
    for _ in range(3):
        chain.append(chain[-1].tanh())
    grouped = groups_of(chain[-1], [x])
    assert [g.size for g in grouped.groups if g.op is ops.TANH] == [1, 1, 1, 1]


def test_copies_of_one_value_are_one_group_reading_it_through_a_gather():
    x = Value(0.5, label="x")
    copies = [-x for _ in range(4)]
    grouped = groups_of(sum(c * c for c in copies), [x])
    (negs,) = [g for g in grouped.groups if g.op is ops.NEG]
    assert negs.size == 4


def test_one_odd_neuron_leaves_its_layer_as_a_group_of_one():
    rng = random.Random(4)
    xs = [Value(0.0, label=f"x{i}") for i in range(3)]
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(5)]
    h = [sum((w * x for w, x in zip(row, xs)), Value(0.1)) for row in rows]
    h[2] = h[2] * 1.5  # an extra op on one neuron: its activation is at another level
    out = sum(v.tanh() for v in h)
    grouped = groups_of(out, xs, [p for row in rows for p in row])
    tanh_sizes = sorted(g.size for g in grouped.groups if g.op is ops.TANH)
    assert tanh_sizes == [1, 4]
