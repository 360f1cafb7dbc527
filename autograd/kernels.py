"""The functions compiled code calls: on floats (from the op table itself) and on NumPy arrays.

Generated source names ``relu``, ``step``, ``sigmoid`` ... rather than spelling them out,
so that an op's code rule runs on both: with FLOAT_KERNELS every value is a float and the
results equal the eager engine's bit for bit; with numpy_kernels() every value is an array
(the vector code of autograd/compiler/vectorized.py: a group of values, for every sample
of a batch).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd.ops import (
    CLAMP,
    FLOAT_MATH,
    OPS,
    TABLE,
    Op,
    code_rule,
    critical,
    power,
    products,
)


def _named(op: Any) -> bool:
    rule = code_rule(op)
    return rule is not None and op.param in (None, "slope") and rule(
        "o", ["a", "b"][:op.arity], 0.5).forward.startswith(op.name + "(")


# ops whose code calls a function of the op's own name on the op's own arguments (exp(a),
# leaky_relu(a, k), maximum(a, b)): that function is the op's forward, from the table
NAMED = [op for op in OPS if _named(op)]

FLOAT_KERNELS: dict[str, Any] = {op.name: op.forward for op in NAMED} | {
    "fsum": math.fsum, "pow_": power, "dot_": products,
    "clamp": lambda a, low, high: CLAMP.forward(a, (low, high)),
    # the steps piecewise rules take (autograd/symbolic.py writes them as these calls)
    "select": FLOAT_MATH.select, "sign": FLOAT_MATH.sign, "tie_step": FLOAT_MATH.tie_step,
    "clamp_step": FLOAT_MATH.clamp_step, "pow_db": FLOAT_MATH.pow_db,
    # a derivative the rule gives only at run time (autograd.ops.code_rule)
    "partial_": lambda name, i, out, args, k: BY_NAME[name].partials(FLOAT_MATH, out,
                                                                     list(args), k)[i],
    "inf": math.inf, "nan": math.nan,
    "_sum": sum,  # of every forward value: finite only if each one is
}


# functions of floats that compiled code calls on arrays element by element: an op a user
# defines (autograd/primitives.py) computes the same floats on every path
ELEMENTWISE: dict[str, Any] = {}
# every op by name, the table's and those users define: whose rules partial_ runs
BY_NAME: dict[str, Op] = dict(TABLE)

NUMPY_NAMES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}  # where NumPy differs


def numpy_kernels() -> dict[str, Any]:
    """The same functions on arrays (each element a sample); needs NumPy."""
    import numpy as np

    def sigmoid(a: Any) -> Any:
        e = np.exp(-np.abs(a))  # never overflows: s(a) = 1/(1 + e) or e/(1 + e)
        return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def softplus(a: Any) -> Any:
        return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))

    def pow_(a: Any, b: Any) -> Any:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if np.any((a < 0) & (b != np.floor(b))):
            raise ValueError("pow: a negative number to a fractional power is not real")
        return a**b

    def pow_db(out: Any, a: Any, b: Any) -> Any:
        # d(a^b)/db = a^b log a for a > 0; 0 at a = 0 when b > 0; undefined elsewhere
        a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
        if np.any((a < 0) | ((a == 0) & (b <= 0))):
            raise ValueError("the derivative of a**b with respect to b does not exist "
                             "for a < 0 (or a = 0 with b <= 0)")
        logs = np.log(a, out=np.zeros_like(a), where=a > 0)
        return out * logs

    def dot_(b: Any, ws: Sequence[Any], xs: Sequence[Any]) -> Any:
        total = b
        for w, x in zip(ws, xs):
            total = total + w * x
        return total

    def exact_sum(terms: Sequence[float]) -> float:
        try:
            return math.fsum(terms)
        except ValueError:  # inf + -inf: IEEE's NaN, as the engine gives
            return math.nan

    def fsum(xs: Sequence[Any]) -> Any:
        # rounded once per sample, as math.fsum rounds the engine's sum (one + is: exact)
        if len(xs) <= 2:
            return xs[0] if len(xs) == 1 else xs[0] + xs[1]
        columns = np.broadcast_arrays(*xs)
        return np.array([exact_sum(terms) for terms in zip(*(c.ravel() for c in columns))]
                        ).reshape(columns[0].shape)

    def shift(xs: Sequence[Any]) -> Any:
        # the largest finite argument of each sample, 0.0 where none is finite
        stacked = np.stack(np.broadcast_arrays(*xs))
        finite = np.isfinite(stacked)
        return np.where(finite.any(0), np.where(finite, stacked, -np.inf).max(0), 0.0)

    return {op.name: getattr(np, NUMPY_NAMES.get(op.name, op.name), None) for op in NAMED} | {
        **array_kernels(np),
        "fsum": fsum, "sigmoid": sigmoid, "shift": shift,
        "softplus": softplus, "relu": lambda a: np.where(a <= 0.0, 0.0, a),
        "clamp": lambda a, low, high: np.where(np.isnan(a), a, np.minimum(np.maximum(a, low),
                                                                          high)),
        "clamp_step": lambda a, low, high: np.where((a >= low) & (a <= high), 1.0, 0.0),
        "tie_step": lambda a, b: np.where(a == b, 0.5, np.where(a < b, 0.0, 1.0)),
        "leaky_relu": lambda a, k: np.where(a > 0.0, a, k * a), "pow_": pow_, "dot_": dot_,
        "select": lambda a, positive, otherwise: np.where(a > 0.0, positive, otherwise),
        "partial_": lambda name, i, out, args, k: np.vectorize(
            lambda o, *xs: float(BY_NAME[name].partials(FLOAT_MATH, o, list(xs), k)[i]),
            otypes=[float])(out, *args),
        "sign": np.sign, "pow_db": pow_db, "inf": math.inf, "nan": math.nan,
    } | {name: np.vectorize(f, otypes=[float]) for name, f in ELEMENTWISE.items()}


# vector code vouches for the branch of a kinked op (relu, abs, maximum, clamp) where its
# argument is off the kink by more than the engine's rounding and its own could move it:
# each at most 2^-52 times the argument's error bound (autograd/compiler/vectorized.py), in units of
# the last place; sixteen times both, for what a first-order bound leaves out
TOLERANCE = 2 * 16 * 2.0**-52


def array_kernels(np: Any) -> dict[str, Any]:
    """What vector code (autograd/compiler/vectorized.py) does besides the ops: arrays whose
    last axis is a group's members, with the samples of a batch on the axes before it."""

    def lead(*arrays: Any) -> tuple[int, ...]:
        return tuple(np.broadcast_shapes(*(a.shape[:-1] for a in arrays)))

    def cat(*parts: Any) -> Any:
        shape = parts[0].shape[:-1]
        if all(p.shape[:-1] == shape for p in parts):
            return np.concatenate(parts, -1)
        shape = lead(*parts)
        return np.concatenate([np.broadcast_to(p, shape + p.shape[-1:]) for p in parts], -1)

    def stack(*columns: Any) -> Any:
        # the inputs side by side, one row per sample (a 0-d input repeated down the rows)
        shape = columns[0].shape
        if all(c.shape == shape for c in columns):
            return np.stack(columns, -1)
        return np.stack(np.broadcast_arrays(*columns), -1)

    def outer(g: Any, u: Any) -> Any:
        # sum over the samples of g_s u_s^T: the gradient of a matrix every sample reads
        if g.ndim == u.ndim == 2 and len(g) == len(u):
            return g.T @ u
        shape = lead(g, u)
        g = np.broadcast_to(g, shape + g.shape[-1:]).reshape(-1, g.shape[-1])
        return g.T @ np.broadcast_to(u, shape + u.shape[-1:]).reshape(-1, u.shape[-1])

    def outer_each(g: Any, u: Any) -> Any:
        product = g[..., :, None] * u[..., None, :]  # per sample: d(W u)/dW = g u^T
        return product.reshape((*product.shape[:-2], -1))

    def finite(*arrays: Any) -> None:
        if not all(np.isfinite(a).all() for a in arrays):
            raise FloatingPointError("a product or a sum is not finite")

    def total(a: Any, m: int, n: int) -> Any:
        # sums of n terms, m per sample; where the terms cancel so much that NumPy's sum
        # could be off by more than 1e-13 of the result, the row is summed exactly (fsum)
        terms = a.reshape((*a.shape[:-1], m, n))
        sums = terms.sum(-1)
        doubt = n * 2.3e-16 * np.abs(terms).sum(-1) > 1e-13 * np.abs(sums)
        if doubt.any():
            sums[doubt] = [math.fsum(row) for row in terms[doubt]]
        return sums

    def add_at(g: Any, index: Any, term: Any) -> None:
        np.add.at(g, (Ellipsis, index), term)

    def kinked(doubt: Any, op_param: tuple[Any, Any], args: Sequence[Any], bound: Any) -> Any:
        # the samples (rows) where one of the op's kinks or poles lies within the bound
        op, param = op_param
        for q in critical(op, args, param):
            size = np.abs(q)
            near = (size.min() <= TOLERANCE * bound if np.ndim(bound) == 0
                    else (size - TOLERANCE * bound).min() <= 0.0)
            if near:  # rarely: then which samples (a value at 0 is on its kink)
                doubt = doubt | (size <= TOLERANCE * bound).any(-1)
        return doubt

    return {
        "stack": stack,
        "cat": cat, "total": total, "rows": lambda a, m, n: a.reshape((*a.shape[:-1], m, n)),
        "matvec": lambda w, u: np.einsum("...mn,...n->...m", w, u),
        "vecmat": lambda g, w: np.einsum("...m,...mn->...n", g, w),
        "outer": outer, "outer_each": outer_each,
        "spread": lambda g, n: np.repeat(g, n, axis=-1),
        "over_batch": lambda t: t.reshape(-1, t.shape[-1]).sum(0),
        "add_at": add_at, "zeros_like": lambda a: np.zeros(np.shape(a)),
        "kinked": kinked, "no_doubt": lambda n: np.zeros(n, dtype=bool),
        # over a whole batch: the largest |x|, the largest of an error bound's entries, and
        # the largest sum of a row's |entries|
        "largest": lambda x: float(np.abs(x).max()),
        "peak": lambda e: float(np.max(e)),
        "row_sizes": lambda m: float(np.abs(m).sum(-1).max()),
        "full_like": lambda a, x: np.full(np.shape(a), x), "finite": finite,
    }
