"""The functions compiled code calls: on floats (from the op table itself) and on NumPy arrays.

Generated source names ``relu``, ``step``, ``sigmoid`` ... rather than spelling them out,
so that an op's code rule runs on both: with FLOAT_KERNELS every value is a float and the
results equal the eager engine's bit for bit; with numpy_kernels() every value is an array
(the vector code of autograd/compiler/vectorized.py: a group of values, for every sample
of a batch).
"""

from __future__ import annotations

import functools
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


# vector code on NumPy leaves the samples whose gradient is all 0 out of the rest of the
# backward pass when those with a gradient are at most this share of the batch (gathering
# them costs a pass over their rows; the products after save more once half are gone)
LIVE_SHARE = 0.5
# nor for fewer numbers than this in all: a gather's own cost (some 10 microseconds) would
# be more than the products save
FEWEST = 4096


def numpy_kernels() -> dict[str, Any]:
    """The vector code's functions on NumPy arrays (each element a sample); needs NumPy."""
    import numpy

    np: Any = numpy  # its own functions, not the standard's

    def add_at(g: Any, index: Any, term: Any) -> Any:
        np.add.at(g, (Ellipsis, index), term)  # an index twice: each of its terms added
        return g

    def scatter_add(g: Any, index: Any, term: Any) -> Any:
        # in place: g is an array only this gradient holds
        if g.ndim == 1:
            g[index] += term
        else:
            g[..., index] += term
        return g

    def select(a: Any, positive: Any, otherwise: Any) -> Any:
        # a step of 1 and 0 as NumPy's booleans, which multiply as 1 and 0
        if isinstance(positive, float) and isinstance(otherwise, float) and (
                positive, otherwise) == (1.0, 0.0):
            return a > 0.0
        return np.where(a > 0.0, positive, otherwise)

    biggest, smallest, total = np.maximum.reduce, np.minimum.reduce, np.add.reduce

    def largest(x: Any) -> float:
        # max |x| as the larger of max x and -min x: no |x| array (a NaN in x makes both NaN,
        # and max(nan, nan) is nan)
        if type(x) is not np.ndarray:
            x = np.asarray(x)
        if x.dtype == bool:
            return float(x.any())
        return max(float(biggest(x, None)), -float(smallest(x, None)))

    def relu(a: Any) -> Any:
        # max(a, 0), NaN kept, as the table's relu; + 0.0 makes the -0.0 that NumPy may give
        # at a tie the table's 0.0 (np.where, the standard's way, is ten times slower), in
        # place: a second new array of this size costs more than both passes
        out = np.maximum(a, 0.0)
        out += 0.0
        return out

    def finite(*arrays: Any) -> None:
        # a sum is finite only if every term is (inside np.errstate, as the code runs, a sum
        # of finite numbers that overflows raises FloatingPointError itself); a number (an
        # array's largest |entry|) is its own sum
        for a in arrays:
            if not math.isfinite(total(a, None)):
                raise FloatingPointError("a product or a sum is not finite")

    def nonzero_rows(n: int, grads: tuple[Any, ...], values: tuple[Any, ...],
                     known: tuple[Any, ...] = ()) -> tuple[Any, ...]:
        # the rows of the samples with a gradient not all 0 (NaN is not 0), when they are at
        # most LIVE_SHARE of the batch and every value is finite (0 * inf is NaN: a sample
        # with an infinite value adds NaN, not 0; the values ``known`` are known to be);
        # else every array as it is
        arrays = (*grads, *values, *known)
        if sum(a.size for a in arrays) < FEWEST or any(a.ndim == 0 or a.shape[0] != n
                                                      for a in arrays):
            return arrays
        live = np.zeros(n, dtype=bool)
        for g in grads:
            live |= g.reshape(n, -1).any(axis=1)
        rows = np.flatnonzero(live)
        if len(rows) > LIVE_SHARE * n:
            return arrays
        with np.errstate(over="ignore", invalid="ignore"):  # a sum that overflows: not vouched
            if not all(math.isfinite(total(v, None)) for v in values):
                return arrays
        return tuple(a[rows] for a in arrays)

    standard = vector_kernels(numpy_namespace())

    def stack(*columns: Any) -> Any:
        # columns of one shape side by side, written into one new array
        shape = columns[0].shape
        if len(shape) != 1 or any(c.shape != shape for c in columns):
            return standard["stack"](*columns)
        out = np.empty((shape[0], len(columns)))
        for i, c in enumerate(columns):
            out[:, i] = c
        return out

    return standard | {
        # NumPy's own, quicker: ufuncs raise inside np.errstate (Compiled runs the code so),
        # and einsum, add.at and a boolean mask are one call each
        "checked": lambda *arrays: None, "select": select, "finite": finite, "stack": stack,
        "sums": lambda a: total(a, -1, None, None, True), "row_sums": lambda a: total(a, -1),
        "over_batch": lambda t: total(t.reshape(-1, t.shape[-1]), 0),
        "largest": largest, "peak": lambda e: float(biggest(e, None)), "relu": relu,
        "row_sizes": lambda m: float(np.abs(m).sum(-1).max()),
        "zeros_like": lambda a: np.zeros(np.shape(a)),
        "full_like": lambda a, x: np.full(np.shape(a), x),
        "take": lambda a, index: a[..., index], "copy": lambda a: a.copy(),
        "matvec": lambda w, u: np.einsum("...mn,...n->...m", w, u),
        "vecmat": lambda g, w: np.einsum("...m,...mn->...n", g, w),
        "add_at": add_at, "scatter_add": scatter_add, "nonzero_rows": nonzero_rows,
    }


# vector code vouches for the branch of a kinked op (relu, abs, maximum, clamp) where its
# argument is off the kink by more than the engine's rounding and its own could move it:
# each at most 2^-52 times the argument's error bound (autograd/compiler/vectorized.py), in units of
# the last place; sixteen times both, for what a first-order bound leaves out
TOLERANCE = 2 * 16 * 2.0**-52


@functools.cache
def numpy_namespace() -> NumPyMethods:
    """NumPy's namespace as vector code calls it (NumPyMethods), made once."""
    import numpy

    return NumPyMethods(numpy)


class NumPyMethods:
    """NumPy's namespace, with its reductions called as the ufunc reductions the arrays' own
    methods call (a.sum() is np.add.reduce): the same numbers without NumPy's layer of
    Python per call (vector code makes dozens per batch)."""

    def __init__(self, numpy: Any) -> None:
        self.numpy = numpy
        self.__name__ = numpy.__name__
        self.reduce_and, self.reduce_or = numpy.logical_and.reduce, numpy.logical_or.reduce
        self.reduce_max, self.reduce_min = numpy.maximum.reduce, numpy.minimum.reduce
        self.reduce_add = numpy.add.reduce

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.numpy, name)
        setattr(self, name, found)  # found once: then an attribute of its own
        return found

    def all(self, a: Any, axis: Any = None) -> Any:
        """a.all(axis)."""
        return self.reduce_and(a, axis)

    def any(self, a: Any, axis: Any = None) -> Any:
        """a.any(axis)."""
        return self.reduce_or(a, axis)

    def max(self, a: Any, axis: Any = None) -> Any:
        """a.max(axis)."""
        return self.reduce_max(a, axis)

    def min(self, a: Any, axis: Any = None) -> Any:
        """a.min(axis)."""
        return self.reduce_min(a, axis)

    def sum(self, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        """a.sum(axis, keepdims=keepdims)."""
        return self.reduce_add(a, axis, None, None, keepdims)


def as_array(xp: Any, a: Any, device: Any = None) -> Any:
    """An array of ``xp`` as it is; a number as a float64 0-d array of it on ``device``."""
    return a if hasattr(a, "shape") else xp.asarray(a, dtype=xp.float64, device=device)


def floats(xp: Any, a: Any) -> list[float]:
    """An array's elements (or a number) as Python floats, in order, on any array library."""
    flat = xp.reshape(xp.asarray(a), (-1,))
    listed = getattr(flat, "tolist", None)  # NumPy's and PyTorch's: one call
    return [float(v) for v in (listed() if listed else flat)]


def vector_kernels(xp: Any, device: Any = None, stop: Any = None) -> dict[str, Any]:
    """The functions vector code (autograd/compiler/vectorized.py) calls, on the arrays of
    ``xp``, a namespace of the Python Array API standard (NumPy 2, array-api-strict, or
    PyTorch through array-api-compat), using nothing outside the standard. Arrays have a
    group's members on their last axis and the samples of a batch on the axes before it;
    new arrays are float64 on ``device``.

    ``stop`` is the library's own stop-gradient (PyTorch's detach) where its autograd
    differentiates the forward code: each kernel's derivative is then the op table's,
    everywhere (a sum rounded exactly has the plain sum's derivative)."""
    f64 = xp.float64

    def array(a: Any) -> Any:
        return as_array(xp, a, device)

    def where(condition: Any, x: Any, y: Any) -> Any:
        # x where the condition holds, else y; two numbers: the standard wants an array
        return xp.where(condition, x if hasattr(y, "shape") else array(x), y)

    def each(function: Any, *args: Any) -> Any:
        # a function of floats, element by element: on every path the same floats
        arrays = xp.broadcast_arrays(*map(array, args))
        columns = [floats(xp, a if stop is None else stop(a)) for a in arrays]
        return xp.reshape(xp.asarray([float(function(*v)) for v in zip(*columns)], dtype=f64,
                                     device=device), arrays[0].shape)

    def sigmoid(a: Any) -> Any:
        # 1/(1 + e^-a) for a >= 0, e^a/(1 + e^a) below: never overflowing; each branch reads
        # only its own side of 0 (the other a constant 0), so an autograd's derivative of it
        # is s(1 - s) everywhere, 1/4 at 0 too (|a|'s would be 0 there)
        up = a >= 0.0
        e = xp.exp(where(up, 0.0, a))
        return where(up, 1.0 / (1.0 + xp.exp(-where(up, a, 0.0))), e / (1.0 + e))

    def softplus(a: Any) -> Any:
        # log(1 + e^a): a + log(1 + e^-a) above 0, log(1 + e^a) below, as sigmoid
        up = a > 0.0
        positive = where(up, a, 0.0)
        return where(up, positive + xp.log1p(xp.exp(-positive)), xp.log1p(xp.exp(
            where(up, 0.0, a))))

    def pow_(a: Any, b: Any) -> Any:
        a, b = array(a), array(b)
        if xp.any((a < 0.0) & (b != xp.floor(b))):
            raise ValueError("pow: a negative number to a fractional power is not real")
        return xp.pow(a, b)

    def pow_db(out: Any, a: Any, b: Any) -> Any:
        # d(a^b)/db = a^b log a for a > 0; 0 at a = 0 when b > 0; undefined elsewhere
        a, b = xp.broadcast_arrays(array(a), array(b))
        if xp.any((a < 0.0) | ((a == 0.0) & (b <= 0.0))):
            raise ValueError("the derivative of a**b with respect to b does not exist "
                             "for a < 0 (or a = 0 with b <= 0)")
        return out * xp.where(a > 0.0, xp.log(xp.where(a > 0.0, a, 1.0)), 0.0)

    def dot_(b: Any, ws: Sequence[Any], xs: Sequence[Any]) -> Any:
        total = b
        for w, x in zip(ws, xs):
            total = total + w * x
        return total

    def fsum(xs: Sequence[Any]) -> Any:
        # rounded once per sample, as math.fsum rounds the engine's sum (one + is: exact);
        # + 0.0 gives fsum's 0.0 where every term is -0.0
        if len(xs) <= 2:
            return (xs[0] if len(xs) == 1 else xs[0] + xs[1]) + 0.0
        exact = each(lambda *terms: exact_sum(terms), *xs)
        return exact if stop is None else with_slope(exact, dot_(0.0, [1.0] * len(xs), xs))

    def with_slope(value: Any, plain: Any) -> Any:
        # value, with the derivative of plain (which it equals but for rounding): plus
        # plain - plain, exactly 0
        return stop(value) + (plain - stop(plain))

    def shift(xs: Sequence[Any]) -> Any:
        # the largest finite argument of each sample, 0.0 where none is finite
        stacked = xp.stack(xp.broadcast_arrays(*map(array, xs)))
        finite = xp.isfinite(stacked)
        return xp.where(xp.any(finite, axis=0),
                        xp.max(xp.where(finite, stacked, -math.inf), axis=0), 0.0)

    def maximum(a: Any, b: Any) -> Any:
        return xp.maximum(array(a), b)

    def minimum(a: Any, b: Any) -> Any:
        return xp.minimum(array(a), b)

    def partial(name: str, i: int, out: Any, args: Sequence[Any], k: Any) -> Any:
        # a derivative the rule gives only at run time: the rule on each sample's floats
        return each(lambda o, *x: BY_NAME[name].partials(FLOAT_MATH, o, list(x), k)[i],
                    out, *args)

    return {op.name: getattr(xp, op.name, None) for op in NAMED} | {
        **array_kernels(xp, device, stop),
        "fsum": fsum, "sigmoid": sigmoid, "shift": shift, "maximum": maximum,
        "minimum": minimum, "softplus": softplus,
        "relu": lambda a: xp.where(a <= 0.0, 0.0, a),
        "clamp": lambda a, low, high: xp.where(xp.isnan(a), a, xp.minimum(
            xp.maximum(a, low), high)),
        "clamp_step": lambda a, low, high: where((a >= low) & (a <= high), 1.0, 0.0),
        "tie_step": lambda a, b: where(a == b, 0.5, where(a < b, 0.0, 1.0)),
        "leaky_relu": lambda a, k: xp.where(a > 0.0, a, k * a), "pow_": pow_, "dot_": dot_,
        "select": lambda a, positive, otherwise: where(a > 0.0, positive, otherwise),
        "partial_": partial, "sign": xp.sign, "pow_db": pow_db,
        "inf": math.inf, "nan": math.nan,
    } | {name: functools.partial(each, f) for name, f in ELEMENTWISE.items()}


def exact_sum(terms: Sequence[float]) -> float:
    """The sum rounded once; IEEE 754's NaN for inf + -inf, as the engine gives."""
    try:
        return math.fsum(terms)
    except ValueError:
        return math.nan


def array_kernels(xp: Any, device: Any = None, stop: Any = None) -> dict[str, Any]:
    """What vector code (autograd/compiler/vectorized.py) does besides the ops, on the arrays
    of ``xp`` (see vector_kernels)."""
    f64 = xp.float64
    positions: dict[tuple[int, int], tuple[Any, list[Any]]] = {}  # see scatter_add

    def number(a: Any) -> float:
        # a 0-d array as a float (its value alone, where an autograd records it)
        return float(a if stop is None else stop(a))

    def lead(*arrays: Any) -> tuple[int, ...]:
        return tuple(xp.broadcast_shapes(*(a.shape[:-1] for a in arrays))) if hasattr(
            xp, "broadcast_shapes") else tuple(xp.broadcast_arrays(
                *(xp.zeros(a.shape[:-1], device=device) for a in arrays))[0].shape)

    def widen(a: Any, shape: tuple[int, ...]) -> Any:
        return a if a.shape[:-1] == shape else xp.broadcast_to(a, shape + a.shape[-1:])

    def cat(*parts: Any) -> Any:
        shape = parts[0].shape[:-1]
        if not all(p.shape[:-1] == shape for p in parts):
            shape = lead(*parts)
            parts = tuple(widen(p, shape) for p in parts)
        return xp.concat(parts, axis=-1)

    def stack(*columns: Any) -> Any:
        # the inputs side by side, one row per sample (a 0-d input repeated down the rows)
        if not all(c.shape == columns[0].shape for c in columns):
            columns = tuple(xp.broadcast_arrays(*columns))
        return xp.stack(columns, axis=-1)

    def outer(g: Any, u: Any) -> Any:
        # sum over the samples of g_s u_s^T: the gradient of a matrix every sample reads
        if g.ndim == u.ndim == 2 and g.shape[0] == u.shape[0]:
            return g.T @ u
        shape = lead(g, u)
        g = xp.reshape(widen(g, shape), (-1, g.shape[-1]))
        return xp.matrix_transpose(g) @ xp.reshape(widen(u, shape), (-1, u.shape[-1]))

    def outer_each(g: Any, u: Any) -> Any:
        product = g[..., :, None] * u[..., None, :]  # per sample: d(W u)/dW = g u^T
        return xp.reshape(product, (*product.shape[:-2], g.shape[-1] * u.shape[-1]))

    def finite(*arrays: Any) -> None:
        # arrays, or numbers: an array's largest |entry|, finite only if every entry is
        if not all(xp.all(xp.isfinite(array_of(a))) for a in arrays):
            raise FloatingPointError("a product or a sum is not finite")

    def checked(*arrays: Any) -> None:
        # where no error state raises as NumPy's does, an op that left the finite floats
        # (exp overflowing, log of 0) is found by its result
        if not all(xp.all(xp.isfinite(a)) for a in arrays):
            raise FloatingPointError("an operation's result is not finite")

    def total(a: Any, m: int, n: int) -> Any:
        # sums of n terms, m per sample; where the terms cancel so much that the library's
        # sum could be off by more than 1e-13 of the result, the row is summed exactly
        terms = xp.reshape(a, (*a.shape[:-1], m, n))
        sums = xp.sum(terms, axis=-1) + 0.0  # fsum's 0.0 where every term is -0.0
        doubt = n * 2.3e-16 * xp.sum(abs(terms), axis=-1) > 1e-13 * abs(sums)
        if xp.any(doubt):
            rows = floats(xp, terms if stop is None else stop(terms))
            exact = [exact_sum(rows[k * n:(k + 1) * n]) for k in range(len(rows) // n)]
            fixed = xp.reshape(xp.asarray(exact, dtype=f64, device=device), sums.shape)
            if stop is not None:  # with the plain sum's derivative: see vector_kernels
                fixed = stop(fixed) + (sums - stop(sums))
            sums = xp.where(doubt, fixed, sums)
        return sums

    def where_from(index: Any, size: int) -> list[Any]:
        # index as gathers: for entry j of the gradient, 1 + the position of the term added
        # to it (0: none), one gather per repetition of an index
        key = (id(index), size)  # one index may be read into gradients of several sizes
        if key not in positions or positions[key][0] is not index:
            layers: list[list[int]] = []
            for position, i in enumerate(int(v) for v in xp.reshape(index, (-1,))):
                layer = next((lay for lay in layers if not lay[i]), None)
                if layer is None:
                    layer = [0] * size
                    layers.append(layer)
                layer[i] = position + 1
            positions[key] = (index, [xp.asarray(lay, device=device) for lay in layers])
        return positions[key][1]

    def scatter_add(g: Any, index: Any, term: Any) -> Any:
        # g[..., index] += term, without writing into g: a gather of term per repetition
        term = array_of(term)
        lead = tuple(term.shape[:max(term.ndim - index.ndim, 0)])
        flat = xp.reshape(xp.broadcast_to(term, (*lead, *index.shape)),
                          (*lead, math.prod(index.shape)))
        padded = xp.concat([xp.zeros((*flat.shape[:-1], 1), dtype=f64, device=device), flat],
                           axis=-1)
        for layer in where_from(index, g.shape[-1]):
            g = g + take_last(padded, layer)
        return g

    def take_last(a: Any, index: Any) -> Any:
        return xp.take(a, index, axis=a.ndim - 1)

    def kinked(doubt: Any, op_param: tuple[Any, Any], args: Sequence[Any], bound: Any) -> Any:
        # the samples (rows) where one of the op's kinks or poles lies within the bound
        op, param = op_param
        reach = TOLERANCE * bound
        # a bound that overflowed and met a slope of 0 is NaN, which no |q| is below: the
        # samples cannot be vouched for (NumPy raises there itself, other libraries do not)
        if bool(reach != reach) if not shape(reach) else bool(xp.any(xp.isnan(reach))):
            raise FloatingPointError("an error bound is not a number")
        for q in critical(op, args, param):
            q = array_of(q)
            # |q| <= reach; for one number as the reach, as two comparisons (no |q| array)
            near = (q <= reach) & (q >= -reach) if not shape(reach) else abs(q) <= reach
            if bool(xp.any(near)):  # rarely: then which samples (0 is on its kink)
                doubt = doubt | xp.any(near, axis=-1)
        return doubt

    def array_of(a: Any) -> Any:
        return as_array(xp, a, device)

    def shape(a: Any) -> tuple[int, ...]:
        return tuple(a.shape) if hasattr(a, "shape") else ()

    return {
        "stack": stack, "checked": checked,
        "cat": cat, "total": total, "rows": lambda a, m, n: xp.reshape(a, (*a.shape[:-1], m, n)),
        "matvec": lambda w, u: (w @ u[..., None])[..., 0],
        "vecmat": lambda g, w: (g[..., None, :] @ w)[..., 0, :],
        "outer": outer, "outer_each": outer_each,
        "spread": lambda g, n: xp.repeat(xp.reshape(array_of(g), (-1,)) if not shape(g) else g,
                                         n, axis=-1),
        "over_batch": lambda t: xp.sum(xp.reshape(t, (-1, t.shape[-1])), axis=0),
        "scatter_add": scatter_add, "add_at": scatter_add, "take": take_last,
        "zeros_like": lambda a: xp.zeros(shape(a), dtype=f64, device=device),
        "full_like": lambda a, x: xp.full(shape(a), x, dtype=f64, device=device),
        "kinked": kinked, "no_doubt": lambda n: xp.zeros(n, dtype=xp.bool, device=device),
        # every row kept (NumPy's kernels drop the samples without a gradient)
        "nonzero_rows": lambda n, grads, values, known=(): (*grads, *values, *known),
        # 0 for the samples near a kink, 1 for the others: all of them, nearly always
        "kept": lambda doubt: 1.0 - xp.astype(doubt[:, None], f64) if bool(xp.any(doubt))
        else 1.0,
        "count": lambda doubt: int(xp.sum(xp.astype(doubt, xp.int64))),
        # sums over a group's members: kept as an axis of 1, or not
        "sums": lambda a: xp.sum(a, axis=-1, keepdims=True),
        "row_sums": lambda a: xp.sum(a, axis=-1),
        "copy": lambda a: xp.asarray(a, copy=True), "flat": lambda a: xp.reshape(a, (-1,)),
        # over a whole batch: the largest |x|, the largest of an error bound's entries, and
        # the largest sum of a row's |entries|
        "largest": lambda x: number(xp.max(abs(array_of(x)))),
        "peak": lambda e: number(xp.max(array_of(e))),
        "row_sizes": lambda m: number(xp.max(xp.sum(abs(m), axis=-1))),
        "finite": finite,
        # an op with no derivative (detach, shift): its value, and no gradient through it
        "constant": (lambda a: a) if stop is None else stop,
    }
