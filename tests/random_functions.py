"""Random Python functions over the op table and nn's parts, for jit and vector code.

A function takes Value arguments, number arguments and a static flag, reads Values from
elsewhere (captured parameters), and computes with all of them as a user would: arithmetic
mixing numbers and Values, every op of the table, ``detach()`` and ``no_grad()`` blocks,
nn's losses and softmax, sums of products fed to kinked ops, and a branch on the flag.
Numbers are tenths, so that sums of products often cancel to exactly 0.0 in the engine's
order (relu, abs, maximum and clamp then sit on their kinks) while another order of
addition would give a few units of the last place.
"""

import math

from hypothesis import strategies as st
from random_graphs import APPLY, DIFFERENTIABLE

from autograd import Value, dot, no_grad, ops
from autograd import sum as vsum
from autograd.engine import toposort
from autograd.ops import NEURON, products
from nn.functional import softmax
from nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l1_loss,
    logsumexp,
    mse_loss,
)

tenths = st.integers(-10, 10).map(lambda k: k / 10)
KINKED = ["relu", "abs", "leaky_relu", "clamp", "maximum"]
LOSSES = ["mse", "l1", "hinge", "bce", "cross_entropy", "logsumexp", "softmax"]

# each step appends one value to the function's list of values (earlier ones by index)
step = st.one_of(
    st.tuples(st.just("op"), st.sampled_from(ops.OPS),
              st.integers(0, 99), st.integers(0, 99), st.sampled_from([-2, -1, 0.5, 2, 3])),
    st.tuples(st.just("numbers"), st.integers(0, 99), st.integers(0, 99),
              st.sampled_from("+-*")),  # numbers alone: plain floats when not traced
    st.tuples(st.just("mix"), st.integers(0, 99), st.integers(0, 99), st.sampled_from("+-*/")),
    st.tuples(st.just("detach"), st.integers(0, 99)),
    st.tuples(st.just("no_grad"), st.sampled_from(DIFFERENTIABLE), st.integers(0, 99),
              st.integers(0, 99)),
    # kinked ops of sums of the leaves' products with numbers, often on their kinks
    st.tuples(st.just("kink"), st.sampled_from(KINKED), st.lists(st.integers(0, 3), min_size=2,
                                                                  max_size=6)),
    st.tuples(st.just("kink"), st.sampled_from(KINKED), st.lists(st.integers(0, 99), min_size=1,
                                                                  max_size=4)),
    st.tuples(st.just("loss"), st.sampled_from(LOSSES), st.lists(st.integers(0, 99), min_size=2,
                                                                  max_size=3)),
    st.tuples(st.just("branch"), st.integers(0, 99), st.integers(0, 99)),
)


@st.composite
def functions(draw, branches=True, numbers=0):
    """(values, numbers, captured, steps): how many of each argument (at least ``numbers``
    numbers), and the steps."""
    values = draw(st.integers(0, 2))
    captured = draw(st.integers(1 if values == 0 else 0, 2))
    numbers = draw(st.integers(numbers, 3))
    steps = draw(st.lists(step, min_size=1, max_size=8))
    if not branches:
        steps = [s for s in steps if s[0] != "branch"] or [("mix", 0, 0, "+")]
    return values, numbers, captured, steps


def make(program, params):
    """The function a program describes, reading ``params`` from outside as captured."""
    values, numbers, _, steps = program

    def f(*args):
        leaves, nums, flag = list(args[:values]), list(args[values:values + numbers]), args[-1]
        vals = leaves + list(params)  # Values (in jit: numbers are Values too, traced)
        nums = nums or [0.5]
        for s in steps:
            kind = s[0]
            if kind == "op":
                _, op, i, j, k = s
                vals.append(APPLY[op](vals[i % len(vals)], vals[j % len(vals)], k))
            elif kind == "numbers":
                _, i, j, how = s
                a, b = nums[i % len(nums)], nums[j % len(nums)]
                nums.append(a + b if how == "+" else a - b if how == "-" else a * b)
            elif kind == "mix":
                _, i, j, how = s
                x, v = nums[i % len(nums)], vals[j % len(vals)]
                vals.append(v + x if how == "+" else x - v if how == "-" else v * x
                            if how == "*" else v / (x * x + 1.0))
            elif kind == "detach":
                vals.append(vals[s[1] % len(vals)].detach() * 1.5)
            elif kind == "no_grad":
                _, op, i, j = s
                with no_grad():
                    inner = APPLY[op](vals[i % len(vals)], vals[j % len(vals)], 2)
                vals.append(inner * vals[j % len(vals)])
            elif kind == "kink":
                _, name, idx = s
                picked = [vals[i % len(vals)] for i in idx]
                # a sum of products whose terms may cancel to exactly 0 in the engine's order
                z = dot(picked, [nums[k % len(nums)] for k in range(len(picked))],
                        nums[len(picked) % len(nums)])
                vals.append(z.relu() if name == "relu" else abs(z) if name == "abs" else
                            z.leaky_relu(0.1) if name == "leaky_relu" else z.clamp(0.0, 1.0)
                            if name == "clamp" else _maximum(z, picked[0] * 0.0))
            elif kind == "loss":
                _, name, idx = s
                zs = [vals[i % len(vals)] for i in idx]
                vals.append(_loss(name, zs, nums[0]))
            else:  # a branch on the static flag
                _, i, j = s
                vals.append(vals[i % len(vals)] if flag else vals[j % len(vals)] * 2.0)
        computed = vals[len(leaves) + len(params):]
        return computed[0] if len(computed) == 1 else vsum(computed)  # every step counts

    return f


def _maximum(a, b):
    from autograd import maximum

    return maximum(a, b)


def _loss(name, zs, t):
    if name == "mse":
        return mse_loss(zs, [t] * len(zs))
    if name == "l1":
        return l1_loss(zs, [t] * len(zs))
    if name == "hinge":
        return hinge_loss(zs, [1, -1, 1][:len(zs)])
    if name == "bce":
        return binary_cross_entropy_with_logits(zs, [1.0, 0.0, 0.5][:len(zs)])
    if name == "cross_entropy":
        return cross_entropy(zs, 1)
    if name == "logsumexp":
        return logsumexp(zs)
    return softmax(zs)[0] * 2.0


def at_kink(out):
    """Whether a kinked op of the graph below ``out`` has an argument on its kink."""
    for v in toposort([out]):
        args = [p.data for p in v.parents]
        if v.op is NEURON and ops.kinks(v.param) is not None:
            z = products(args[0], args[1::2], args[2::2])
            if 0.0 in ops.kinks(v.param)([z], None):
                return True
        elif ops.kinks(v.op) is not None and 0.0 in ops.kinks(v.op)(args, v.param):
            return True
    return False


def scale(numbers):
    """The largest finite magnitude among numbers, at least 1."""
    return max([1.0, *(abs(x) for x in numbers if math.isfinite(x))])


def fresh(params):
    """New leaves with the same numbers."""
    return [Value(p.data, label=p.label) for p in params]
