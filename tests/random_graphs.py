"""Random graphs over the whole op table, shared by the op tests and the compiler tests."""

from hypothesis import strategies as st

from autograd import Value, dot, maximum, minimum, neuron, ops
from autograd import sum as vsum
from autograd.functions import apply, shift


def guard(a):
    """a*a + 1/2: keeps log, sqrt, division and powers away from their domain edges."""
    return a * a + 0.5


APPLY = {
    ops.ADD: lambda a, b, k: a + b,
    ops.MUL: lambda a, b, k: a * b,
    ops.DIV: lambda a, b, k: a / guard(b),
    ops.POW: lambda a, b, k: guard(a) ** b.tanh(),
    ops.ADD_SCALAR: lambda a, b, k: a + k,
    ops.MUL_SCALAR: lambda a, b, k: k * a,
    ops.DIV_SCALAR: lambda a, b, k: a / k,
    ops.RDIV: lambda a, b, k: k / guard(a),
    ops.NEG: lambda a, b, k: -a,
    ops.POWC: lambda a, b, k: guard(a) ** k,
    ops.RPOW: lambda a, b, k: (abs(k) + 0.5) ** a.tanh(),
    ops.ABS: lambda a, b, k: abs(a),
    ops.EXP: lambda a, b, k: a.tanh().exp(),
    ops.EXPM1: lambda a, b, k: a.tanh().expm1(),
    ops.LOG: lambda a, b, k: guard(a).log(),
    ops.SQRT: lambda a, b, k: guard(a).sqrt(),
    ops.TANH: lambda a, b, k: a.tanh(),
    ops.SIGMOID: lambda a, b, k: a.sigmoid(),
    ops.RELU: lambda a, b, k: a.relu(),
    ops.LEAKY_RELU: lambda a, b, k: a.leaky_relu(0.2),
    ops.SOFTPLUS: lambda a, b, k: a.softplus(),
    ops.SIN: lambda a, b, k: a.sin(),
    ops.COS: lambda a, b, k: a.cos(),
    # autograd.dot, or the DOT that + builds from products only the expression holds
    ops.DOT: lambda a, b, k: dot([a, b], [b, a], a) if k > 0 else a + b * a + a * b,
    ops.NEURON: lambda a, b, k: neuron([a, b], [b, a], a, ("tanh", "sigmoid", "softplus")[
        int(abs(k)) % 3]),
    ops.SUM: lambda a, b, k: vsum([a, b, a]),
    ops.TAN: lambda a, b, k: a.tanh().tan(),
    ops.ATAN: lambda a, b, k: a.atan(),
    ops.ASIN: lambda a, b, k: (0.9 * a.tanh()).asin(),
    ops.ACOS: lambda a, b, k: (0.9 * a.tanh()).acos(),
    ops.SINH: lambda a, b, k: a.tanh().sinh(),
    ops.COSH: lambda a, b, k: a.tanh().cosh(),
    ops.LOG1P: lambda a, b, k: guard(a).log1p(),
    ops.MAXIMUM: lambda a, b, k: maximum(a, b),
    ops.MINIMUM: lambda a, b, k: minimum(a, b),
    ops.CLAMP: lambda a, b, k: a.clamp(-0.5, 1.0),
    # no gradient flows through these two (left out of the random graphs whose derivatives
    # are checked against central differences)
    ops.DETACH: lambda a, b, k: apply(ops.DETACH, [a]) * b,
    ops.SHIFT: lambda a, b, k: a - shift([a, b, k]),
}
KINKED = [op for op in ops.OPS if ops.kinks(op) is not None]
# ops a gradient flows through: central differences check their derivatives
DIFFERENTIABLE = [op for op in ops.OPS if op.differentiable]

steps = st.tuples(st.sampled_from(DIFFERENTIABLE), st.integers(0, 99), st.integers(0, 99),
                  st.sampled_from([-2, -1, 0.5, 2, 3]))
graphs = st.tuples(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=3),
                   st.lists(steps, min_size=1, max_size=8))


def build(plan, inputs, apply=None):
    """Replay a plan; operands are any earlier node, so sub-expressions get shared. ``apply``
    is APPLY, or the same expressions written for another kind of number (torch tensors)."""
    apply = APPLY if apply is None else apply
    nodes = list(inputs)
    for op, i, j, k in plan:
        nodes.append(apply[op](nodes[i % len(nodes)], nodes[j % len(nodes)], k))
    return nodes


def well_behaved(point, plan):
    """At the base point: no domain error, moderate values, no kink within 1e-3."""
    try:
        nodes = build(plan, [Value(x) for x in point])
    except (ArithmeticError, ValueError):
        return False
    kinks = [d for n in nodes if n.op in KINKED
             for d in ops.kinks(n.op)([p.data for p in n.parents], n.param)]
    return all(abs(n.data) < 50 for n in nodes) and all(abs(d) > 1e-3 for d in kinks)


