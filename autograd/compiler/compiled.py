"""autograd.compile: trace a graph once, then run its forward and backward passes as code.

The graph below the outputs is walked once. Every op writes its own line of Python from
its code rule (``autograd.ops.code_rule``): the forward pass in topological order, then
the backward pass in reverse, where each line adds one chain-rule term to a gradient.
The result runs without creating a single Value: on floats (one sample), on lists of
floats (a batch, one sample at a time) or on NumPy arrays (a batch in one pass).

The generated code is a fast path, never a second opinion: whenever it cannot vouch for
the engine's numbers (a NaN or infinity among the inputs, an intermediate that is not a
finite float, an error raised on the way), the sample is evaluated again by the engine
itself, whose numbers or error are returned.
"""

from __future__ import annotations

import builtins
import itertools
import linecache
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.checks import is_number, real
from autograd.compiler import backends, grouping, rolled, trace, vectorized
from autograd.compiler.source import name_for, tuple_of, wrap
from autograd.compiler.trace import Graph, Sample, collector_paused
from autograd.engine import Value
from autograd.kernels import (
    FLOAT_KERNELS,
    as_array,
    floats,
    numpy_kernels,
    numpy_namespace,
    vector_kernels,
)
from autograd.ops import TABLE, Code, code_rule, literal
from autograd.symbolic import unpack

_serial = itertools.count(1)


_FLOAT = {float}


@dataclass
class Result:
    """What a compiled function returns: output values, then gradients."""

    outputs: list[Any]
    input_grads: list[Any]
    param_grads: Any  # floats; a NumPy array when the params were given as one




class Compiled:
    """A traced graph as generated Python: call it with new input values.

    Two programs are written from the graph, each on first use: ``source``, one line per
    operation, runs one sample on floats (the engine's numbers, bit for bit); and
    ``vector_source``, one line per group of isomorphic operations (autograd/compiler/grouping.py),
    runs a batch on NumPy arrays.
    """

    def __init__(self, graph: Graph, backend: Any = None, backward: str = "rules") -> None:
        self.graph = graph
        self.inputs, self.params, self.outputs = graph.inputs, graph.params, graph.outputs
        self.backend = backends.resolve(backend)  # None: as the inputs come
        if backward not in ("rules", "backend"):
            raise ValueError(f"backward must be 'rules' or 'backend', not {backward!r}")
        self.backward = backward  # who differentiates vector code: the table, or the library
        if backward == "backend" and self.backend is not None:
            backends.autograd_of(self.backend)  # refused now where it has none
        self._scalar: tuple[str, Any] | None = None
        self._vectorized: tuple[str, Any] | None = None
        self._on: dict[tuple[str, ...], Any] = {}  # the vector code per library and device
        self._constants: dict[str, Any] = {}  # the arrays it reads: indices, constants
        self._grouped: Any = None
        self._batch: tuple[str | None, Any] | None = None

    @property
    def source(self) -> str:
        """The program that runs one sample on floats: one line per operation."""
        return self._scalar_program()[0]

    def _scalar_program(self) -> tuple[str, Any]:
        if self._scalar is None:
            with collector_paused():
                source = _Writer(self.graph).source()
                self._scalar = source, _load(source, "", dict(FLOAT_KERNELS))
        return self._scalar

    @property
    def vector_source(self) -> str:
        """The NumPy program that runs batches: one line per group of isomorphic values."""
        return self._vector()[0]

    def _grouping(self) -> Any:
        """The graph's groups (autograd/compiler/grouping.py), found on first use."""
        if self._grouped is None:
            with collector_paused():
                self._grouped = grouping.plan(self.graph)
        return self._grouped

    def _vector(self) -> tuple[str, Any]:
        if self._vectorized is None:
            grouped = self._grouping()
            with collector_paused():
                source, namespace = vectorized.program(
                    grouped, [grouped.scalars[o] for o in self.outputs], self.graph.seeds,
                    # the inputs whose gradients it returns: none without input_grads
                    [grouped.scalars[v] for v in self.inputs if self.graph.input_grads],
                    {grouped.scalars[v]: n for v, n in self.graph.names.items()
                     if v in grouped.scalars})
                self._vectorized = source, _load(source, ", vectorized",
                                                 namespace | numpy_kernels())
                self._constants = namespace
        return self._vectorized

    def _program(self, xp: Any, device: Any) -> Any:
        """The vector code's function on this array library and device."""
        if self.backward == "backend":
            return self._differentiated(xp, device)
        return self._rules(xp, device)

    def _rules(self, xp: Any, device: Any) -> Any:
        """The vector code, the op table's rules written as code, on this library."""
        if backends.is_numpy(xp):
            return self._vector()[1]
        key = (xp.__name__, str(device))
        if key not in self._on:
            source = self._vector()[0]
            with collector_paused():
                self._on[key] = _load(source, f", vectorized on {xp.__name__}",
                                      backends.on(xp, self._constants, device)
                                      | vector_kernels(xp, device))
        return self._on[key]

    def _differentiated(self, xp: Any, device: Any) -> Any:
        """The forward code alone, differentiated by the library's own autograd, and checked
        against the rules: the library differentiates the forward functions as it writes
        them (sigmoid's e^-a/(1 + e^-a)^2, asin's 1/sqrt(1 - a^2)), whose floats may not be
        the rules' where a derivative cancels; where they differ by more than 1e-12 of
        their size, the batch is the engine's (FloatingPointError: see _vector_batch)."""
        autograd = backends.autograd_of(xp)
        key = (xp.__name__, str(device), "forward")
        if key not in self._on:
            users = sorted({v.op.name for v in self.graph.order if self.graph.computed(v)
                            and TABLE.get(v.op.name) is not v.op})
            if users:
                raise NotImplementedError(
                    f"backward='backend': {xp.__name__} cannot differentiate the op(s) "
                    f"{', '.join(users)}, whose forward runs on floats; use backward='rules'")
            grouped = self._grouping()
            with collector_paused():
                source, namespace = vectorized.program(
                    grouped, [grouped.scalars[o] for o in self.outputs], self.graph.seeds, [],
                    {grouped.scalars[v]: n for v, n in self.graph.names.items()
                     if v in grouped.scalars}, forward_only=True)
                forward = _load(source, f", forward on {xp.__name__}",
                                backends.on(xp, namespace, device) | vector_kernels(
                                    xp, device, autograd.stop), "forward")
            self._on[key] = autograd.differentiated(forward, self.graph.seeds,
                                                    bool(self.graph.input_grads),
                                                    self._rules(xp, device))
        return self._on[key]

    def __repr__(self) -> str:
        return (f"Compiled({len(self.inputs)} inputs, {len(self.params)} params, "
                f"{len(self.outputs)} outputs, {len(self.graph.order)} values)")

    def __call__(self, inputs: Sequence[Any] = (), reduction: str = "mean",
                 params: Any = None) -> Result:
        """Outputs and gradients at new input values and the params' current values.

        Each input is a number (one sample), or all are lists of numbers or NumPy arrays
        of the same length (a batch): then outputs and input gradients have one entry per
        sample, and the parameter gradients are reduced over the batch, by ``reduction``
        ("mean" or "sum"). Results equal the engine's (``backward`` on the same graph at
        the same values), and so do errors: the engine's own are raised. A batch of arrays
        runs as vector code, whose sums add in another order: equal to 1e-12 of the size
        of what is summed, not bit for bit.

        ``params``, when given, are the parameter values to use instead of the params'
        own (a sequence of numbers, or a NumPy array: then the parameter gradients are an
        array too).
        """
        values = list(inputs)
        if len(values) != len(self.inputs):
            raise ValueError(f"expected {len(self.inputs)} input values, got {len(values)}")
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        result = None
        size = self._float64_batch(values, params)
        if size:  # as a training loop calls it: the vector code, with nothing to convert
            # (where it cannot vouch for the batch, the way below tries again, then the engine)
            theta = self._param_array(sys.modules["numpy"]) if params is None else params
            result = self._vector_batch(values, theta, size, self._sample)
            as_array = params is not None or self.backend is not None
        if result is None:
            xp = backends.namespace_of([*values, params])
            single = all(is_number(v) for v in values)  # one sample, not a batch
            if self.backend is not None:
                if xp is not None and xp.__name__ != self.backend.__name__:
                    raise TypeError(f"this function was compiled for "
                                    f"{self.backend.__name__} arrays, not {xp.__name__}")
                xp = self.backend if not single else xp
            if self.backward == "backend" and xp is not None and not single:
                backends.autograd_of(xp)  # refused where the library has no autograd
            if xp is not None and not backends.is_numpy(xp):
                return self._call_library(xp, values, params, reduction)
            as_array = xp is not None and (type(params).__module__ == "numpy"
                                           or self.backend is not None)
            p = (self._param_array(xp) if params is None and xp is not None and not single
                 else self._param_values(params))
            if single:
                result, size = Result(*self._sample(
                    [real(f"input {i}", v) for i, v in enumerate(values)],
                    list(map(float, p)))), 0
            else:
                batch = self._call_numpy if xp is not None else self._call_lists
                result, size = batch(values, p)  # parameter gradients summed over the batch
        if size and reduction == "mean":  # a batch's: a list, or an array from vector code
            grads: Any = result.param_grads
            result.param_grads = grads / size if not isinstance(grads, list) else [
                g / size for g in grads]
        if not self.graph.input_grads:
            result.input_grads = []  # not taken
        if as_array:
            import numpy as np

            result.param_grads = np.asarray(result.param_grads, dtype=float)
        elif not isinstance(result.param_grads, list):
            result.param_grads = result.param_grads.tolist()
        return result

    def _float64_batch(self, values: list[Any], params: Any) -> int:
        """The batch size when the inputs are 1-D float64 NumPy arrays of one length and
        the params one float64 vector or None (the Values' own), for the vector code as they
        are; else 0."""
        np = sys.modules.get("numpy")
        if np is None or self.backward != "rules" or (
                self.backend is not None and not backends.is_numpy(self.backend)):
            return 0
        first: Any = values[0] if values else None
        size = first.shape[0] if type(first) is np.ndarray and first.ndim == 1 else 0
        shape, f64 = (size,), np.float64
        vector = params is None or (type(params) is np.ndarray and params.dtype == f64
                                    and params.shape == (len(self.params),))
        if not (size and vector and all(type(v) is np.ndarray and v.dtype == f64
                                        and v.shape == shape for v in values)):
            return 0
        return 0 if self._chain_like() else size

    def _param_array(self, np: Any) -> Any:
        """The params' own values (checked as _param_values does) as a NumPy array."""
        values = self._param_values(None)
        return np.fromiter(values, dtype=np.float64, count=len(values))  # floats: as they are

    def _param_values(self, params: Any) -> Any:
        """The params' own values, or the ones given (checked: as many, real numbers)."""
        if params is None:
            values = [p.data for p in self.params]  # (a third of map(attrgetter)'s time)
            if _FLOAT.issuperset(map(type, values)):  # as Values hold them: checked in C
                return values
            return [real(f"param {i}", v) for i, v in enumerate(values)]
        if type(params).__module__ == "numpy":
            import numpy as np

            array = np.asarray(params)
            if array.dtype.kind not in "iuf" or array.shape != (len(self.params),):
                raise TypeError(f"params must be {len(self.params)} real numbers, got an "
                                f"array of {array.dtype} with shape {array.shape}")
            return np.asarray(array, dtype=float)  # read, never written: no copy of floats
        values = list(params)
        if len(values) != len(self.params):
            raise ValueError(f"expected {len(self.params)} param values, got {len(values)}")
        return [real(f"param {i}", v) for i, v in enumerate(values)]

    def _sample(self, x: list[float], p: list[float]) -> Sample:
        """One sample: the generated code where it can vouch for its numbers, else the engine."""
        vouched = self._scalar_sample(x, p)
        return vouched if vouched is not None else self.graph.evaluate(x, p)

    def _scalar_sample(self, x: list[float], p: list[float]) -> Sample | None:
        """One sample by the scalar code, or None where it cannot vouch for its numbers."""
        try:
            out, gx, gp, forward_sum = self._scalar_program()[1](x, p)
        except (ArithmeticError, ValueError):
            return None  # the engine raises its own error, naming the op, or follows IEEE 754
        # the sum of every input, param and value is finite only if each one is: then
        # nothing non-finite was put in and no op overflowed
        if forward_sum - forward_sum != 0.0:
            return None
        return list(out), list(gx), list(gp)

    def _call_lists(self, values: list[Any], p: list[float]) -> tuple[Result, int]:
        columns = [_numbers(v, i, self.inputs) for i, v in enumerate(values)]
        size = _batch_size([len(c) for c in columns])
        program = self._batch_program()
        if program is not None:
            try:
                outs, gxs, gps, hoisted, bad = program(columns, p)
            except (ArithmeticError, ValueError):
                pass  # each sample again below: the engine's own error, naming the op
            else:
                if hoisted - hoisted == 0.0:
                    sums = list(gps)
                    for k in bad:  # the engine's numbers (or error) for these samples
                        out, gx, gp = self.graph.evaluate([c[k] for c in columns], p)
                        for column, x in zip((*outs, *gxs), (*out, *gx)):
                            column[k] = x
                        sums = [a + b for a, b in zip(sums, gp)]
                    return Result(list(outs), list(gxs), sums), size
        return _stack([self._sample(list(sample), p) for sample in zip(*columns)]), size

    def _batch_program(self) -> Any:
        """The program running a batch of floats in one call (None for big graphs)."""
        if self._batch is None:
            with collector_paused():
                source = _Writer(self.graph).batch_source()
                self._batch = (source, None if source is None else
                               _load(source, ", batch", dict(FLOAT_KERNELS)))
        return self._batch[1]

    def vouched(self, x: Sequence[float], params: Any) -> Result | None:
        """One sample's outputs and gradients by the generated code (``params`` an array), or
        None where it cannot vouch for the engine's numbers (a value that is not finite, an
        error on the way): the caller then asks the engine itself. The scalar code answers
        where the vector code cannot (a value near a kink), unless the graph is big and
        grouped: its scalar program, megabytes of source, would cost more than the engine."""
        import numpy as np

        if self._chain_like():  # its scalar code runs in loops
            return self._scalar_result(x, params)
        big = self.graph.big
        sample = _nothing if big else self._scalar_sample
        xp = self.backend
        if xp is None or backends.is_numpy(xp):
            result = self._vector_batch([np.array([v], dtype=float) for v in x], params, 1,
                                        sample)
        else:  # on the library compiled for, then as NumPy arrays: one sample's numbers
            def array(a: Any) -> Any:
                return xp.asarray(a, dtype=xp.float64)
            on = self._vector_batch([array([v]) for v in x], array(np.asarray(params).tolist()),
                                    1, sample, xp)
            result = None if on is None else Result(
                [np.array(floats(xp, a)) for a in on.outputs],
                [np.array(floats(xp, a)) for a in on.input_grads],
                np.array(floats(xp, on.param_grads)))
        return result if result is not None or big else self._scalar_result(x, params)

    def _scalar_result(self, x: Sequence[float], params: Any) -> Result | None:
        """One sample by the scalar code, as the vector code returns it, or None."""
        import numpy as np

        sample = self._scalar_sample(list(map(float, x)), np.asarray(params).tolist())
        if sample is None:
            return None
        out, gx, gp = sample  # as the vector code gives them: an array per output
        return Result([np.array([y]) for y in out],
                      [np.array([g]) for g in gx] if self.graph.input_grads else [],
                      np.array(gp, dtype=float))

    def _chain_like(self) -> bool:
        """A big graph where hardly anything groups (a chain): a NumPy call per value would
        lose to floats, and its source would be huge."""
        return self.graph.big and 2 * len(self._grouping().groups) > len(self.graph.order)

    def _call_numpy(self, values: list[Any], p: Any) -> tuple[Result, int]:
        import numpy as np

        arrays = [_array(np, v, i, self.inputs) for i, v in enumerate(values)]
        sizes = [a.size for a in arrays if a.ndim == 1]
        size = _batch_size(sizes) if sizes else 1  # 0-d arrays alone: one sample
        columns = [a if a.shape == (size,) else np.broadcast_to(a, (size,)) for a in arrays]
        params = np.asarray(p, dtype=float)
        if self._chain_like():
            result, _ = self._call_lists([c.tolist() for c in columns], params.tolist())
            return _as_arrays(np, result), size
        vector = self._vector_batch(columns, params, size, self._sample)
        if vector is not None:
            return vector, size
        return self._call_engine(columns, params.tolist(), size)

    def _vector_batch(self, columns: list[Any], params: Any, size: int,
                      sample: Callable[[list[float], list[float]], Sample | None],
                      xp: Any = None, device: Any = None) -> Result | None:
        """A batch by the vector code, or None where it cannot vouch for every sample; the
        samples it leaves out (a value near a kink, whose branch a sum in another order
        could change) are run by ``sample`` instead (None: the batch is not vouched for).
        Arrays are NumPy's, or ``xp``'s on ``device``."""
        import numpy as np

        on_numpy = xp is None or backends.is_numpy(xp)
        xp = numpy_namespace() if on_numpy else xp
        # every op on arrays that leaves the finite floats raises, as in the engine: in
        # NumPy's error state, or found by the kernels finite and checked
        # (a library on NumPy, as array-api-strict is, warns instead: its results are checked)
        errors = (np.errstate(over="raise", invalid="raise", divide="raise")
                  if on_numpy else np.errstate(all="ignore"))
        try:
            with errors:
                # a sum is finite only where every term is (where a sum of finite numbers
                # overflows, the batch is not vouched for: the engine's then)
                if not all(math.isfinite(xp.sum(a)) for a in (params, *columns)):
                    return None
                out, gx, gp, doubt = self._program(xp, device)(columns, params, size)
                per_sample = [xp.asarray(a if getattr(a, "shape", None) == (size,) else
                                         xp.broadcast_to(as_array(xp, a, device), (size,)),
                                         dtype=xp.float64, copy=True) for a in (*out, *gx)]
                if not all(math.isfinite(xp.sum(a)) for a in (*per_sample, gp)):
                    return None
        except (ArithmeticError, ValueError):
            return None
        outs, gxs = per_sample[:len(out)], per_sample[len(out):]
        near: Any = [] if doubt is None or not xp.any(doubt) else [
            k for k, x in enumerate(floats(xp, xp.broadcast_to(doubt, (size,)))) if x]
        for k in near:
            exact = sample([float(c[k]) for c in columns], floats(xp, params))
            if exact is None:
                return None
            for column, x in zip((*outs, *gxs), (*exact[0], *exact[1])):
                column[k] = x
            gp = gp + xp.asarray(exact[2], dtype=xp.float64, device=device)
        return Result(outs, gxs, gp)

    def _call_library(self, xp: Any, values: list[Any], params: Any, reduction: str) -> Result:
        """A batch on the arrays of another library (Array API): results on its device."""
        device = backends.device_of(xp, [*values, params])
        arrays = [_library_array(xp, v, i, self.inputs, device) for i, v in enumerate(values)]
        sizes = [a.shape[0] for a in arrays if a.ndim == 1]
        size = _batch_size(sizes) if sizes else 1
        columns = [xp.broadcast_to(a, (size,)) for a in arrays]
        if hasattr(params, "shape"):
            if not (xp.isdtype(params.dtype, ("integral", "real floating"))
                    and tuple(params.shape) == (len(self.params),)):
                raise TypeError(f"params must be {len(self.params)} real numbers, got an "
                                f"array of {params.dtype} with shape {tuple(params.shape)}")
            p = xp.astype(backends.Autograd.stop(params), xp.float64)
        else:
            p = xp.asarray(self._param_values(params), dtype=xp.float64, device=device)
        result = None if self._chain_like() else self._vector_batch(
            columns, p, size, self._sample, xp, device)
        if result is None:  # one sample at a time, each vouched for or the engine's
            result = _stack([self._sample([float(c[k]) for c in columns], floats(xp, p))
                             for k in range(size)])

            def array(column: list[float]) -> Any:
                return xp.asarray(column, dtype=xp.float64, device=device)
            result = Result(list(map(array, result.outputs)), list(map(array, result.input_grads)),
                            array(result.param_grads))
        if reduction == "mean":
            result.param_grads = result.param_grads / size
        if not self.graph.input_grads:
            result.input_grads = []
        return result

    def _call_engine(self, columns: list[Any], p: list[float], size: int) -> tuple[Result, int]:
        """A batch one sample at a time, each vouched for or the engine's: as arrays."""
        import numpy as np

        result = _stack([self._sample([float(c[k]) for c in columns], p) for k in range(size)])
        return _as_arrays(np, result), size


def _nothing(x: list[float], p: list[float]) -> None:
    """No sample: where the caller asks the engine itself instead."""


def _as_arrays(np: Any, result: Result) -> Result:
    """Per-sample outputs and input gradients as arrays, as a batch of arrays gets them."""
    result.outputs = [np.array(c, dtype=float) for c in result.outputs]
    result.input_grads = [np.array(c, dtype=float) for c in result.input_grads]
    return result


def _stack(samples: list[Sample]) -> Result:
    """Per-sample results as columns; parameter gradients summed."""
    outputs = [list(c) for c in zip(*(s[0] for s in samples))]
    input_grads = [list(c) for c in zip(*(s[1] for s in samples))]
    sums = [_total(c) for c in zip(*(s[2] for s in samples))]
    return Result(outputs, input_grads, sums)


def _total(terms: Sequence[float]) -> float:
    """The sum, rounded once; IEEE 754's inf or NaN where fsum refuses (inf - inf, overflow)."""
    try:
        return math.fsum(terms)
    except (ValueError, OverflowError):
        return sum(terms)


def _numbers(column: Any, i: int, inputs: list[Value]) -> list[float]:
    if isinstance(column, (str, bytes)) or not isinstance(column, Sequence):
        raise TypeError(f"input {i} ({inputs[i].label or 'unlabelled'}): expected a number, "
                        f"a list of numbers or a NumPy array, got {type(column).__name__}")
    if not all(is_number(x) for x in column):
        raise TypeError(f"input {i}: a batch must hold only numbers")
    return [real(f"input {i}", x) for x in column]


def _library_array(xp: Any, v: Any, i: int, inputs: list[Value], device: Any) -> Any:
    """A batch input as a float64 array of the library ``xp``: real numbers only."""
    if not hasattr(v, "shape"):  # numbers: checked, then put in as float64
        numbers = [real(f"input {i}", v)] if is_number(v) else _numbers(v, i, inputs)
        return xp.asarray(numbers if not is_number(v) else numbers[0], dtype=xp.float64,
                          device=device)
    a = backends.Autograd.stop(v)  # its values: no graph of the library's own is kept
    if not xp.isdtype(a.dtype, ("integral", "real floating")):
        raise TypeError(f"input {i} ({inputs[i].label or 'unlabelled'}): a batch must hold "
                        f"real numbers, not {a.dtype}")
    if a.ndim > 1:
        raise ValueError(f"input {i} has shape {tuple(a.shape)}: a batch is one 1-D array "
                         "per input")
    return xp.astype(a, xp.float64)


def _array(np: Any, v: Any, i: int, inputs: list[Value]) -> Any:
    """A batch input as a float array: integers and floats only (no complex, str, object)."""
    if type(v) is np.ndarray and v.dtype == np.float64 and v.ndim <= 1:
        return v  # as it is: the code never writes its inputs
    a = np.asarray(v)
    if a.dtype.kind not in "iuf":
        raise TypeError(f"input {i} ({inputs[i].label or 'unlabelled'}): a batch must hold "
                        f"real numbers, not NumPy dtype {a.dtype}")
    if a.ndim > 1:
        raise ValueError(f"input {i} has shape {a.shape}: a batch is one 1-D array per input")
    return np.asarray(a, dtype=float)  # no copy of floats: the code never writes its inputs


def _batch_size(sizes: list[int]) -> int:
    if not sizes or min(sizes) == 0 or len(set(sizes)) != 1:
        raise ValueError(f"a batch needs inputs of one, non-zero length; got lengths {sizes}")
    return sizes[0]


def compile(outputs: Value | Sequence[Value], inputs: Sequence[Value],  # noqa: A001
            params: Sequence[Value] = (), grad_outputs: Sequence[float] | None = None,
            names: Mapping[Value, str] | None = None, input_grads: bool = True,
            backend: Any = None, backward: str = "rules") -> Compiled:
    """Trace the graph below ``outputs``; return a function of new ``inputs`` values.

    ``params`` are read when the function is called (an optimizer's updates are seen).
    Other leaves are constants, fixed at their value now. An input or param that was
    itself computed cuts the graph there: its given value is used, not recomputed.
    Gradients are those of sum_k grad_outputs[k] * outputs[k] (by default every weight is 1).
    ``names`` (a model's ``dict((p, n) for n, p in named_parameters())``) says in the vector
    code which module each matrix and bias comes from. With ``input_grads=False`` no
    gradient is taken with respect to the inputs (``Result.input_grads`` is empty): their
    derivatives are not computed, so none can fail (0 ** 0.5 has a value, not a derivative).
    ``backend`` is the array library a batch runs on and comes back in (a module or its
    name: "numpy", "torch", "array_api_strict", "cupy"); by default, the inputs' own.
    ``backward="backend"`` lets a library with its own autograd (PyTorch) differentiate the
    forward code instead of running the op table's derivative rules as code ("rules").
    """
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    ins, ps = list(inputs), list(params)
    for what, group in (("outputs", outs), ("inputs", ins), ("params", ps)):
        for v in group:
            if not isinstance(v, Value):
                raise TypeError(f"compile: {what} must be Values, not {type(v).__name__}")
    if not outs:
        raise ValueError("compile: no outputs")
    if len(set(ins + ps)) != len(ins) + len(ps):
        raise ValueError("compile: a Value appears twice among the inputs and params")
    seeds = ([1.0] * len(outs) if grad_outputs is None
             else [real("grad_outputs", s) for s in grad_outputs])
    if len(seeds) != len(outs):
        raise ValueError(f"compile: {len(outs)} outputs but {len(seeds)} grad_outputs")
    given = dict(names or {})
    if not all(isinstance(v, Value) and isinstance(n, str) for v, n in given.items()):
        raise TypeError("compile: names must map Values to strings")
    with collector_paused():
        graph = Graph(outs, ins, ps, seeds, given, input_grads)
    missing = sorted({v.op.name for v in graph.order
                      if graph.computed(v) and code_rule(v.op) is None})
    if missing:
        raise NotImplementedError(f"compile: no code form for the op(s) {', '.join(missing)}; "
                                  "add a code rule to the op table")
    return Compiled(graph, backend, backward)


def _load(source: str, kind: str, namespace: dict[str, Any], name: str = "backprop") -> Any:
    """The function ``name`` that ``source`` defines, run in ``namespace``."""
    filename = f"<autograd.compile #{next(_serial)}{kind}>"
    # tracebacks then show the generated line that failed
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(builtins.compile(source, filename, "exec"), namespace)
    return namespace[name]


class _Writer:
    """Writes the source of one graph: names, forward lines, backward lines."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        order, inputs, params = graph.order, graph.inputs, graph.params
        # a value needs a gradient when a param (or an input) lies below it through ops with
        # derivatives, or it is one
        self.needs = graph.differentiated()
        self.reached = self._reached()
        self.big = graph.big  # then values live in lists v and g, not locals
        self.ref: dict[Value, str] = {}
        self.grad: dict[Value, str] = {}
        if self.big:
            index = {v: i for i, v in enumerate(order)}
            for v in inputs + params:  # an input the outputs do not use gets a slot too
                index.setdefault(v, len(index))
            self.size = len(index)
            self.slot = index
            for v, i in index.items():
                self.ref[v], self.grad[v] = f"_v[{i}]", f"_g[{i}]"
        taken: set[str] = set()
        counter = itertools.count(1)
        for prefix, group in (("x", inputs), ("p", params), ("t", order)):
            for i, v in enumerate(group, 1):
                if v in graph.constants:
                    self.ref[v] = literal(graph.constants[v])  # written into the code
                elif v not in self.ref:
                    default = f"t{next(counter)}" if prefix == "t" else f"{prefix}{i}"
                    name = name_for(v.label, default, taken)
                    self.ref[v], self.grad[v] = name, f"g_{name}"

    def source(self) -> str:
        """The whole program: the passes below, assembled."""
        graph = self.graph
        codes = self._rules()
        loops = self._loops(codes) if self.big else {}
        forward = self._forward(codes, loops)
        backward, assigned = self._backward(codes, loops=loops)
        gx = [self.grad[v] if v in assigned else "0.0" for v in graph.inputs]
        gp = [self.grad[v] if v in assigned else "0.0" for v in graph.params]
        ret = (f"return {tuple_of(self.ref[o] for o in graph.outputs)}, {tuple_of(gx)}, "
               f"{tuple_of(gp)}, _s")
        head = (f"def backprop(inputs, params):\n    \"\"\"{len(graph.order)} values; inputs "
                f"{tuple_of(self.ref[v] for v in graph.inputs)}, params "
                f"{tuple_of(self.ref[v] for v in graph.params)}.\"\"\"\n")
        if not self.big:
            checked = dict.fromkeys(self.ref[v] for v in (*graph.inputs, *graph.params,
                                                          *codes))
            unpack = [f"{_targets(graph.inputs, self.ref)} = inputs",
                      f"{_targets(graph.params, self.ref)} = params"]
            lines = [*unpack, "# forward: one line per operation",
                     *(line for unit in forward for line in unit),
                     "# all finite? (a sum of floats is finite only if each term is)",
                     f"_s = _sum({tuple_of(checked)})",
                     "# backward: the chain rule, last operation first; g = g + ... accumulates",
                     *(line for unit in backward for line in unit), ret]
            return head + "".join(f"    {line}\n" for line in lines)
        parts: list[str] = []
        calls: list[str] = []
        for chunk in itertools.chain(_chunks(forward), [None], _chunks(backward)):
            if chunk is None:  # every input, param and value is in _v by now
                calls.append("    _s = _sum(_v)\n")
                continue
            k = len(parts)
            parts.append(f"def _part{k}(inputs, params, _v, _g):\n"
                         + "".join(f"    {line}\n" for line in chunk))
            calls.append(f"    _part{k}(inputs, params, _v, _g)\n")
        return ("\n".join(parts) + "\n" + head
                + f"    _v = [0.0] * {self.size}\n    _g = [-0.0] * {self.size}\n"
                + "".join(calls) + f"    {ret}\n")

    def _rules(self) -> dict[Value, Code]:
        """Each computed value's op as code, asked of its rule once, in topological order."""
        codes = {}
        for v in self.graph.order:
            if self.graph.computed(v):
                rule = code_rule(v.op)
                assert rule is not None
                codes[v] = rule(self.ref[v], [self.ref[p] for p in v.parents], v.param)
        return codes

    def _reached(self) -> set[Value]:
        """The values whose gradient the backward pass writes: those below an output with a
        weight other than 0, on a path of values that need a gradient."""
        reached = {o for o, s in zip(self.graph.outputs, self.graph.seeds)
                   if s != 0.0 and o in self.needs}
        for v in reversed(self.graph.order):
            if v in reached and self.graph.computed(v):
                reached.update(p for p in v.parents if p in self.needs)
        return reached

    def _loops(self, codes: dict[Value, Code]) -> dict[Value, tuple[rolled.Run, list[Value]]]:
        """Each value in a repeating run (autograd/compiler/rolled.py): the run and its values."""
        values = list(codes)
        found = rolled.runs(values, self.slot, self.ref, self.needs, set(codes), self.reached)
        at = {self.slot[v]: v for v in values}
        loops: dict[Value, tuple[rolled.Run, list[Value]]] = {}
        for run in found:
            members = [at[k] for k in range(run.base, run.end)]
            loops.update((v, (run, members)) for v in members)
        return loops

    def _forward(self, codes: dict[Value, Code],
                 loops: dict[Value, tuple[rolled.Run, list[Value]]] | None = None,
                 ) -> list[list[str]]:
        """One line per op (a unit each), or one loop per repeating run; in the split
        layout, inputs and params first."""
        units = []
        if self.big:  # inputs and params into their slots; locals are unpacked instead
            units = [[f"{self.ref[v]} = {k}[{i}]"] for k, vs in (
                ("inputs", self.graph.inputs), ("params", self.graph.params))
                for i, v in enumerate(vs)]
        for v, code in codes.items():
            if loops and v in loops:
                run, members = loops[v]
                if self.slot[v] == run.base:
                    units.append(rolled.forward(run, members[:run.period], self.slot,
                                                self.ref, set(codes)))
                continue
            units.append([f"{self.ref[v]} = {code.forward}"])
        return units

    def _backward(self, codes: dict[Value, Code], values: list[Value] | None = None,
                  assigned: set[Value] | None = None,
                  seeds: list[tuple[Value, str]] | None = None,
                  loops: dict[Value, tuple[rolled.Run, list[Value]]] | None = None,
                  ) -> tuple[list[list[str]], set[Value]]:
        """One unit of lines per op of ``values`` (default all; its locals defined and used
        within), or one loop per repeating run, and the values whose gradient was written
        (or is ``assigned`` already). ``seeds`` are the outputs' gradients (default the
        graph's grad_outputs)."""
        units: list[list[str]] = []
        assigned = set() if assigned is None else assigned
        if seeds is None:
            seeds = [(o, literal(s)) for o, s in zip(self.graph.outputs, self.graph.seeds)
                     if s != 0.0]

        def add(lines: list[str], v: Value, term: str) -> None:
            # g = g + term, not g += term: with arrays, += would also change every
            # gradient that is the same array object (g_a = g_b shares it)
            g = self.grad[v]
            lines.append(f"{g} = {g} + {term}" if v in assigned else f"{g} = {term}")
            assigned.add(v)

        seeded: list[str] = []
        for o, seed in seeds:
            if o in self.needs:
                add(seeded, o, seed)
        units.append(seeded)
        for v in reversed(list(codes) if values is None else values):
            if loops and v in loops:  # gradients start at -0.0 there: the loop adds to them
                run, members = loops[v]
                if self.slot[v] == run.end - 1:
                    units.append(rolled.backward(run, members[:run.period], self.slot,
                                                 self.ref, self.needs, set(codes), wrap,
                                                 self.reached))
                    assigned.update(p for u in members if u in self.reached
                                    for p in u.parents if p in self.needs)
                continue
            if v not in assigned:
                continue
            code, g = codes[v], self.grad[v]
            lines = [] if self.big else [f"# {self.ref[v]} = {code.forward}"]
            if code.factor is not None:  # through the activation first, as the engine goes
                gz = f"gz_{self.ref[v]}" if not self.big else "gz"
                lines.append(f"{gz} = {g} * {wrap(code.factor)}")
                g = gz
            for p, d in zip(v.parents, code.partials):
                if p in self.needs:
                    add(lines, p, g if d == "1.0" else f"-{g}" if d == "-1.0"
                        else f"{g} * {wrap(d)}")
            units.append(lines)
        return units, assigned

    def batch_source(self) -> str | None:
        """A program running a whole batch on floats, one sample after another (None for
        the split layout of big graphs).

        What does not depend on the sample (the parameters' own terms, such as an L2
        penalty) is computed once, before the loop over samples, and its backward pass runs
        once, after it, from gradients summed over the samples. A sample whose values are not
        all finite is left to the engine: its index is returned in ``_bad``.
        """
        if self.big:
            return None
        graph, ref = self.graph, self.ref
        codes = self._rules()
        varying = graph.above(set(graph.inputs))
        hoisted = [v for v in codes if v not in varying]
        looped = [v for v in codes if v in varying]
        summed = [v for v in (*graph.params, *hoisted) if v in self.needs]
        pairs = [(o, s) for o, s in zip(graph.outputs, graph.seeds) if s != 0.0]
        loop, assigned = self._backward(codes, looped, set(summed),
                                        [(o, literal(s)) for o, s in pairs if o in varying])
        after, assigned = self._backward(codes, hoisted, assigned, [
            (o, f"{literal(s)} * _n") for o, s in pairs if o not in varying])
        outs = [f"_o{i}" for i in range(len(graph.outputs))]
        gxs = [f"_gx{i}" for i in range(len(graph.inputs))]
        body = [*(f"{ref[v]} = {codes[v].forward}" for v in looped),
                f"_s = _sum({tuple_of(ref[v] for v in (*graph.inputs, *looped))})",
                "if _s - _s != 0.0:  # not all finite: the engine's numbers, or its error",
                "    _bad.append(_k)", "    for _list in _lists:", "        _list.append(0.0)",
                "    continue", *(line for unit in loop for line in unit),
                *(f"{o}.append({ref[v]})" for o, v in zip(outs, graph.outputs)),
                *(f"{g}.append({self.grad[v] if v in assigned else '0.0'})"
                  for g, v in zip(gxs, graph.inputs))]
        gp = [self.grad[v] if v in assigned else "0.0" for v in graph.params]
        lines = [f"{_targets(graph.params, ref)} = params",
                 "# once: what does not depend on the sample",
                 *(f"{ref[v]} = {codes[v].forward}" for v in hoisted),
                 f"_h = _sum({tuple_of(ref[v] for v in (*graph.params, *hoisted))})",
                 "# gradients summed over the samples",
                 *(f"{self.grad[v]} = 0.0" for v in summed),
                 f"_lists = {tuple_of('[]' for _ in outs + gxs)}",
                 f"{unpack(outs + gxs)} = _lists",
                 "_bad = []",
                 f"for _k, ({_targets(graph.inputs, ref)}) in enumerate(zip(*inputs)):",
                 *(f"    {line}" for line in body),
                 "_n = _k + 1 - len(_bad)  # the samples whose gradients were summed here",
                 *(line for unit in after for line in unit),
                 f"return {tuple_of(outs)}, {tuple_of(gxs)}, {tuple_of(gp)}, _h, _bad"]
        return ("def backprop(inputs, params):\n"
                f"    \"\"\"A batch of {len(graph.order)} values per sample.\"\"\"\n"
                + "".join(f"    {line}\n" for line in lines))


def _chunks(units: list[list[str]]) -> list[list[str]]:
    """Units of lines packed into functions of about trace.CHUNK lines, never splitting a
    unit."""
    chunks: list[list[str]] = [[]]
    for unit in units:
        if chunks[-1] and len(chunks[-1]) + len(unit) > trace.CHUNK:
            chunks.append([])
        chunks[-1].extend(unit)
    return [c for c in chunks if c]


def _targets(values: list[Value], ref: dict[Value, str]) -> str:
    """The left side of an assignment unpacking these values: 'a, b', 'a,' or '()'."""
    return unpack([ref[v] for v in values])
