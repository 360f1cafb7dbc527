"""Making nodes: products that only an expression holds fuse into one DOT node, with the
unfused engine's floats; anything held elsewhere stays a node of its own."""

import math
import random
import subprocess
import sys
import sysconfig

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from modes import FAST_SHAPES

from autograd import FUSABLE, Value, dot, grad, neuron, no_grad, ops
from autograd.engine import as_number, toposort
from autograd.fast import nodes
from autograd.fast.nodes import unary

pytestmark = FAST_SHAPES


@pytest.fixture
def unfused(monkeypatch):
    """The engine as it is on an interpreter where fusing is off."""
    monkeypatch.setattr(nodes, "_TEMP", -1)


def test_the_interpreter_probe_enables_fusing_exactly_where_it_is_safe():
    # CPython before 3.14, with its GIL: a temporary's reference count tells it from a value
    # held by a variable; elsewhere (3.14 borrows references, free-threaded builds, PyPy)
    # nothing fuses, and every number is the same
    safe = (sys.implementation.name == "cpython" and sys.version_info < (3, 14)
            and not sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert (nodes._TEMP > 0) == safe
    w, x, b = Value(2.0), Value(3.0), Value(1.0)
    held = w * x
    fused, kept = b + w * x, b + held  # (not inside assert, whose rewriting holds operands)
    assert (fused.op is ops.DOT) == safe and kept.op is ops.ADD


TRACED = """
import sys
import ast  # CPython 3.12.1 fails to import ast under a tracer reading f_locals (its own bug)

def tracer(frame, event, arg):
    frame.f_locals  # as a debugger or a coverage tool may: a dict holding every local
    return tracer

if sys.argv[1] == "at import":
    sys.settrace(tracer)
import autograd
sys.settrace(tracer if sys.argv[1] == "later" else None)
from autograd import Value
w0, x0, w1, x1 = Value(0.5), Value(2.0), Value(-1.0), Value(3.0)
held = w0 * x0
s = held + w1 * x1
s.backward()
sys.settrace(None)
print(held.grad, s.op.name, (w1 * x1 + w0 * x0).op.name)
"""


@pytest.mark.parametrize("when", ["at import", "later", "never"])
def test_a_tracer_reading_locals_never_makes_a_held_value_fuse(when):
    # a tracer at import once made the probe count one reference too many: afterwards a
    # product held in a variable looked temporary and lost its gradient
    run = subprocess.run([sys.executable, "-c", TRACED, when], capture_output=True, text=True,
                         check=True)
    kept, first, second = run.stdout.split()
    assert kept == "1.0"  # d(held + w1 x1)/d(held)
    # temporaries still fuse once the tracer is gone; under a tracer they may not (safe):
    # on 3.10-3.12 reading f_locals holds a reference, on 3.13 (PEP 667) it does not
    assert second == "dot" and (first == "dot" or when == "later")


def test_a_sum_of_temporary_products_is_one_node():
    ws, xs = [Value(0.5), Value(-1.5), Value(2.0)], [Value(2.0), Value(3.0), Value(0.25)]
    s = sum(w * x for w, x in zip(ws, xs))
    assert s.op is ops.DOT
    (zero, *factors) = s.parents
    assert zero.op is ops.CONST and zero.data == 0.0
    assert factors == [ws[0], xs[0], ws[1], xs[1], ws[2], xs[2]]
    assert s.data == ((0.0 + 0.5 * 2.0) + -1.5 * 3.0) + 2.0 * 0.25
    s.backward()
    assert [w.grad for w in ws] == [2.0, 3.0, 0.25] and [x.grad for x in xs] == [0.5, -1.5, 2.0]
    assert len(toposort([s])) == 8  # no product, no partial sum: 6 inputs, 0, the sum


def test_values_held_elsewhere_stay_nodes_of_their_own():
    b, w, x = Value(1.0), Value(2.0), Value(3.0)
    product = w * x
    s = b + product
    assert s.op is ops.ADD and s.parents == (b, product)  # the product is a variable
    s.backward()
    assert product.grad == 1.0 and w.grad == 3.0
    partial = b + w * x  # held by a variable: the next sum takes it as its first term
    total = partial + x * x
    assert total.op is ops.DOT and total.parents == (partial, x, x)
    assert partial.parents == (b, w, x)  # unchanged by the sum built on it
    kept = [w * x, x * x]
    listed = kept[0] + kept[1]  # both in a list: neither fuses
    assert listed.op is ops.ADD and listed.parents == tuple(kept)


def test_a_sum_grown_from_a_held_sum_leaves_it_as_it_was():
    b, w, x = Value(1.0), Value(2.0), Value(3.0)
    s = b + w * x + x * x
    first = s + w * w  # s is held: not grown in place, a parent of first
    second = s + x * w
    assert first.parents == (s, w, w) and second.parents == (s, x, w)
    assert s.parents == (b, w, x, x, x)
    assert first.data == s.data + 4.0 and second.data == s.data + 6.0


def test_fusing_records_nothing_in_no_grad_mode():
    w, x = Value(2.0), Value(3.0)
    with no_grad():
        s = 1.0 + w * x + w * w
    assert s.op is ops.LEAF and s.data == 11.0


def test_a_sum_that_overflows_names_the_addition_as_before():
    big = Value(1e308)
    with pytest.raises(OverflowError, match=r"add\(1e\+308, 1e\+308\)"):
        big + big * Value(1.0)


def test_off_when_the_probe_finds_no_temporaries(unfused):
    w, x = Value(2.0), Value(3.0)
    s = 1.0 + w * x
    assert s.op is ops.ADD_SCALAR and s.parents[0].op is ops.MUL


def test_a_product_only_a_c_container_held_reports_its_gradient_as_not_kept():
    np = pytest.importorskip("numpy")
    w, x, b = Value(2.0), Value(3.0), Value(1.0)
    products = np.array([w * x], dtype=object)  # NumPy passes its elements on unowned
    sums = np.array([b], dtype=object) + products
    (total,) = sums
    assert total.op is ops.DOT and total.data == 7.0
    total.backward()
    assert w.grad == 3.0 and x.grad == 2.0  # the leaves get theirs, as always
    (product,) = products
    assert product.grad is nodes.NOT_KEPT  # never a wrong number: the gradient says so
    assert "not kept" in repr(product.grad)
    with pytest.raises(TypeError, match="not kept"):
        product.grad * 0.1
    with pytest.raises(TypeError, match="not kept"):
        float(product.grad)


def test_a_sum_only_a_c_container_held_keeps_its_terms_and_reports_its_gradient():
    np = pytest.importorskip("numpy")
    b, w, x, u, v = (Value(float(i)) for i in (1, 2, 3, 4, 5))
    sums = np.array([b + w * x], dtype=object)
    products = np.array([u * v], dtype=object)
    (total,) = sums + products  # the sum grows by u * v: it looked like a temporary
    (partial,) = sums
    assert total.op is ops.DOT and total.data == 27.0 and len(total.parents) == 5
    assert partial.data == 7.0 and partial.parents == (b, w, x)  # its own terms, unchanged
    total.backward()
    assert [p.grad for p in (b, w, x, u, v)] == [1.0, 3.0, 2.0, 5.0, 4.0]
    assert partial.grad is nodes.NOT_KEPT


def build(plan, leaves):
    """Replay a plan of sums: each is sum() over products, or an expression a + u*w + ...."""
    values = list(leaves)
    for kind, picks in plan:
        pick = [values[i % len(values)] for i in picks]
        if kind == "sum":  # sum() of a generator: every product and partial sum temporary
            values.append(sum(u * w for u, w in zip(pick[::2], pick[1::2])))
        elif kind == "chain":  # p0 + p1 * p2 + p3 * p4 + ..., one expression
            terms = ["p0", *(f"p{i} * p{i + 1}" for i in range(1, len(pick) - 1, 2))]
            values.append(eval(" + ".join(terms), {}, {f"p{i}": p for i, p in enumerate(pick)}))
        else:  # products kept in a list, then added: nothing fuses
            kept = [u * w for u, w in zip(pick[::2], pick[1::2])]
            values.append(sum(kept))
    return values


plans = st.lists(st.tuples(st.sampled_from(["sum", "chain", "list"]),
                           st.lists(st.integers(0, 40), min_size=2, max_size=9)),
                 min_size=1, max_size=8)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(plans, st.integers(0, 2**32 - 1))
def test_fused_graphs_equal_the_unfused_engine(plan, seed):
    rng = random.Random(seed)
    point = [rng.uniform(-2.0, 2.0) for _ in range(4)]

    def run(fused):
        leaves = [Value(p) for p in point]
        if fused:
            values = build(plan, leaves)
        else:
            saved, nodes._TEMP = nodes._TEMP, -1
            try:
                values = build(plan, leaves)
            finally:
                nodes._TEMP = saved
        root = values[-1] * values[-1] + sum(values[len(leaves):], 0.0)
        root.backward()
        return values, root, leaves

    fused, root, leaves = run(True)
    plain, plain_root, plain_leaves = run(False)
    # the same floats forward, bit for bit: each product is rounded, then added, as before
    assert [v.data for v in fused] == [v.data for v in plain] and root.data == plain_root.data
    # gradients reach each leaf in another order: equal up to rounding
    scale = 1.0 + max(abs(v.grad) for v in plain_leaves)
    for a, b in zip(leaves, plain_leaves):
        assert math.isclose(a.grad, b.grad, rel_tol=1e-12, abs_tol=1e-12 * scale)
    assert len(toposort([root])) <= len(toposort([plain_root]))
    ga = grad(root, leaves, create_graph=True, allow_unused=True)  # through DOT's rule
    gb = grad(plain_root, plain_leaves, allow_unused=True)
    assert all(math.isclose(as_number(a), b, rel_tol=1e-12, abs_tol=1e-12 * scale)
               for a, b in zip(ga, gb))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 128), st.sampled_from([None, *FUSABLE.values()]), st.integers(0, 2**32 - 1))
def test_weighted_nodes_equal_the_table_and_the_unfused_composition(width, act, seed):
    def made():
        rng = random.Random(seed)
        return (Value(rng.uniform(-1, 1)), [Value(rng.gauss(0, 1)) for _ in range(width)],
                [Value(rng.gauss(0, 1)) for _ in range(width)])

    b, ws, xs = made()
    fused = dot(ws, xs, b) if act is None else neuron(ws, xs, b, act.name)
    data = [p.data for p in fused.parents]  # the table's forward, on floats
    assert fused.data == (ops.DOT.forward(data) if act is None
                          else ops.NEURON.forward(data, act))
    fused.backward(0.75)
    b2, ws2, xs2 = made()
    weighted = dot(ws2, xs2, b2)
    unfused = weighted if act is None else unary(act, weighted)
    assert unfused.data == fused.data
    unfused.backward(0.75)  # act's rule, then the weighted sum's: the same numbers
    assert [v.grad for v in (b, *ws, *xs)] == [v.grad for v in (b2, *ws2, *xs2)]
