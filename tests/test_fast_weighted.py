"""Weighted sums over shared inputs: the written-out maker gives variadic's nodes bit for bit,
numbers, NaN, overflow and odd widths take the checked way, and a layer's Rows are made
again exactly when its weights are other Values."""

import math
import random
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from modes import FAST_SHAPES

from autograd import FUSABLE, Value, no_grad, ops
from autograd.core.ops import interleaved
from autograd.fast import nodes, unrolled
from autograd.fast.nodes import Row, variadic
from autograd.fast.weighted import RowCache, rows_of, weighted, weighted_rows

pytestmark = FAST_SHAPES

ACTS = [None, *FUSABLE.values()]


def bits(x):
    return struct.pack("<d", x)


def made(seed, width, count):
    """count rows of width weights, their biases and width inputs, as Values."""
    rng = random.Random(seed)
    rows = [[Value(rng.gauss(0, 1)) for _ in range(width)] for _ in range(count)]
    biases = [Value(rng.uniform(-1, 1)) for _ in range(count)]
    return rows, biases, [Value(rng.gauss(0, 1)) for _ in range(width)]


def op_of(act):
    return ops.DOT if act is None else ops.NEURON


def reference(act, rows, xs, biases):
    """One node per row the general way: variadic over (b, w_1, x_1, ...)."""
    return [variadic(op_of(act), interleaved(b, row, xs), act) for row, b in zip(rows, biases)]


@settings(max_examples=60)
@given(st.integers(1, unrolled.MAX_WIDTH + 3), st.integers(1, 4), st.sampled_from(ACTS),
       st.integers(0, 2**32 - 1))
def test_rows_give_variadic_s_nodes_and_gradients_bit_for_bit(width, count, act, seed):
    rows, biases, xs = made(seed, width, count)
    fast = weighted_rows(op_of(act), rows, xs, biases, act)
    slow = reference(act, rows, xs, biases)
    assert [bits(v.data) for v in fast] == [bits(v.data) for v in slow]
    for v, w in zip(fast, slow):
        assert type(v) is type(w) and v.param is w.param and v.parents == w.parents
        assert v.parents == (w.parents[0], *interleaved(w.parents[0], rows[fast.index(v)],
                                                        xs)[1:])
    # the inputs' tuple is shared by the rows; each node's Row holds its act, bias, weights
    assert len({id(v._a) for v in fast}) == 1
    assert all(type(v._b) is Row and v._b[0] is act for v in fast)
    root = weighted(ops.DOT, fast, [Value(0.5 + i) for i in range(count)], Value(0.1), None)
    root.backward()
    grads = [v.grad for v in (*xs, *biases, *(w for row in rows for w in row))]
    for v in (*xs, *biases, *(w for row in rows for w in row)):
        v.grad = 0.0
    weighted(ops.DOT, slow, [Value(0.5 + i) for i in range(count)], Value(0.1), None).backward()
    assert [bits(g) for g in grads] == [
        bits(v.grad) for v in (*xs, *biases, *(w for row in rows for w in row))]


def test_the_first_argument_order_is_b_w1_x1():
    w, x, b = [Value(2.0), Value(3.0)], [Value(5.0), Value(7.0)], Value(1.0)
    v = weighted(ops.DOT, w, x, b, None)
    assert v.parents == (b, w[0], x[0], w[1], x[1]) and v.data == 1.0 + 10.0 + 21.0
    assert v.op is ops.DOT and v.param is None and not v.fused


def test_numbers_become_constants_and_values_stay_shared():
    w, x = [Value(2.0), 3.0], [Value(5.0), Value(7.0)]
    v = weighted(ops.NEURON, w, x, 0.5, ops.TANH)
    assert v.data == math.tanh(0.5 + 10.0 + 21.0)
    b, w1, x1, w2, x2 = v.parents
    assert b.op is ops.CONST and w2.op is ops.CONST and w2.data == 3.0
    assert w1 is w[0] and x1 is x[0] and x2 is x[1]
    with pytest.raises(TypeError, match="neuron takes Values and real numbers, not str"):
        weighted(ops.NEURON, [Value(1.0)], ["1"], Value(0.0), ops.TANH)


def test_outside_grad_mode_the_results_are_leaves():
    rows, biases, xs = made(3, 5, 3)
    with no_grad():
        out = weighted_rows(ops.NEURON, rows, xs, biases, ops.RELU)
    assert [v.op for v in out] == [ops.LEAF] * 3 and all(v.parents == () for v in out)
    assert [v.data for v in out] == [v.data for v in reference(ops.RELU, rows, xs, biases)]


@pytest.mark.parametrize("width", [1, 7, unrolled.MAX_WIDTH + 1])
def test_nan_and_infinity_follow_ieee_and_overflow_raises_as_for_any_node(width):
    rows, biases, xs = made(5, width, 2)
    xs[0] = Value(math.nan)
    out = weighted_rows(ops.DOT, rows, xs, biases, None)
    assert all(math.isnan(v.data) for v in out)
    rows, biases, xs = made(5, width, 2)
    rows[1][0] = Value(1e308)
    xs[0] = Value(1e10)
    with pytest.raises(OverflowError) as fast:
        weighted_rows(ops.DOT, rows, xs, biases, None)
    with pytest.raises(OverflowError) as slow:
        reference(None, rows[1:], xs, biases[1:])
    assert str(fast.value) == str(slow.value) and str(fast.value).startswith("dot(")
    # exp overflowing inside the written-out code: the checked way names the op
    with pytest.raises(OverflowError, match="neuron"):
        weighted(ops.NEURON, [Value(1000.0)], [Value(1.0)], Value(0.0), ops.EXP)


def test_widths_and_counts_that_do_not_match_are_refused():
    rows, biases, xs = made(1, 3, 2)
    with pytest.raises(ValueError, match="2 rows of weights but 1 biases"):
        weighted_rows(ops.DOT, rows, xs, biases[:1], None)
    rows[1].append(Value(1.0))  # one row of 4 weights for 3 inputs
    with pytest.raises(ValueError, match="4 weights for 3 inputs"):
        weighted_rows(ops.DOT, rows, xs, biases, None)
    with pytest.raises(ValueError, match="odd number of arguments, not 2"):
        variadic(ops.DOT, [Value(1.0), Value(2.0)])  # b, w_1 and no x_1


def test_rows_of_needs_values_everywhere():
    rows, biases, _ = made(2, 2, 2)
    assert [tuple(r) for r in rows_of(rows, biases, ops.RELU)] == [
        (ops.RELU, b, *row) for row, b in zip(rows, biases)]
    rows[0][1] = 1.5
    assert rows_of(rows, biases, ops.RELU) is None


def test_a_cache_gives_the_same_rows_until_a_weight_is_another_value():
    rows, biases, _ = make = made(4, 3, 2)
    cache = RowCache()
    first = cache.rows(rows, biases, ops.TANH)
    assert cache.rows(rows, biases, ops.TANH) is first  # nothing changed
    assert cache.rows([list(r) for r in rows], list(biases), ops.TANH) is first  # copies
    rows[0][0].data = 9.0  # a new value of the same Value: the Row reads it when used
    assert cache.rows(rows, biases, ops.TANH) is first
    rows[1][2] = Value(0.25)  # another Value in a row: new Rows, holding it
    second = cache.rows(rows, biases, ops.TANH)
    assert second is not first and second[1][4] is rows[1][2]
    biases[0] = Value(1.0)
    assert cache.rows(rows, biases, ops.TANH)[0][1] is biases[0]
    assert cache.rows(rows, biases, ops.SIGMOID)[0][0] is ops.SIGMOID
    rows[0][0] = 2.0  # a number: no Rows, the checked way
    assert cache.rows(rows, biases, ops.SIGMOID) is None
    assert make[0] is rows


def test_a_cache_is_not_fooled_by_an_object_that_claims_equality():
    class Liar:
        data = 0.5

        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    rows, biases, xs = made(6, 2, 1)
    cache = RowCache()
    first = weighted_rows(ops.DOT, rows, xs, biases, None, cache)[0]
    rows[0][0] = Liar()
    with pytest.raises(TypeError, match="dot takes Values and real numbers, not Liar"):
        weighted_rows(ops.DOT, rows, xs, biases, None, cache)
    assert first.parents[1] is not rows[0][0]


def test_an_op_and_an_activation_that_do_not_go_together_are_refused():
    rows, biases, xs = made(7, 2, 1)
    for op, act in ((ops.DOT, ops.TANH), (ops.NEURON, None), (ops.SUM, None)):
        with pytest.raises(ValueError, match=r"DOT \(act None\) or NEURON"):
            weighted_rows(op, rows, xs, biases, act)


def test_a_cache_is_not_fooled_by_a_value_subclass_whose_eq_is_set_later(monkeypatch):

    class Later(Value):
        __slots__ = ()

    assert nodes.subclassed()  # a class of the user's: the cache checks types
    monkeypatch.setattr(Later, "__eq__", lambda self, other: True)
    rows, biases, xs = made(8, 2, 1)
    cache = RowCache()
    first = weighted_rows(ops.DOT, rows, xs, biases, None, cache)[0]
    rows[0][0] = Later(4.0)
    second = weighted_rows(ops.DOT, rows, xs, biases, None, cache)[0]
    assert second.parents[1] is rows[0][0] and first.parents[1] is not rows[0][0]
    assert second.data == biases[0].data + 4.0 * xs[0].data + rows[0][1].data * xs[1].data



def test_value_subclasses_are_recorded_as_they_are_made():
    """The cache asks whether a user's subclass exists of the classes recorded as they were
    made: none in a fresh interpreter, one as soon as it is defined, however deep, even
    below a class whose __init_subclass__ does not pass it on to Value's."""
    code = ("import autograd, nn\nfrom autograd.fast import nodes\n"
            "nn.MLP(2, [3, 1])(([1.0, 2.0]))\nfresh = nodes.subclassed()\n"
            "class Quiet(autograd.Value):\n"
            "    _IDENTITY_KEPT = True\n"
            "    def __init_subclass__(cls, **kwargs): pass  # does not call super()\n"
            "quiet = nodes.subclassed()\n"
            "class Deep(Quiet):\n    _IDENTITY_KEPT = False\n"
            "print(fresh, quiet, nodes.subclassed())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent)
    assert out.stdout.split() == ["False", "False", "True"]
