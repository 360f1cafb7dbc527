"""Derivative rules run on symbols: the code of every derivative is its rule's, and the
code computes the rule's floats, bit for bit."""

import math
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import ops
from autograd.kernels import FLOAT_KERNELS
from autograd.symbolic import SYMBOLIC, Sym, derivatives, literal

PARAMS = {None: None, "k": 2.5, "bounds": (-0.5, 1.5), "base": 1.7, "numerator": -3.0,
          "slope": 0.2, "activation": ops.TANH}


def bits(x):
    return struct.pack("<d", float(x))


def arguments(op, rng):
    width = 5 if op.arity == ops.VARIADIC else op.arity
    return [rng.choice([rng.uniform(-2, 2), rng.uniform(0.1, 0.9), 0.0, 1.0]) for _ in
            range(width)]


@pytest.mark.parametrize("op", ops.OPS, ids=lambda op: op.name)
def test_each_op_s_code_computes_its_rule_s_floats(op):
    rng = random.Random(op.name)
    k = PARAMS[op.param]
    rule = ops.code_rule(op)
    for _ in range(200):
        xs = arguments(op, rng)
        fixed = () if k is None else (k,)
        try:
            out = op.forward(xs, *fixed) if op.arity == ops.VARIADIC else op.forward(*xs, *fixed)
            want = op.partials(ops.FLOAT_MATH, out, xs, k)
            factor = op.factor(ops.FLOAT_MATH, out, k) if op.factor else None
        except (ArithmeticError, ValueError):
            continue
        names = [f"x{i}" for i in range(len(xs))]
        code = rule("out", names, k)
        scope = dict(zip(names, xs), out=out)
        got = [eval(d, dict(FLOAT_KERNELS), scope) for d in code.partials]
        assert [bits(g) for g in got] == [bits(w) for w in want], (op, xs, code.partials)
        if factor is not None:
            assert bits(eval(code.factor, dict(FLOAT_KERNELS), scope)) == bits(factor)


OPERATIONS = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
              lambda a, b: a / b, lambda a, b: a ** 2.0, lambda a, b: -a,
              lambda a, b: b - a * b, lambda a, b: 1.5 / (a + b), lambda a, b: -(a - b),
              lambda a, b: (-a) ** 2.0, lambda a, b: -a ** 2.0, lambda a, b: a - (b - a)]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, len(OPERATIONS) - 1), st.integers(0, 9),
                          st.integers(0, 9)), min_size=1, max_size=12),
       st.lists(st.floats(-3, 3).filter(lambda x: abs(x) > 0.1), min_size=2, max_size=2))
def test_source_is_parenthesised_to_compute_what_python_computes(program, xs):
    # the same program on floats and on symbols: the text, evaluated, gives the same float
    floats, syms = list(xs), [Sym("a"), Sym("b")]
    for which, i, j in program:
        f = OPERATIONS[which]
        try:
            value = f(floats[i % len(floats)], floats[j % len(floats)])
        except (ArithmeticError, ValueError):
            return
        if isinstance(value, complex) or not math.isfinite(value) or abs(value) > 1e6:
            return
        floats.append(value)
        syms.append(f(syms[i % len(syms)], syms[j % len(syms)]))
    got = eval(syms[-1].text, {}, {"a": xs[0], "b": xs[1]})
    assert bits(got) == bits(floats[-1]), syms[-1].text


def test_numbers_become_literals_and_a_step_is_a_comparison():
    assert literal(-2.0) == "(-2.0)" and literal(math.inf) == "inf"
    assert SYMBOLIC.select(Sym("h"), 1.0, 0.0).text == "(h > 0.0)"  # True * g is g
    assert SYMBOLIC.select(Sym("h"), 1.0, 0.1).text == "select(h, 1.0, 0.1)"
    assert derivatives(ops.TANH.partials, "t", ["a"], None) == ("1.0 - t * t",)


def test_a_rule_that_branches_on_its_argument_is_refused_as_code():
    def rule(m, out, x, k):
        return (1.0 if x[0] > 0 else 0.0,)

    with pytest.raises(TypeError, match=r"m\.select"):
        derivatives(rule, "o", ["a"], None)
    with pytest.raises(TypeError, match=r"m\.select"):
        derivatives(lambda m, out, x, k: (m.val(x[0]),), "o", ["a"], None)
