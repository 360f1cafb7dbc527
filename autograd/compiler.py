"""autograd.compile: trace a graph once, then run its forward and backward passes as code.

The graph below the outputs is walked once. Every op writes its own line of Python from
its code rule in the op table (``Op.code``): the forward pass in topological order, then
the backward pass in reverse, where each line adds one chain-rule term to a gradient.
The result runs without creating a single Value: on floats (one sample), on lists of
floats (a batch, one sample at a time) or on NumPy arrays (a batch in one pass).
"""

from __future__ import annotations

import builtins
import gc
import itertools
import keyword
import linecache
import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autograd.engine import Value
from autograd.graph import toposort
from autograd.kernels import FLOAT_KERNELS, numpy_kernels
from autograd.ops import CONST, LEAF, Code, literal

CHUNK = 2000  # beyond this many lines, the code is split into functions of this size
_RESERVED = set(FLOAT_KERNELS) | {"inputs", "params", "backprop"}
_ATOM = re.compile(r"[\w.]+|\(-?[\w.]+\)|\w+\([^()]*\)")  # needs no parentheses
_serial = itertools.count(1)


@dataclass
class Result:
    """What a compiled function returns: output values, then gradients."""

    outputs: list[Any]
    input_grads: list[Any]
    param_grads: list[float]


class Compiled:
    """A traced graph as generated Python: call it with new input values."""

    def __init__(self, source: str, inputs: list[Value], params: list[Value],
                 outputs: list[Value]) -> None:
        self.source = source
        self.inputs, self.params, self.outputs = inputs, params, outputs
        filename = f"<autograd.compile #{next(_serial)}>"
        # tracebacks then show the generated line that failed
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        self._code = builtins.compile(source, filename, "exec")
        self._float = self._load(FLOAT_KERNELS)
        self._numpy: Any = None

    def _load(self, kernels: dict[str, Any]) -> Any:
        namespace = dict(kernels)
        exec(self._code, namespace)
        return namespace["backprop"]

    def __repr__(self) -> str:
        return (f"Compiled({len(self.inputs)} inputs, {len(self.params)} params, "
                f"{len(self.outputs)} outputs, {self.source.count(chr(10))} lines)")

    def __call__(self, inputs: Sequence[Any] = (), reduction: str = "mean") -> Result:
        """Outputs and gradients at new input values and the params' current values.

        Each input is a number (one sample), or all are lists of numbers or NumPy arrays
        of the same length (a batch): then outputs and input gradients have one entry per
        sample, and the parameter gradients are reduced over the batch, by ``reduction``
        ("mean" or "sum").
        """
        values = list(inputs)
        if len(values) != len(self.inputs):
            raise ValueError(f"expected {len(self.inputs)} input values, got {len(values)}")
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        p = [q.data for q in self.params]
        if all(_is_number(v) for v in values):
            result = Result(*map(list, self._float([float(v) for v in values], p)))
        else:
            batch = (self._call_numpy if any(type(v).__module__ == "numpy" for v in values)
                     else self._call_lists)
            result, size = batch(values, p)  # parameter gradients summed over the batch
            if reduction == "mean":
                result.param_grads = [g / size for g in result.param_grads]
        _check_finite(result, values, p)
        return result

    def _call_lists(self, values: list[Any], p: list[float]) -> tuple[Result, int]:
        columns = [_numbers(v, i, self.inputs) for i, v in enumerate(values)]
        size = _batch_size([len(c) for c in columns])
        outputs: list[list[float]] = [[] for _ in self.outputs]
        input_grads: list[list[float]] = [[] for _ in self.inputs]
        total = [0.0] * len(p)
        for sample in zip(*columns):
            out, gx, gp = self._float(list(sample), p)
            for column, value in zip(outputs + input_grads, out + gx):
                column.append(value)
            total = list(map(float.__add__, total, gp))
        return Result(outputs, input_grads, total), size

    def _call_numpy(self, values: list[Any], p: list[float]) -> tuple[Result, int]:
        import numpy as np

        arrays = [np.asarray(v, dtype=float) for v in values]
        bad = [i for i, a in enumerate(arrays) if a.ndim > 1]
        if bad:
            raise ValueError(f"input {bad[0]} has shape {arrays[bad[0]].shape}: a batch is one "
                             "1-D array per input")
        size = _batch_size([a.size for a in arrays if a.ndim == 1])
        if self._numpy is None:
            self._numpy = self._load(numpy_kernels())
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out, gx, gp = self._numpy(arrays, p)
        per_sample = [np.array(np.broadcast_to(a, (size,))) for a in (*out, *gx)]
        # a parameter gradient that does not depend on the sample counts once per sample
        sums = [float(np.sum(g)) if np.ndim(g) else float(g) * size for g in gp]
        return Result(per_sample[:len(out)], per_sample[len(out):], sums), size


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _numbers(column: Any, i: int, inputs: list[Value]) -> list[float]:
    if isinstance(column, (str, bytes)) or not isinstance(column, Sequence):
        raise TypeError(f"input {i} ({inputs[i].label or 'unlabelled'}): expected a number, "
                        f"a list of numbers or a NumPy array, got {type(column).__name__}")
    if not all(_is_number(x) for x in column):
        raise TypeError(f"input {i}: a batch must hold only numbers")
    return [float(x) for x in column]


def _batch_size(sizes: list[int]) -> int:
    if not sizes or min(sizes) == 0 or len(set(sizes)) != 1:
        raise ValueError(f"a batch needs inputs of one, non-zero length; got lengths {sizes}")
    return sizes[0]


def _all_finite(items: Sequence[Any]) -> bool:
    for x in items:
        if isinstance(x, (float, int)):
            if not math.isfinite(x):
                return False
        elif isinstance(x, list):
            if not all(map(math.isfinite, x)):
                return False
        elif not __import__("numpy").isfinite(x).all():
            return False
    return True


def _check_finite(result: Result, values: list[Any], p: list[float]) -> None:
    # the eager engine refuses to turn finite numbers into inf or nan; so does compiled code
    if (not _all_finite(result.outputs + result.input_grads + result.param_grads)
            and _all_finite(values) and _all_finite(p)):
        raise FloatingPointError(
            "the compiled graph overflowed: a value or gradient is inf or nan although every "
            "input is finite. Evaluate the graph with Values to see the op that overflows.")


def compile(outputs: Value | Sequence[Value], inputs: Sequence[Value],  # noqa: A001
            params: Sequence[Value] = (), grad_outputs: Sequence[float] | None = None,
            ) -> Compiled:
    """Trace the graph below ``outputs``; return a function of new ``inputs`` values.

    ``params`` are read when the function is called (an optimizer's updates are seen).
    Other leaves are constants, fixed at their value now. Gradients are those of
    sum_k grad_outputs[k] * outputs[k] (by default every weight is 1).
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
    seeds = [1.0] * len(outs) if grad_outputs is None else [float(s) for s in grad_outputs]
    if len(seeds) != len(outs):
        raise ValueError(f"compile: {len(outs)} outputs but {len(seeds)} grad_outputs")
    order = toposort(outs)
    missing = sorted({v.op.name for v in order if v.parents and v.op.code is None})
    if missing:
        raise NotImplementedError(f"compile: no code form for the op(s) {', '.join(missing)}; "
                                  "add a code rule to the op table")
    collecting = gc.isenabled()
    gc.disable()  # writing and compiling allocate millions of objects, none of them cyclic
    try:
        return Compiled(_Writer(order, ins, ps).source(outs, seeds), ins, ps, outs)
    finally:
        if collecting:
            gc.enable()


class _Writer:
    """Writes the source of one graph: names, forward lines, backward lines."""

    def __init__(self, order: list[Value], inputs: list[Value], params: list[Value]) -> None:
        self.order, self.inputs, self.params = order, inputs, params
        free = set(inputs) | set(params)
        # a value needs a gradient when an input or a param lies below it
        self.needs: set[Value] = set()
        for v in order:
            if v in free or any(p in self.needs for p in v.parents):
                self.needs.add(v)
        self.big = 2 * len(order) > CHUNK  # then values live in lists v and g, not locals
        self.ref: dict[Value, str] = {}
        self.grad: dict[Value, str] = {}
        if self.big:
            index = {v: i for i, v in enumerate(order)}
            for v in inputs + params:  # an input the outputs do not use gets a slot too
                index.setdefault(v, len(index))
            self.size = len(index)
            for v, i in index.items():
                self.ref[v], self.grad[v] = f"_v[{i}]", f"_g[{i}]"
        taken: set[str] = set()
        counter = itertools.count(1)
        for prefix, group in (("x", inputs), ("p", params), ("t", order)):
            for i, v in enumerate(group, 1):
                if v.op is CONST or (v.op is LEAF and v not in free):
                    self.ref[v] = literal(v.data)  # a constant, written into the code
                elif v not in self.ref:
                    default = f"t{next(counter)}" if prefix == "t" else f"{prefix}{i}"
                    name = _name(v.label, default, taken)
                    self.ref[v], self.grad[v] = name, f"g_{name}"

    def source(self, outs: list[Value], seeds: list[float]) -> str:
        forward, backward = self._forward(), self._backward(outs, seeds)
        gx = [self.grad[v] if v in self.assigned else "0.0" for v in self.inputs]
        gp = [self.grad[v] if v in self.assigned else "0.0" for v in self.params]
        ret = f"return {_tuple(self.ref[o] for o in outs)}, {_tuple(gx)}, {_tuple(gp)}"
        head = (f"def backprop(inputs, params):\n    \"\"\"{len(self.order)} values; inputs "
                f"{_tuple(self.ref[v] for v in self.inputs)}, params "
                f"{_tuple(self.ref[v] for v in self.params)}.\"\"\"\n")
        if not self.big:
            unpack = [f"{_targets(self.inputs, self.ref)} = inputs",
                      f"{_targets(self.params, self.ref)} = params"]
            lines = [*unpack, "# forward: one line per operation", *forward,
                     "# backward: the chain rule, last operation first; g = g + ... accumulates",
                     *backward, ret]
            return head + "".join(f"    {line}\n" for line in lines)
        parts, calls, body = [], [], forward + backward
        for k in range(0, len(body), CHUNK):
            chunk = body[k:k + CHUNK]
            parts.append(f"def _part{k // CHUNK}(inputs, params, _v, _g):\n"
                         + "".join(f"    {line}\n" for line in chunk))
            calls.append(f"    _part{k // CHUNK}(inputs, params, _v, _g)\n")
        return ("\n".join(parts) + "\n" + head
                + f"    _v = [0.0] * {self.size}\n    _g = [0.0] * {self.size}\n"
                + "".join(calls) + f"    {ret}\n")

    def _forward(self) -> list[str]:
        lines = []
        if self.big:  # inputs and params into their slots; locals are unpacked instead
            lines = [f"{self.ref[v]} = {k}[{i}]" for k, vs in (("inputs", self.inputs),
                     ("params", self.params)) for i, v in enumerate(vs)]
        self.code: dict[Value, Code] = {}  # each op's rule, asked once, read again backward
        for v in self.order:
            if v.parents:
                rule = v.op.code
                assert rule is not None
                code = self.code[v] = rule(self.ref[v], [self.ref[p] for p in v.parents],
                                           v.param)
                lines.append(f"{self.ref[v]} = {code.forward}")
        return lines

    def _backward(self, outs: list[Value], seeds: list[float]) -> list[str]:
        lines: list[str] = []
        self.assigned: set[Value] = set()

        def add(v: Value, term: str) -> None:
            # g = g + term, not g += term: with arrays, += would also change every
            # gradient that is the same array object (g_a = g_b shares it)
            g = self.grad[v]
            lines.append(f"{g} = {g} + {term}" if v in self.assigned else f"{g} = {term}")
            self.assigned.add(v)

        for o, seed in zip(outs, seeds):
            if o in self.needs and seed != 0.0:
                add(o, literal(seed))
        for v in reversed(self.order):
            if v not in self.assigned or not v.parents:
                continue
            code = self.code[v]
            if not self.big:
                lines.append(f"# {self.ref[v]} = {code.forward}")
            g = self.grad[v]
            if code.factor is not None:
                g = f"gz_{self.ref[v]}" if not self.big else "gz"
                lines.append(f"{g} = {self.grad[v]} * {_wrap(code.factor)}")
            for p, partial in zip(v.parents, code.partials):
                if p in self.needs:
                    add(p, g if partial == "1.0" else f"-{g}" if partial == "-1.0"
                        else f"{g} * {_wrap(partial)}")
        return lines


def _name(label: str | None, default: str, taken: set[str]) -> str:
    ok = (label is not None and label.isidentifier() and not keyword.iskeyword(label)
          and label not in _RESERVED and not label.startswith(("g_", "gz", "_")))
    name = label if ok and label else default
    while name in taken or name in _RESERVED:
        name += "_"
    taken.add(name)
    return name


def _targets(values: list[Value], ref: dict[Value, str]) -> str:
    """The left side of an unpacking assignment: 'a, b', 'a,' or '()'."""
    if not values:
        return "()"
    return ", ".join(ref[v] for v in values) + ("," if len(values) == 1 else "")


def _wrap(expr: str) -> str:
    return expr if _ATOM.fullmatch(expr) else f"({expr})"


def _tuple(items: Any) -> str:
    items = list(items)
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
