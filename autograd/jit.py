"""autograd.jit: trace a function once per structure of its arguments, then run it as code.

``step = autograd.jit(fn)``; ``step(*args)`` returns what ``fn(*args)`` returns, as floats,
and adds the gradient of that output into the ``.grad`` of every Value it was computed
from, as ``output.backward()`` would. The first call with a new structure traces ``fn``
and compiles the graph (its vector code, ``autograd/vectorized.py``); later calls with the
same structure run the compiled code on the new numbers, without building a single Value.

The structure, and so the cache key, is cheap to compute from the arguments alone: how
lists and tuples nest and how long they are, where numbers and where Values stand (and
which Values are the same object), and the value of anything else (a string, None, a
bool), which the function may branch on. Numbers are inputs: their values may change from
call to call. Value arguments and the Values ``fn`` reads from elsewhere (a model's
parameters) are read at each call and get their gradients.

As in JAX, Python control flow runs once, at trace time. A branch on a Value refuses to
trace (TypeError); but a number read out of the graph with ``.data`` (microgpt's
``max(v.data for v in logits)``) is frozen into the code as a constant, and every later
call with the same structure uses that constant. A function whose graph depends on
anything other than its arguments' structure must not be jitted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from autograd.compiler import Compiled, compile  # noqa: A004
from autograd.engine import Value
from autograd.grad_mode import enable_grad, tracing, tracing_values
from autograd.graph import toposort
from autograd.nodes import is_real
from autograd.ops import LEAF

Key = tuple[Any, ...]


def jit(fn: Callable[..., Any]) -> Jitted:
    """``fn`` traced and compiled once per structure of its arguments (see the module)."""
    return Jitted(fn)


class Jitted:
    """A function compiled per structure of its arguments; ``cache`` maps them to code."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        if not callable(fn):
            raise TypeError(f"jit needs a function, not {type(fn).__name__}")
        self.fn = fn
        self.cache: dict[Key, _Traced] = {}
        functools.update_wrapper(self, fn)

    def __repr__(self) -> str:
        return f"jit({getattr(self.fn, '__qualname__', self.fn)!r}, {len(self.cache)} traced)"

    def __call__(self, *args: Any) -> Any:
        """fn(*args) as floats; every Value it read gets its gradient added to .grad."""
        if tracing.get():  # called while another function is traced: part of that graph
            return self.fn(*args)
        numbers: list[float] = []
        values: list[Value] = []
        key = _structure(args, numbers, values, {})
        traced = self.cache.get(key)
        if traced is None:
            traced = self.cache[key] = _Traced(self.fn, args, len(numbers))
        return traced.run(numbers, values)


def _number(arg: Any) -> bool:
    """Whether an argument is a number, and so an input (a bool is a constant flag)."""
    return is_real(arg) and not isinstance(arg, bool)


def _structure(arg: Any, numbers: list[float], values: list[Value],
               seen: dict[int, int]) -> Any:
    """The structure of an argument (its cache key); its numbers and Values, in order."""
    if isinstance(arg, Value):
        if arg.op.arity != 0:
            raise ValueError("jit: a Value argument must be a leaf, not a computed value (its "
                             "gradient would stop there): pass the leaves it is computed "
                             "from, or compute it inside the function")
        first = seen.setdefault(id(arg), len(values))
        values.append(arg)
        return ("value", first)  # which earlier Value argument it is, if any
    if type(arg) in (list, tuple):
        return (type(arg).__name__, *(_structure(a, numbers, values, seen) for a in arg))
    if _number(arg):
        numbers.append(float(arg))
        return "number"
    try:
        hash(arg)
    except TypeError:
        raise TypeError(f"jit: an argument of type {type(arg).__name__} is neither a number, "
                        "a Value, a list or tuple of them, nor a hashable constant") from None
    return ("constant", type(arg), arg)


def _rebuild(arg: Any, inputs: list[Value], proxies: dict[int, Value]) -> Any:
    """The arguments with every number replaced by a new input Value, in order, and every
    Value by a new leaf standing for it (the same one for the same Value): what fn reads
    as an argument is then told apart from what it reads from elsewhere."""
    if isinstance(arg, Value):
        if id(arg) not in proxies:
            proxies[id(arg)] = Value(arg.data, label=arg.label)
        return proxies[id(arg)]
    if type(arg) in (list, tuple):
        return type(arg)(_rebuild(a, inputs, proxies) for a in arg)
    if _number(arg):
        inputs.append(Value(float(arg), label=f"x{len(inputs) + 1}"))
        return inputs[-1]
    return arg


class _Traced:
    """One structure's compiled code, and how its parameters are found at each call."""

    def __init__(self, fn: Callable[..., Any], args: Sequence[Any], count: int) -> None:
        inputs: list[Value] = []
        proxies: dict[int, Value] = {}
        rebuilt = _rebuild(args, inputs, proxies)
        try:
            with enable_grad(), tracing_values():
                out = fn(*rebuilt)
        except TypeError as e:
            raise TypeError(f"jit traces {getattr(fn, '__name__', fn)} with Values for its "
                            f"numbers, and it refused: {e}") from None
        self.many = isinstance(out, (list, tuple))
        outputs = list(out) if self.many else [out]
        if not outputs or not all(isinstance(o, Value) for o in outputs):
            raise TypeError("a jitted function must return a Value or a list of Values")
        self.arguments = list(proxies.values())  # each Value argument once, in order
        taken = set(self.arguments) | set(inputs)
        # the Values fn reads from elsewhere: leaves below the outputs (not constants)
        self.captured = [v for v in toposort(outputs, cut=taken)
                         if v.op is LEAF and v not in taken]
        self.compiled: Compiled = compile(outputs, inputs, self.arguments + self.captured)
        assert len(inputs) == count

    def run(self, numbers: list[float], values: list[Value]) -> Any:
        """The outputs at these numbers and Values; gradients added to every leaf read."""
        import numpy as np

        params = list(dict.fromkeys(values)) + self.captured  # as the trace's arguments
        data = np.array([p.data for p in params], dtype=float)
        result = self.compiled.one(numbers, data)
        for p, g in zip(params, np.asarray(result.param_grads).tolist()):
            p.grad += g
        outs = [float(o[0]) for o in result.outputs]
        return outs if self.many else outs[0]
