"""Weighted sums written out per width: the source is DOT's and NEURON's code rules, and the
chain rule it gives equals the loop over the pairs bit for bit, for both node layouts."""

import linecache
import random
import struct

import pytest
from lines_run import lines_run
from modes import FAST_SHAPES

from autograd import Value, ops
from autograd.fast import unrolled
from autograd.fast.backward import _products
from autograd.fast.nodes import Row

pytestmark = FAST_SHAPES


def bits(x):
    return struct.pack("<d", x)


def test_the_source_reads_as_the_code_rules_write_it():
    source = unrolled.rows_source(ops.NEURON, ops.RELU, 2)
    assert "    x1, x2 = xs\n    d1, d2 = x1.data, x2.data\n" in source
    assert "        out = relu(b.data + w1.data * d1 + w2.data * d2)\n" in source
    assert "            v._a = xs\n            v._b = row\n" in source
    assert "out = b.data + w1.data * d1\n" in unrolled.rows_source(ops.DOT, None, 1)
    chain = unrolled.chain_source(2, terms=False)
    assert chain == ("def chain(xs, row, g):\n    x1, x2 = xs\n    _, b, w1, w2 = row\n"
                     "    b._g += g\n    w1._g += g * x1.data\n    x1._g += g * w1.data\n"
                     "    w2._g += g * x2.data\n    x2._g += g * w2.data\n")
    assert unrolled.chain_source(1, terms=True).startswith(
        "def chain(terms, g):\n    b, w1, x1 = terms\n")
    # beyond DOT_INLINE pairs the code rule calls dot_, as compiled code does
    assert "dot_(b.data, (w1.data," in unrolled.rows_source(ops.DOT, None, ops.DOT_INLINE + 1)


@pytest.mark.parametrize("n", [1, 2, 3, 16, 33, 64, unrolled.MAX_WIDTH])
@pytest.mark.parametrize("terms", [False, True])
def test_the_chain_rule_equals_the_loop_bit_for_bit(n, terms):
    def values(seed):
        rng = random.Random(seed)
        b = Value(rng.gauss(0, 1))
        ws = [Value(rng.gauss(0, 1)) for _ in range(n)]
        xs = [Value(rng.gauss(0, 1)) for _ in range(n)]
        for v in (b, *ws, *xs):
            v.grad = rng.choice([0.0, -0.0, rng.gauss(0, 1)])
        xs[n // 2] = ws[0]  # one Value twice: its gradient gets both terms, in order
        return b, ws, xs

    b, ws, xs = values(n)
    chain = unrolled.chain_function((n, terms))
    g = -0.7300000000000001
    args = [b, *(a for pair in zip(ws, xs) for a in pair)]
    if terms:
        chain(args, g)
    else:
        chain(tuple(xs), Row((None, b, *ws)), g)
    b2, ws2, xs2 = values(n)
    _products([b2, *(a for pair in zip(ws2, xs2) for a in pair)], g)
    assert [bits(v.grad) for v in (b, *ws, *xs)] == [bits(v.grad) for v in (b2, *ws2, *xs2)]


def test_a_row_of_another_width_is_an_error_of_the_written_out_code():
    make = unrolled.rows_function((ops.DOT, None, 2))
    xs = (Value(1.0), Value(2.0))
    with pytest.raises(ValueError):
        make([Row((None, Value(0.0), Value(1.0)))], xs, True, type(Value(0.0) + 1.0))


ODD = [0.0, -0.0, 1e-300, -2.5, 0.75, float("inf"), float("-inf"), float("nan")]


@pytest.mark.parametrize("act", [ops.RELU, ops.TANH, ops.SIGMOID])
@pytest.mark.parametrize("n", [1, 3, 16])
def test_a_neurons_chain_rule_equals_act_then_the_loop_bit_for_bit(act, n):
    """NEURON's rule written out with act's derivative inlined: the same floats as act's
    rule from the table, then the loop over the pairs, for odd outputs and gradients too."""
    from autograd.fast.backward import _neuron_loop

    rng = random.Random(n)
    chain = unrolled.neuron_chain_function((act, n))
    for trial in range(60):
        out = rng.choice([*ODD, rng.gauss(0, 1), rng.random()])
        g = rng.choice([*ODD, rng.gauss(0, 1)])
        seed = rng.random()

        def node(seed=seed, out=out):
            r = random.Random(seed)
            b = Value(r.gauss(0, 1))
            ws = [Value(r.choice([r.gauss(0, 1), *ODD[:5]])) for _ in range(n)]
            xs = tuple(Value(r.gauss(0, 1)) for _ in range(n))
            v = Value(out) * 1.0  # a node with the slots a weighted node uses
            v._a, v._b = xs, Row((act, b, *ws))
            return v, [b, *ws, *xs]

        v, args = node()
        chain(v, g)
        v2, args2 = node()
        _neuron_loop(v2, g)
        assert [bits(a.grad) for a in args] == [bits(a.grad) for a in args2], (trial, out, g)


def test_the_written_out_code_is_in_linecache_so_tracebacks_and_pdb_show_it():
    xs = [Value(float(i)) for i in range(3)]
    ws = [Value(0.5 * i - 0.7) for i in range(3)]
    # built before the tracer is set: under one, 3.10 counts references otherwise and
    # fuses nothing
    out = sum((w * x for w, x in zip(ws, xs)), Value(0.1)).tanh()
    seen = lines_run(out.backward, "<autograd.fast.unrolled")
    sources = {f"<autograd.fast.unrolled: chain {n} terms>": unrolled.chain_source(n, True)
               for n in range(1, 5)}
    assert seen and {filename for filename, _ in seen} <= set(sources)
    for filename, line in seen:  # the line Python runs is the line the source shows
        assert linecache.getline(filename, line) == sources[filename].splitlines(True)[line - 1]
