"""The backward pass: gradients kept in the nodes' slots must equal a pass with a dictionary,
bit for bit, whatever the nodes held before; failures and threads change nothing else."""

import math
import re
import struct
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from random_graphs import build, graphs

import autograd
from autograd import Value, dot, grad, ops
from autograd.core import backward
from autograd.engine import apply, as_number, toposort
from autograd.ops import FLOAT_MATH


def bits(x):
    return struct.pack("<d", x)  # -0.0 and 0.0 differ, NaN equals NaN


def dictionary_pass(root, seed=1.0):
    """The chain rule with a dictionary of gradients: the reference the slots must match."""
    grads = {root: seed}
    for v in reversed(toposort([root])):
        if not v.parents:
            continue
        xs, g, op, k = [p.data for p in v.parents], grads[v], v.op, v.param
        if op is ops.NEURON:  # act(dot(...)): through act first, then the weighted sum
            g, op, k = g * ops.slope(v.param, FLOAT_MATH, v.data), ops.DOT, None
        ds = op.partials(FLOAT_MATH, v.data, xs, k)  # one signature for every op
        for p, d in zip(v.parents, ds):
            grads[p] = grads[p] + g * d if p in grads else g * d
    return grads


@settings(max_examples=150, deadline=None, derandomize=True)
@given(graphs, st.sampled_from([0.0, -0.0, 0, 1.5, -2.0, 3, math.nan]), st.integers(1, 3))
def test_slots_give_the_dictionary_s_gradients_bit_for_bit(g, before, passes):
    point, plan = g
    inputs = [Value(x) for x in point]
    try:
        nodes = build(plan, inputs)
    except (ArithmeticError, ValueError):
        return
    root = nodes[-1]
    order = toposort([root])
    for v in order:
        v.grad = before  # what earlier passes left
    try:
        expected = dictionary_pass(root)
    except (ArithmeticError, ValueError):
        return  # the engine's handling of undefined derivatives is tested in test_ops.py
    # the reference core's own pass (core/backward.py) gives the same floats as the dictionary
    # above, and so as the speed layer's slots below, on the same graph
    core = backward.backprop([root], [1.0], False)
    assert {v: bits(g) for v, g in core.items()} == {v: bits(g) for v, g in expected.items()}
    want = {v: v.grad for v in order}
    for _ in range(passes):
        for v in order:
            want[v] = want[v] + expected[v]
        root.backward()
        assert [bits(v.grad) for v in order] == [bits(want[v]) for v in order]
    assert [bits(g) for g in grad(root, inputs, allow_unused=True)] == [
        bits(expected.get(x, 0.0)) for x in inputs]


def test_an_op_outside_the_table_gets_its_chain_rule_on_first_use():
    bare = ops.Op("bare", 1, math.atan, lambda m, out, x, k: (1.0 / (1.0 + x[0] * x[0]),))
    for _ in range(2):
        x = Value(0.5)
        y = apply(bare, [x]) * 2.0
        y.backward()
        assert x.grad == 2.0 / 1.25
        (g,) = grad(apply(bare, [x]), [x], create_graph=True)
        assert isinstance(g, Value) and g.data == 1.0 / 1.25


def test_a_failing_pass_puts_every_gradient_back():
    x = Value(0.0)
    h = x * 3.0
    y = h.sqrt() + x  # d sqrt(h)/dh is infinite at 0: the pass fails half-way
    for v, g in zip(toposort([y]), (0.25, -0.0, 7.0, 1.0, 2.0)):
        v.grad = g
    before = [bits(v.grad) for v in toposort([y])]
    try:
        y.backward()
    except ArithmeticError:
        pass
    else:
        raise AssertionError("sqrt's derivative at 0 is not finite: backward must refuse")
    assert [bits(v.grad) for v in toposort([y])] == before


@pytest.fixture(params=["as installed", "anywhere"])
def grad_property(request):
    """.grad as installed, and, with the speed layer, also the property it installs where
    threads may switch anywhere (3.14, free-threaded)."""
    if request.param == "as installed":
        yield
        return
    if not autograd.fast_enabled():
        pytest.skip("the speed layer's .grad property; CHAINRULE_FAST=0 leaves it out")
    from autograd.fast import backward as fast_backward
    installed = vars(Value)["grad"]
    Value.grad = fast_backward.GRAD_ANYWHERE
    try:
        yield
    finally:
        Value.grad = installed


@pytest.mark.usefixtures("grad_property")
def test_threads_sharing_parameters_add_all_their_gradients():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often, inside passes too
    w = Value(0.5)
    results = []

    def work(k):
        x = Value(float(k))
        for _ in range(50):
            y = w * x
            for _ in range(100):
                y = y + w * x  # d y/dw = 101 x
            y.backward()
        results.append(k)

    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert len(results) == 4 and w.grad == sum(50 * 101.0 * k for k in range(1, 5))


def finishes(work, seconds=20.0):
    """Run work() in a thread; fail (not hang) if it has not finished in time."""
    done = []
    t = threading.Thread(target=lambda: done.append(work()), daemon=True)
    t.start()
    t.join(seconds)
    assert done, f"still running after {seconds} s: a pass waits for another that waits for it"
    return done[0]


@pytest.mark.usefixtures("grad_property")
def test_a_pass_waiting_inside_a_derivative_does_not_block_another_graph():
    # thread A's pass stops inside a derivative rule until thread B's pass, over another
    # graph, has finished: no lock is held across unrelated graphs
    b_done = threading.Event()
    waiting = ops.Op("waiting", 1, math.sin,
                     lambda m, out, x, k: (b_done.wait(10) and m.cos(x[0]),))
    xa, xb = Value(0.3), Value(0.7)
    a_loss = apply(waiting, [xa]) * 2.0

    def thread_b():
        (xb * xb).backward()
        b_done.set()

    other = threading.Thread(target=thread_b)
    finishes(lambda: (other.start(), a_loss.backward(), other.join()))
    assert xa.grad == 2.0 * math.cos(0.3) and xb.grad == 1.4


@pytest.mark.usefixtures("grad_property")
def test_grad_and_backward_inside_a_derivative_rule_give_their_gradients():
    # a derivative rule that itself differentiates, on its own graph and on the graph being
    # differentiated: both work (never a hang), and every gradient is as without nesting
    x, z = Value(0.5), Value(2.0)
    seen = []

    def rule(m, out, args, k):
        (inner,) = grad(x * x * x, [x])  # the same x the outer pass reaches
        seen.append(inner)
        (z * z).backward()  # another graph: z.grad += 2z
        (x * 3.0).backward()  # the outer pass's own x: added when it ends
        return (m.cos(args[0]),)

    nested = ops.Op("nested", 1, math.sin, rule)
    y = apply(nested, [x]) + x * x
    finishes(y.backward)
    assert seen == [0.75] and z.grad == 4.0
    assert x.grad == math.cos(0.5) + 1.0 + 3.0


def mid_pass(during, before=5.0):
    """x with a gradient of ``before``, and y = f(x) * x with f an op whose derivative rule
    calls during(x) in the middle of y's pass: after y * x has added its term to x, before
    f's. Returns x, y and dy/dx."""
    def rule(m, out, args, k):
        during(x)
        return (m.cos(args[0]),)

    x = Value(0.5)
    x.grad = before
    y = apply(ops.Op("f", 1, math.sin, rule), [x]) * x
    return x, y, math.sin(0.5) + 0.5 * math.cos(0.5)


def in_thread(work):
    other = threading.Thread(target=work)
    other.start()
    other.join(10)
    assert not other.is_alive(), "a .grad read or write waited for a pass"


@pytest.mark.usefixtures("grad_property")
def test_a_grad_read_during_a_pass_shows_what_it_held_never_a_partial_sum():
    # read in another thread and in the pass's own (a rule or hook): the gradient from
    # before the pass, never the -0.0 the speed layer's pass starts from, nor a partial sum
    seen = []

    def read(x):
        in_thread(lambda: seen.append(x.grad))
        seen.append(x.grad)

    x, y, dy = mid_pass(read)
    finishes(y.backward)
    assert [bits(g) for g in seen] == [bits(5.0)] * 2 and x.grad == 5.0 + dy
    seen.clear()
    assert finishes(lambda: grad(y, [x])) == [dy]
    assert seen == [5.0 + dy] * 2 and x.grad == 5.0 + dy  # grad() changes no .grad


@pytest.mark.usefixtures("grad_property")
def test_a_grad_written_during_a_pass_gets_the_pass_s_sum_added():
    # as in the core, a pass adds its sum to what .grad holds when it ends: a write from
    # another thread (zero_grad, x.grad += 1) or from a rule of the pass lands whole
    for write, before, expected in [
            (lambda x: in_thread(lambda: setattr(x, "grad", 0.0)), 5.0, 0.0),
            (lambda x: in_thread(lambda: setattr(x, "grad", x.grad + 1.0)), 5.0, 6.0),
            (lambda x: setattr(x, "grad", 0.0), 5.0, 0.0),  # the rule's own write
            (lambda x: setattr(x, "grad", 2.5), 0.0, 2.5)]:  # onto a 0.0
        x, y, dy = mid_pass(write, before)
        finishes(y.backward)
        assert bits(x.grad) == bits(expected + dy)


@pytest.mark.usefixtures("grad_property")
def test_a_backward_inside_a_rule_adds_before_the_outer_pass_as_in_the_core():
    # the inner pass hands over at once, the outer one when it ends: (old + inner) + outer,
    # which rounds otherwise than (old + outer) + inner here
    x, y, dy = mid_pass(lambda x: (x * 3.0).backward(), before=1 / 3)
    finishes(y.backward)
    assert x.grad == (1 / 3 + 3.0) + dy != (1 / 3 + dy) + 3.0


@pytest.mark.usefixtures("grad_property")
def test_a_backward_started_by_a_rule_in_another_thread_finishes():
    # a rule that waits for another thread's backward over the same values: that pass runs
    # (on the core's dictionary) instead of waiting for the rule's own pass, which waits
    # for it; every sum is added
    x, y, dy = mid_pass(lambda x: in_thread(lambda: (x * 3.0).backward()), before=0.0)
    finishes(y.backward)
    assert x.grad == 3.0 + dy


@pytest.mark.usefixtures("grad_property")
def test_passes_whose_rules_write_each_other_s_values_both_finish():
    ready = threading.Barrier(2, timeout=10)
    xs = [Value(0.5), Value(0.25)]

    def rule_of(i):
        def rule(m, out, args, k):
            ready.wait()  # both passes are running now
            xs[1 - i].grad += 1.0  # a value the other thread's pass holds
            return (m.cos(args[0]),)
        return ops.Op(f"f{i}", 1, math.sin, rule)

    ys = [apply(rule_of(i), [x]) * 2.0 for i, x in enumerate(xs)]
    threads = [threading.Thread(target=y.backward) for y in ys]
    finishes(lambda: ([t.start() for t in threads], [t.join() for t in threads]))
    assert [x.grad for x in xs] == [1.0 + 2.0 * math.cos(x.data) for x in xs]


@pytest.mark.usefixtures("grad_property")
def test_many_gradients_during_a_pass_are_read_and_added_as_one_is():
    # gradients() in another thread shows what .grad held before the pass; add_gradients
    # and zero_grad from another thread land, and the pass adds its sum to them
    seen = []
    x, y, dy = mid_pass(lambda x: in_thread(lambda: seen.append(autograd.gradients([x]))))
    finishes(y.backward)
    assert seen == [[5.0]] and x.grad == 5.0 + dy
    x, y, dy = mid_pass(lambda x: in_thread(lambda: autograd.add_gradients([x], [1.0])))
    finishes(y.backward)
    assert x.grad == (5.0 + 1.0) + dy
    x, y, dy = mid_pass(lambda x: in_thread(lambda: autograd.zero_grad([x])))
    finishes(y.backward)
    assert bits(x.grad) == bits(0.0 + dy)


@pytest.mark.usefixtures("grad_property")
def test_reads_racing_passes_never_see_a_partial_sum():
    # one thread backpropagates 200 times, 101 terms into w each time; another reads w.grad
    # all the while, with threads switching as often as the interpreter can: every read is
    # a whole number of passes' sums
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    w, x = Value(0.5), Value(3.0)
    seen, done = [], threading.Event()

    def passes():
        for _ in range(200):
            y = w * x
            for _ in range(100):
                y = y + w * x  # d y/dw = 101 x = 303
            y.backward()
        done.set()

    def reads():
        while not done.is_set():
            seen.append(w.grad)

    try:
        threads = [threading.Thread(target=passes), threading.Thread(target=reads)]
        finishes(lambda: ([t.start() for t in threads], [t.join() for t in threads]))
    finally:
        sys.setswitchinterval(interval)
    assert w.grad == 200 * 303.0 and len(seen) > 100
    assert [g for g in seen if g % 303.0 != 0.0] == []


def test_a_pass_whose_hand_over_fails_changes_no_grad():
    # None + 3.0 fails when the pass hands over: no .grad changes (every sum is made before
    # any is written), in both modes; a's was put aside, c's summed onto
    a, b, c = Value(1.0), Value(2.0), Value(4.0)
    a.grad, b.grad, c.grad = 5.0, None, 7.0
    y = b * 3.0 + a * c + c * c
    with pytest.raises(TypeError):
        y.backward()
    assert (a.grad, b.grad, c.grad) == (5.0, None, 7.0)


def test_nothing_below_an_op_that_passes_no_gradient_is_differentiated():
    # what lies only below detach or shift gets no gradient, and its derivatives are never
    # asked for (sqrt's is infinite at 0; a create_graph pass has no 0.0 to multiply)
    from autograd.functions import shift
    a, b = Value(0.5), Value(2.0)
    y = a + shift([a * b])
    (g,) = grad(y, [a], create_graph=True)
    assert as_number(g) == 1.0
    y.backward(create_graph=True)
    assert as_number(a.grad) == 1.0 and b.grad == 0.0
    w = Value(0.0)
    w.grad = -0.0
    (w * -1.0 + shift([w.sqrt()]) + w.sqrt().detach()).backward()
    assert bits(w.grad) == bits(-1.0)
    p = Value(1.0)
    p.grad = -0.0
    (p * -0.0 + shift([p * 2.0])).backward()
    assert bits(p.grad) == bits(-0.0)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.floats(-2, 2), min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=140),
       st.integers(-1, 2), st.booleans())
def test_a_sum_of_products_gives_the_unfused_sums_gradients_bit_for_bit(
        point, pairs, first, create_graph):
    # sum(w * x ...) is one DOT in the speed layer; its gradients must be those of the sums
    # of held products the core makes, also when a value is in several terms (x*x + x*y)
    # and past the 128 pairs written out
    def gradients_of(fused):
        xs = [Value(x) for x in point]
        terms = [(xs[i % len(xs)], xs[j % len(xs)]) for i, j in pairs]
        if first < 0:
            s = sum(w * x for w, x in terms) if fused else sum([w * x for w, x in terms])
        else:
            s = xs[first % len(xs)]
            products = [] if fused else [w * x for w, x in terms]  # held: nothing fuses
            for k, (w, x) in enumerate(terms):
                s = s + w * x if fused else s + products[k]
        return [bits(as_number(g)) for g in grad(s * 0.3, xs, create_graph=create_graph,
                                                 allow_unused=True)]

    assert gradients_of(fused=True) == gradients_of(fused=False)


def test_a_pass_inside_another_sums_a_fused_sum_as_a_pass_alone_does():
    # inside a pass over a, grad() over a runs the core's dictionary pass on the speed
    # layer's fused sum: it adds into a's terms in the same order as the slots do
    for i in range(200):
        a = Value(1.0 + i / 997)
        inside = []

        def rule(m, out, args, k, a=a, inside=inside):
            inside.append(grad((a + a * a + a * a + a * a) * 0.3, [a])[0])
            return (m.cos(args[0]),)

        (apply(ops.Op("f", 1, math.sin, rule), [a]) * a).backward()
        alone = grad((a + a * a + a * a + a * a) * 0.3, [a])[0]
        assert bits(inside[0]) == bits(alone)


def test_a_value_seed_without_create_graph_gives_the_core_s_graph():
    x = Value(1.0)
    seed = Value(-0.0)
    y = x * 2.0
    y.backward(gradient=seed)
    assert y.grad is seed and isinstance(x.grad, Value)
    assert x.grad.op is ops.MUL_SCALAR and bits(x.grad.data) == bits(-0.0)
    assert x.grad.parents == (seed,)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_a_product_plus_a_computed_value_gives_the_core_s_gradients_bit_for_bit(point):
    # y*x + t: the core reaches y and x before t's nodes; a sum fused with t first would add
    # into x before t's rules do, and may round otherwise
    def gradients_of(fused):
        x, y, z = (Value(v) for v in point)
        t = x * x * x + z
        if fused:
            s = y * x + t
        else:
            product = y * x  # held: nothing fuses
            s = product + t
        return [bits(g) for g in grad(s * s, [x, y, z])]

    assert gradients_of(fused=True) == gradients_of(fused=False)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.floats(-2, 2), min_size=2, max_size=3),
       st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=2, max_size=6))
def test_second_derivatives_through_a_fused_sum_are_the_unfused_sums_bit_for_bit(point, pairs):
    # with create_graph, a fused sum's gradients are the graphs the core's unfused sums
    # build (g * 1.0 for each sum), so that the second pass adds in the core's order too
    def second(fused):
        xs = [Value(x) for x in point]
        terms = [(xs[i % len(xs)], xs[j % len(xs)]) for i, j in pairs]
        s = sum(w * x for w, x in terms) if fused else sum([w * x for w, x in terms])
        firsts = grad(s.tanh(), xs, create_graph=True, allow_unused=True)
        total = sum(g * g * float(k + 1) for k, g in enumerate(firsts) if g is not None)
        return [bits(as_number(g)) for g in grad(total, xs, allow_unused=True)]

    assert second(fused=True) == second(fused=False)


def test_a_pass_inside_another_builds_the_core_s_gradient_graph_of_a_fused_sum():
    # inside a pass over a, grad(create_graph=True) over a runs the core's pass on the
    # fused sum: it builds the graph of the unfused sums, as the slots do, so that second
    # derivatives agree with the unfused sums' and with a pass alone
    for i in range(200):
        a, b = Value(1.0 + i / 997), Value(0.5 - i / 1009)

        def second(fused, a=a, b=b):
            terms = [(a, b), (a, a), (b, a), (b, b)]
            s = sum(w * x for w, x in terms) if fused else sum([w * x for w, x in terms])
            first = grad(s * s, [a], create_graph=True)[0]
            return [bits(g) for g in grad(first * first * first, [a, b])]

        inside = []

        def rule(m, out, args, k, inside=inside, second=second):
            inside.append((second(True), second(False)))
            return (m.cos(args[0]),)

        (apply(ops.Op("f", 1, math.sin, rule), [a]) * a).backward()
        assert inside[0][0] == inside[0][1] == second(True)


def test_a_deleted_grad_fails_backward_as_in_the_core_and_grad_still_works():
    # del v.grad leaves no gradient to add to: backward raises, changing no .grad, as the
    # core's does; grad() changes no .grad and gives the gradient
    x, w = Value(2.0), Value(3.0)
    y = x * x * w
    del x.grad
    assert grad(y, [x, w]) == [12.0, 4.0]
    with pytest.raises(AttributeError):
        y.backward()
    assert w.grad == 0.0 and not hasattr(x, "grad")
    x.grad = 0.5
    y.backward()
    assert (x.grad, w.grad) == (12.5, 4.0)


def fused_program(choices, point, fused):
    """A program of sums of products over a pool of values, each new value added to the
    pool, so that terms are computed from one another: with ``fused``, the products are
    temporaries (the speed layer fuses each sum into one node), else they are held."""
    pool = [Value(x) for x in point]
    leaves = list(pool)
    for kind, picks in choices:
        terms = [pool[i % len(pool)] for i in picks]
        if kind == 0:  # b + w1*x1 + w2*x2 + ...
            pairs = list(zip(terms[1::2], terms[2::2]))
            if fused:
                v = sum((w * x for w, x in pairs), terms[0])
            else:
                products = [w * x for w, x in pairs]
                v = sum(products, terms[0])
        elif kind == 1:  # w * x + b, a product first
            if fused:
                v = terms[0] * terms[1] + terms[2]
            else:
                product = terms[0] * terms[1]
                v = product + terms[2]
        elif kind == 2:
            v = (terms[0] * terms[1]).tanh()
        else:  # a weighted node (a Row in the speed layer)
            v = dot(terms[:2], terms[2:4], terms[4])
        pool.append(v)
    return leaves, pool[-1] * pool[-2]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=4),
       st.lists(st.tuples(st.integers(0, 3), st.lists(st.integers(0, 20), min_size=5,
                                                      max_size=9)), min_size=2, max_size=7),
       st.booleans())
def test_sums_fused_from_terms_computed_one_from_another_give_the_core_s_bits(
        point, choices, second):
    # a + b*x + c*x*x and the like: the speed layer cuts the fused sum where the core's
    # order runs the rules of a later term's nodes between its sums, first derivatives
    # and second alike
    def gradients(fused):
        leaves, out = fused_program(choices, point, fused)
        if second:
            firsts = grad(out, leaves, create_graph=True, allow_unused=True)
            out = sum((g * g for g in firsts if isinstance(g, Value)), Value(0.0))
        return [bits(as_number(g)) for g in grad(out, leaves, allow_unused=True)
                if g is not None]

    assert gradients(fused=True) == gradients(fused=False)


def test_a_quadratic_gives_the_core_s_bits_in_a_pass_alone_and_inside_another():
    for i in range(300):
        a, b, c, x = Value(0.5 + i / 701), Value(-1.25), Value(0.75 - i / 331), Value(i / 97)

        def gradients(fused, a=a, b=b, c=c, x=x):
            if fused:
                y = a + b * x + c * x * x
            else:
                products = [b * x, c * x * x]
                y = a + products[0] + products[1]
            return [bits(g) for g in grad(y * y, [a, b, c, x])]

        inside = []

        def rule(m, out, args, k, inside=inside, gradients=gradients):
            inside.append(gradients(True))  # the core's pass, over x that the outer holds
            return (m.cos(args[0]),)

        (apply(ops.Op("f", 1, math.sin, rule), [x]) * x).backward()
        assert gradients(True) == gradients(False) == inside[0]


def test_a_grad_set_to_negative_zero_keeps_the_core_s_sign():
    # the core sums a pass from nothing, then adds it to what .grad held: x*y gets only
    # -3 * relu'(-2) = -0.0, passes on -0.0 * y = -0.0, and x ends -0.0 + -0.0 = -0.0
    x, y = Value(-1.0), Value(2.0)
    x.grad = -0.0
    ((x * y).relu() * -3.0).backward()
    assert bits(x.grad) == bits(-0.0) and bits(y.grad) == bits(0.0)
    x.grad = -0.0  # and again, with the pass's own zeros on 0.0
    z = (x * y).relu() * -3.0 + x * 0.0
    z.backward()
    assert bits(x.grad) == bits(dictionary_pass(z)[x] + -0.0)


def written_during(z, leaf, written, every_call=False):
    """z.backward(), with ``leaf.grad = written`` done when the table's rule of mul is first
    called (or at every call): in the middle of the pass, as a debugger, a finalizer or
    another thread may. Returns how many times mul's rule ran."""
    calls = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code is ops.MUL.partials.__code__:
            if every_call or not calls:
                written(leaf) if callable(written) else setattr(leaf, "grad", written)
            calls.append(True)

    sys.setprofile(profile)
    try:
        z.backward()
    finally:
        sys.setprofile(None)
    assert calls, "mul's rule was not called during the pass"
    return len(calls)


@pytest.mark.usefixtures("grad_property")
@pytest.mark.parametrize("written", [-0.0, 0.0, 2.5])
def test_a_grad_set_during_a_pass_gets_the_core_s_sum_added(written):
    # the pass gives x -0.0 (as above); summed onto x's 0.0 in place, that is 0.0, and a
    # -0.0 set meanwhile would end -0.0 + 0.0 = 0.0: the core's is -0.0 + -0.0 = -0.0
    x, y, a, b, c = Value(-1.0), Value(2.0), Value(0.5), Value(1.5), Value(-0.25)
    z = (x * y).relu() * -3.0 + (a + b * y + c * y * y)  # with a fused sum, in the speed layer
    leaves = [x, y, a, b, c]
    expected = [bits(g + (written if v is x else 0.0)) for v, g in zip(leaves, grad(z, leaves))]
    assert expected[0] == bits(written + -0.0)
    written_during(z, x, written)
    assert [bits(v.grad) for v in leaves] == expected


@pytest.mark.usefixtures("grad_property")
def test_a_pass_runs_the_table_s_rules_again_only_where_a_zero_s_sign_can_show():
    # x gets 3 * y from the pass, not a zero: a -0.0 set meanwhile needs no second run
    x, y = Value(2.0), Value(-1.0)
    assert written_during((x * y) * 3.0, x, -0.0) == 1
    assert bits(x.grad) == bits(-0.0 + -3.0)


@pytest.mark.usefixtures("grad_property")
def test_a_hook_waiting_for_a_thread_that_sets_a_grad_during_a_pass_finishes():
    # x's sum is -0.0 and a -0.0 is set during the pass: the speed layer's pass runs again
    # as the core's, where the hook runs again; it must not hold the lock .grad is set with
    x, y = Value(-1.0), Value(2.0)
    z = (x * y).relu() * -3.0
    finishes(lambda: written_during(z, x, lambda x: in_thread(
        lambda: setattr(x, "grad", -0.0)), every_call=True))
    assert bits(x.grad) == bits(-0.0) and bits(y.grad) == bits(0.0)


@pytest.mark.usefixtures("grad_property")
def test_a_grad_set_to_negative_zero_by_a_rule_during_its_pass_keeps_the_core_s_sign():
    # a rule of the user's sets x.grad = -0.0 before x gets its -0.0 from the pass; the
    # rule runs once, as in the core (the speed layer cannot run such a pass again)
    x, y = Value(-1.0), Value(2.0)
    calls = []

    def rule(m, out, args, k):
        x.grad = -0.0
        calls.append(args[0])
        return (m.cos(args[0]),)

    z = apply(ops.Op("f", 1, math.sin, rule), [(x * y).relu()]) * -3.0
    z.backward()
    assert bits(x.grad) == bits(-0.0 + -0.0) == bits(-0.0) and bits(y.grad) == bits(0.0)
    assert calls == [0.0]


@pytest.mark.parametrize("before", [0.0, -0.0, 0, 1.5])
def test_a_pass_through_an_op_of_the_user_s_gives_the_dictionary_s_gradients(before):
    # such a pass sums onto no gradient in place, not even a 0.0 (see the test above): what
    # it adds when it ends is the core's, its zeros' signs too (x * y gets -0.0)
    f = ops.Op("f", 1, math.sin, lambda m, out, x, k: (m.cos(x[0]),))
    x, y, w = Value(-1.0), Value(2.0), Value(0.5)
    z = apply(f, [(x * y).relu() * -3.0 + w * x]) * (w * 0.0 - 1.0)
    order = toposort([z])
    for v in order:
        v.grad = before
    expected = dictionary_pass(z)
    for _ in range(2):
        want = [bits(v.grad + expected[v]) for v in order]
        z.backward()
        assert [bits(v.grad) for v in order] == want
        assert type(x.grad) is float


@pytest.mark.usefixtures("grad_property")
@pytest.mark.parametrize("when", ["before", "during"])
def test_a_grad_of_another_kind_holding_negative_zero_gets_the_core_s_sum(when):
    # NumPy's float32 is not a float: its -0.0 is kept as the core keeps it too
    np = pytest.importorskip("numpy", reason="needs the numpy extra")
    x, y = Value(-1.0), Value(2.0)
    z = (x * y).relu() * -3.0
    expected = np.float32(-0.0) + dictionary_pass(z)[x]
    if when == "before":
        x.grad = np.float32(-0.0)
        z.backward()
    else:
        written_during(z, x, np.float32(-0.0))
    assert type(x.grad) is type(expected) and np.signbit(x.grad) and np.signbit(expected)


def test_a_user_s_rule_giving_a_value_gives_the_core_s_sign():
    # a derivative that is a Value (one the rule holds), in a pass on floats: the gradient
    # is that Value times the seed, -0.0, as in the core (not 0.0 + -0.0)
    d = Value(-0.0)
    f = ops.Op("f", 1, math.sin, lambda m, out, x, k: (d,))
    x = Value(1.0)
    apply(f, [x]).backward()
    assert isinstance(x.grad, Value) and bits(x.grad.data) == bits(-0.0)


@pytest.mark.usefixtures("grad_property")
def test_a_grad_deleted_during_a_pass_fails_it_as_in_the_core():
    # the core's pass reads x.grad to add its sum: deleted, the pass raises and changes
    # nothing else; set again before the pass ends, the sum is added to it
    x, y = Value(0.5), Value(2.0)
    y.grad = 1.0
    seen = []
    deleted = Value(0.5)  # the core's errors, in this interpreter's words
    del deleted.grad
    with pytest.raises(AttributeError) as read:
        _ = deleted.grad
    with pytest.raises(AttributeError) as deleted_again:
        del deleted.grad

    def delete(x):
        del x.grad
        with pytest.raises(AttributeError, match=f"^{re.escape(str(read.value))}$"):
            seen.append(x.grad)
        with pytest.raises(AttributeError, match=f"^{re.escape(str(deleted_again.value))}$"):
            del x.grad

    with pytest.raises(AttributeError, match=f"^{re.escape(str(read.value))}$"):
        written_during(x * y, x, delete)
    assert not hasattr(x, "grad") and y.grad == 1.0 and seen == []

    def delete_and_set(x):
        del x.grad
        x.grad = 0.25

    x.grad = 1.0
    written_during(x * y, x, delete_and_set)
    assert x.grad == 0.25 + 2.0 and y.grad == 1.0 + 0.5


def test_a_gradient_that_overflows_on_values_raises_as_in_the_core():
    # the rule of mul gives its derivatives; their product with a gradient overflows: the
    # error names that product (not the rule), and no .grad changes
    x = Value(1.0)
    y = (x * 1e200).tanh() * 1.0 + x * 1e200
    with pytest.raises(OverflowError, match=r"^mul\(1e\+200, 1e\+200\): result is not finite"):
        grad(y, [x], grad_outputs=[Value(1e200)], create_graph=True)
    x.grad = 0.5
    with pytest.raises(OverflowError, match=r"^mul\(1e\+200, 1e\+200\): result is not finite"):
        y.backward(Value(1e200), create_graph=True)
    assert x.grad == 0.5


def test_a_gradient_holding_negative_zero_in_a_value_keeps_the_core_s_sign():
    # create_graph leaves Values in .grad; one holding -0.0 is added to as the core adds
    x, y = Value(-1.0), Value(2.0)
    z = (x * y).relu() * -3.0
    z.backward(create_graph=True)
    assert isinstance(x.grad, Value) and bits(x.grad.data) == bits(-0.0)
    z.backward()
    assert bits(as_number(x.grad)) == bits(-0.0)


def test_a_rule_that_raises_runs_once_and_gives_the_core_s_error():
    calls = []

    def rule(m, out, args, k):
        calls.append(args[0])
        if len(calls) == 1:
            raise ValueError("first call fails")
        return (m.cos(args[0]),)

    x = Value(0.5)
    y = apply(ops.Op("f", 1, math.sin, rule), [x]) * 2.0
    with pytest.raises(ValueError, match=r"^f\(0\.5\): no finite derivative here \(first call"):
        y.backward()
    assert len(calls) == 1 and x.grad == 0.0


@pytest.mark.parametrize("kind", ["two pairs", "three pairs", "one long sum"])
def test_recurrences_of_fused_sums_give_the_core_s_bits(kind):
    # h = b + w1*x_t + w2*h, step after step (and + w3*(h*h)); sum(w*p_t) with
    # p_t = p_(t-1)*x: each sum's later terms are computed from its earlier ones; past the
    # sums watched inside one another, they are cut pair by pair
    def gradients(fused):
        b, w1, w2, w3 = Value(0.1), Value(0.5), Value(0.45), Value(0.01)
        xs = [Value(((t * 7919) % 1000) / 1000.0 - 0.5) for t in range(60)]
        h = Value(0.25)
        if kind == "one long sum":
            ps = [h]
            for x in xs:
                ps.append(ps[-1] * (x + 1.0))
            products = [w1 * p for p in ps]
            h = sum((w1 * p for p in ps), b) if fused else sum(products, b)
        for x in xs if kind != "one long sum" else []:
            if fused:
                h = (b + w1 * x + w2 * h if kind == "two pairs"
                     else b + w1 * x + w2 * h + w3 * (h * h))
            else:
                products = [w1 * x, w2 * h, w3 * (h * h)]
                h = b + products[0] + products[1]
                if kind == "three pairs":
                    h = h + products[2]
        return [bits(g) for g in grad(h * h, [b, w1, w2, w3, *xs], allow_unused=True)
                if g is not None]

    assert gradients(fused=True) == gradients(fused=False)


def test_a_deleted_grad_does_not_stop_a_pass_through_a_cut_sum():
    a, b, c, d, x = (Value(v) for v in (0.1, 0.2, 0.3, 0.4, 0.5))
    s = a + b * x + c * x * x + d * x
    del x.grad
    assert grad(s, [a, b, c, d]) == [1.0, 0.5, 0.25, 0.5]


def test_a_value_seed_through_a_fused_sum_builds_the_core_s_graph():
    # gradients that are Values without create_graph: each sum's g * 1.0 is a node, as in
    # the core, so differentiating them again adds in the core's order
    def again(fused, x0, y0):
        x, y, s = Value(x0), Value(y0), Value(1.25)
        if fused:
            out = x * y + x * y
        else:
            products = [x * y, x * y]
            out = products[0] + products[1]
        out.backward(gradient=s)
        return bits(grad(x.grad * 3.0 + y.grad * 5.0, [s])[0])

    for i in range(100):
        x0, y0 = 0.5 + i / 67, 2.0 - i / 71
        assert again(True, x0, y0) == again(False, x0, y0)
    a, b, x, s = Value(0.5), Value(1.5), Value(2.0), Value(1.25)
    (a + b * x).backward(gradient=s)
    assert a.grad.op is ops.MUL_SCALAR and a.grad.parents == (s,)
