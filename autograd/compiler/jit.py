"""autograd.jit: trace a function once per structure of its arguments, then run it as code.

``step = autograd.jit(fn)``; ``step(*args)`` returns what ``fn(*args)`` returns, as floats,
and adds the gradient of that output (of the sum of the outputs, for a list) into the
``.grad`` of every Value it was computed from, as ``backward()`` would. The first call with
a new structure traces ``fn`` and compiles the graph (its vector code,
``autograd/compiler/vectorized.py``); later calls with the same structure run the compiled code on
the new numbers, without building a single Value.

What is traced, what is static, what is computed at each call and what is refused:

- **Numbers** among the arguments are traced: inputs of the code, another value at every
  call. Python may compute with them but not decide anything by them while tracing (``==``,
  ``in``, a hash, truth, ``int()``, an index or a range bound): TypeError, naming the
  argument. Arguments marked static (``static_argnums``, ``static_argnames``, as in JAX),
  bools, enums, strings, None and other hashable values that are not numbers are
  constants: the cache is keyed by their values, and ``fn`` is traced again for each.
- **Values** passed as arguments (leaves), and the Values ``fn`` reads from elsewhere (a
  model's parameters), are read at every call and get their gradients.
- Values computed under ``no_grad()`` or with ``.detach()`` inside ``fn``, and the shift of
  softmax and log-sum-exp (``autograd.functions.shift``), are **computed again at every
  call**, with no gradient flowing through them (JAX's stop_gradient).
- Python control flow runs once, at trace time, and a number read out of the graph with
  ``.data`` is fixed then. So ``fn`` also runs with Values, and the code must give its
  outputs and gradients (to 1e-9 of their size), at the first call with other numbers and
  at the first with other parameter values (and at the first call of all where a number
  is passed as an int, a Fraction or a float32, which Python computes with in its own
  arithmetic). A function whose code does not (it reads ``.data``, draws random numbers,
  reads other state) is **refused**, with TypeError, then and at every later call with
  that structure. The Values ``fn`` reads from elsewhere are the ones it read when traced:
  rebinding a name to another Value is not seen (as in JAX); jit the function again.
- Where the code cannot vouch for its numbers (NaN or infinity, an error on the way),
  ``fn`` itself runs with Values: the engine's numbers, or its error.
- Under ``no_grad()``, a jitted call computes its outputs only and adds no gradient.
- Inside a function being traced or checked, a jitted function is just ``fn``: part of the
  outer graph.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, overload

from autograd.compiler import backends
from autograd.compiler.compiled import Compiled, Result, compile  # noqa: A004
from autograd.compiler.traced import Traced, refuse
from autograd.core.errors import is_real
from autograd.core.grad_mode import (
    enable_grad,
    is_grad_enabled,
    leaves_made,
    tracing,
    tracing_values,
)
from autograd.engine import Value, add_gradients, grad, toposort
from autograd.ops import FLOAT_MATH, LEAF

Key = tuple[Any, ...]
AGREE = 1e-9  # compiled and eager numbers must agree to this share of their size
# while jit runs a function itself (to check its code, or where the code cannot vouch), a
# jitted function it calls is its plain function too: part of that one graph
_running: ContextVar[bool] = ContextVar("jit_running", default=False)


@overload
def jit(fn: Callable[..., Any], *, static_argnums: int | Iterable[int] = (),
        static_argnames: str | Iterable[str] = (), backend: Any = None) -> Jitted: ...


@overload
def jit(fn: None = None, *, static_argnums: int | Iterable[int] = (),
        static_argnames: str | Iterable[str] = (), backend: Any = None
        ) -> Callable[[Callable[..., Any]], Jitted]: ...


def jit(fn: Callable[..., Any] | None = None, *, static_argnums: int | Iterable[int] = (),
        static_argnames: str | Iterable[str] = (), backend: Any = None) -> Any:
    """``fn`` traced and compiled once per structure of its arguments (see the module);
    without ``fn``, a decorator: ``@jit(static_argnames="training")``. ``backend``: the
    array library its vector code runs on (as ``compile``'s; NumPy by default)."""
    if fn is None:
        return lambda f: Jitted(f, static_argnums, static_argnames, backend)
    return Jitted(fn, static_argnums, static_argnames, backend)


class Jitted:
    """A function compiled per structure of its arguments; ``cache`` maps them to code."""

    def __init__(self, fn: Callable[..., Any], static_argnums: int | Iterable[int] = (),
                 static_argnames: str | Iterable[str] = (), backend: Any = None) -> None:
        if not callable(fn):
            raise TypeError(f"jit needs a function, not {type(fn).__name__}")
        self.fn = fn
        self.backend = backends.resolve(backend)  # None: NumPy
        self.name = getattr(fn, "__name__", repr(fn))
        nums = [static_argnums] if isinstance(static_argnums, int) else list(static_argnums)
        names = [static_argnames] if isinstance(static_argnames, str) else list(static_argnames)
        if not all(type(i) is int and i >= 0 for i in nums):
            raise TypeError(f"static_argnums must be non-negative ints, got {nums!r}")
        if not all(isinstance(n, str) for n in names):
            raise TypeError(f"static_argnames must be strings, got {names!r}")
        self.positional, self.rest, open_names = _parameters(fn)
        for n in names:
            if n not in self.positional and not open_names and n not in self.rest:
                raise ValueError(f"static_argnames: {self.name} has no parameter {n!r}")
        # as in JAX, a static position names its parameter, and a static name its position
        self.static_nums = set(nums) | {self.positional.index(n) for n in names
                                        if n in self.positional}
        self.static_names = set(names) | {self.positional[i] for i in nums
                                          if i < len(self.positional)}
        self.cache: dict[Key, _Traced] = {}
        # its name and docstring; not its __dict__, whose entries could hide these attributes
        functools.update_wrapper(self, fn, updated=())

    def __repr__(self) -> str:
        return f"jit({getattr(self.fn, '__qualname__', self.fn)!r}, {len(self.cache)} traced)"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """fn(*args, **kwargs) as floats; every Value it read gets its gradient in .grad."""
        if tracing.get() or _running.get():  # inside another trace or run: part of its graph
            return self.fn(*args, **kwargs)
        numbers: list[float] = []
        values: list[Value] = []
        seen: dict[int, int] = {}
        key = (tuple(_structure(a, numbers, values, seen, i in self.static_nums, self.argument(i))
                     for i, a in enumerate(args)),
               tuple((k, _structure(kwargs[k], numbers, values, seen, k in self.static_names, k))
                     for k in sorted(kwargs)))
        traced = self.cache.get(key)
        if traced is None:
            traced = self.cache[key] = _Traced(self, args, kwargs)
        return traced.run(args, kwargs, numbers, values)

    def argument(self, i: int) -> str:
        """How positional argument i is named in a message: its parameter's name."""
        if i < len(self.positional):
            return self.positional[i]
        return f"{self.rest or 'args'}[{i - len(self.positional)}]"

    def static(self, i: int | str) -> bool:
        """Whether argument i (a position or a keyword) is static."""
        return i in self.static_nums if isinstance(i, int) else i in self.static_names


def _parameters(fn: Callable[..., Any]) -> tuple[list[str], str, bool]:
    """fn's positional parameters, the name of its *args (or ''), and whether it takes
    **kwargs (then any keyword may be static); a function without a signature takes all."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return [], "", True
    kinds = inspect.Parameter
    positional = [p.name for p in parameters
                  if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
    rest = next((p.name for p in parameters if p.kind is kinds.VAR_POSITIONAL), "")
    return positional, rest, any(p.kind is kinds.VAR_KEYWORD for p in parameters)


def _number(arg: Any) -> bool:
    """Whether an argument is a number, and so an input (a bool or an enum is a flag)."""
    return is_real(arg) and not isinstance(arg, (bool, enum.Enum))


def _structure(arg: Any, numbers: list[float], values: list[Value], seen: dict[int, int],
               static: bool, name: str) -> Any:
    """The structure of an argument (its cache key); its numbers and Values, in order."""
    if static:
        try:
            hash(arg)
        except TypeError:
            raise TypeError(f"jit: static argument {name} must be hashable (it keys the "
                            f"cache), not {type(arg).__name__}") from None
        return ("static", type(arg), arg, repr(arg))  # repr: 0.0 is not -0.0
    if isinstance(arg, Value):
        if arg.op.arity != 0:
            raise ValueError(f"jit: argument {name} must be a leaf, not a computed value (its "
                             "gradient would stop there): pass the leaves it is computed "
                             "from, or compute it inside the function")
        first = seen.setdefault(id(arg), len(values))
        values.append(arg)
        return ("value", first)  # which earlier Value argument it is, if any
    if type(arg) in (list, tuple):
        return (type(arg).__name__, *(_structure(a, numbers, values, seen, False, f"{name}[{k}]")
                                      for k, a in enumerate(arg)))
    if _number(arg):
        numbers.append(float(arg))
        return "number"
    try:
        hash(arg)
    except TypeError:
        raise TypeError(f"jit: argument {name} of type {type(arg).__name__} is neither a "
                        "number, a Value, a list or tuple of them, nor a hashable constant"
                        ) from None
    return ("constant", type(arg), arg, repr(arg))


def _rebuild(arg: Any, static: bool, name: str, inputs: list[Value],
             proxies: dict[int, Value], ints: list[bool]) -> Any:
    """The argument with every number replaced by a new input (a Traced leaf), in order, and
    every Value by a new leaf standing for it (the same one for the same Value): what fn
    reads as an argument is then told apart from what it reads from elsewhere."""
    if static:
        return arg
    if isinstance(arg, Value):
        if id(arg) not in proxies:
            proxies[id(arg)] = Value(arg.data, label=arg.label)
        return proxies[id(arg)]
    if type(arg) in (list, tuple):
        return type(arg)(_rebuild(a, False, f"{name}[{k}]", inputs, proxies, ints)
                         for k, a in enumerate(arg))
    if _number(arg):
        ints[0] = ints[0] or not isinstance(arg, float)  # an int, a Fraction: traced as floats
        inputs.append(Traced(float(arg), f"x{len(inputs) + 1}", name))
        return inputs[-1]
    return arg


@dataclass
class Eager:
    """fn run with Values: its outputs, the leaves it read and their gradients, the largest
    value it computed, and per leaf (by id) the sum of the sizes of its gradient's terms."""

    outs: list[float]
    leaves: list[Value]
    grads: list[Any]
    size: float
    terms: dict[int, float]


def _term_sizes(order: list[Value], roots: list[Value]) -> dict[int, float]:
    """For every value below the roots (in topological order), the sum over the terms its
    gradient adds up of their sizes: |g| of each use times |d use / d value|."""
    sizes = {id(r): 1.0 for r in roots}
    for v in reversed(order):
        g = sizes.get(id(v), 0.0)
        if not g or v.op.arity == 0 or not v.op.differentiable:
            continue
        try:
            ds = v.op.partials(FLOAT_MATH, v.data, [p.data for p in v.parents], v.param)
            if v.op.factor is not None:  # a neuron: through act'(out) first
                g *= abs(v.op.factor(FLOAT_MATH, v.data, v.param))
        except (ArithmeticError, ValueError):
            continue
        for p, d in zip(v.parents, ds):
            sizes[id(p)] = sizes.get(id(p), 0.0) + g * abs(d)
    return sizes


class _Traced:
    """One structure's compiled code, how its parameters are found at each call, and
    whether its numbers were checked against the function's own."""

    def __init__(self, jitted: Jitted, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
        fn, self.name = jitted.fn, jitted.name
        self.fn = fn
        inputs: list[Value] = []
        proxies: dict[int, Value] = {}
        ints = [False]
        rebuilt = [_rebuild(a, jitted.static(i), jitted.argument(i), inputs, proxies, ints)
                   for i, a in enumerate(args)]
        named = {k: _rebuild(kwargs[k], jitted.static(k), k, inputs, proxies, ints)
                 for k in sorted(kwargs)}
        made: list[Value] = []
        try:
            with enable_grad(), tracing_values(refuse), leaves_made(made):
                out = fn(*rebuilt, **named)
        except TypeError as e:
            raise TypeError(f"jit traces {self.name} with Values for its numbers, and it "
                            f"refused: {e}") from None
        self.many = isinstance(out, (list, tuple))
        outputs = list(out) if self.many else [out]
        if not outputs or not all(isinstance(o, Value) for o in outputs):
            raise TypeError("a jitted function must return a Value or a list of Values")
        self.arguments = list(proxies.values())  # each Value argument once, in order
        taken = set(self.arguments) | set(inputs)
        constants = set(made)  # leaves fn made itself: constants of its code
        # the Values fn reads from elsewhere: leaves below the outputs
        self.captured = [v for v in toposort(outputs, cut=taken)
                         if v.op is LEAF and v not in taken and v not in constants]
        self.traced = (outputs, inputs, self.arguments + self.captured)
        self.compiled: Compiled = compile(*self.traced, input_grads=False,
                                          backend=jitted.backend)
        self.forward: Compiled | None = None  # outputs alone, for calls under no_grad
        # the numbers traced at: the code gives the trace's numbers there, fn's unless fn
        # computes with ints (see run)
        self.at = ([v.data for v in inputs], [p.data for p in self.traced[2]])
        # what was checked against fn, with gradients and for outputs alone (see run)
        self.checked: dict[bool, set[str]] = {True: set(), False: set()}
        # a number passed as an int, a Fraction or a float32: Python computes with it in its
        # own arithmetic (an int exactly), the code in floats
        self.ints = ints[0]
        self.refusal = ""

    def run(self, args: Sequence[Any], kwargs: dict[str, Any], numbers: list[float],
            values: list[Value]) -> Any:
        """The outputs at these arguments; gradients added to every leaf read."""
        import numpy as np

        if self.refusal:
            raise TypeError(self.refusal)
        params = list(dict.fromkeys(values)) + self.captured  # as the trace's arguments
        data = [p.data for p in params]
        grads = is_grad_enabled()
        code = self.compiled if grads else self._forward()
        result = code.vouched(numbers, np.array(data, dtype=float))
        # what this call would check that no check has: other numbers, other parameters
        # (a .data read of either is fixed in the code), numbers not passed as floats
        news = {"numbers": numbers != self.at[0], "params": data != self.at[1],
                "ints": self.ints}
        unchecked = {k for k, new in news.items() if new} - self.checked[grads]
        if result is not None and not unchecked:
            outs = [float(o[0]) for o in result.outputs]
            if grads:
                add_gradients(params, result.param_grads.tolist())
        else:  # fn itself: to check the code's numbers, or where it cannot vouch for them
            eager = self._eager(args, kwargs, params, grads)
            if result is not None:
                self._check(result, eager, params, grads)
                self.checked[grads] |= unchecked
                if grads:  # its outputs were checked too
                    self.checked[False] |= unchecked
            outs = eager.outs
            add_gradients(eager.leaves, eager.grads)
        return outs if self.many else outs[0]

    def _forward(self) -> Compiled:
        """The code of the outputs alone (no gradient is taken), made on first use."""
        if self.forward is None:
            outputs, inputs, params = self.traced
            self.forward = compile(outputs, inputs, params, grad_outputs=[0.0] * len(outputs),
                                   input_grads=False, backend=self.compiled.backend)
        return self.forward

    def _eager(self, args: Sequence[Any], kwargs: dict[str, Any], params: list[Value],
               grads: bool) -> Eager:
        """fn's outputs as the engine gives them, the leaves it read (the params first, then
        others it reached, such as values computed under no_grad), their gradients (none
        without grad mode) and how large the numbers behind each are."""
        made: list[Value] = []
        token = _running.set(True)
        try:
            with leaves_made(made), enable_grad():  # a graph, to size what it computes
                out = self.fn(*args, **kwargs)
        finally:
            _running.reset(token)
        outputs = list(out) if isinstance(out, (list, tuple)) else [out]
        if len(outputs) != (len(self.traced[0])) or not all(
                isinstance(o, Value) or is_real(o) for o in outputs):
            raise TypeError(f"jit: {self.name} returned another structure than when it was "
                            f"traced: {out!r:.80}")
        outs = [o.data if isinstance(o, Value) else float(o) for o in outputs]
        roots = [o for o in outputs if isinstance(o, Value)]
        below = toposort(roots)
        size = max((abs(v.data) for v in below if v.data - v.data == 0.0), default=0.0)
        if not grads:
            return Eager(outs, [], [], size, {})
        constants = set(made)
        leaves = list(dict.fromkeys([*params, *(v for v in below if v.op is LEAF
                                                and v not in constants)]))
        gradients = grad(roots, leaves, allow_unused=True) if roots else [0.0] * len(leaves)
        return Eager(outs, leaves, gradients, size, _term_sizes(below, roots))

    def _check(self, result: Result, eager: Eager, params: list[Value], grads: bool) -> None:
        """The code's numbers are fn's own, or TypeError (and every later call refused)."""
        code_outs = [float(o[0]) for o in result.outputs]
        # outputs to the size of the largest value computed, each gradient to the size of
        # the terms it adds up: where they cancel, the orders of addition differ more
        pairs = [(f"output {k}", a, b, eager.size)
                 for k, (a, b) in enumerate(zip(code_outs, eager.outs))]
        if grads:  # each Value the code gives gradients to (fn's others are its own: no_grad)
            code: dict[int, float] = {}  # a Value both passed and read from elsewhere: summed
            for p, g in zip(params, result.param_grads.tolist()):
                code[id(p)] = code.get(id(p), 0.0) + g
            engine = {id(p): float(g) for p, g in zip(eager.leaves, eager.grads)}
            pairs += [(f"the gradient of {p.label or 'a Value'} (parameter {k})", code[id(p)],
                       engine.get(id(p), 0.0), eager.terms.get(id(p), 0.0))
                      for k, p in enumerate(dict.fromkeys(params))]
        for what, a, b, size in pairs:
            if not (a == b or abs(a - b) <= AGREE * max(size, abs(a), abs(b))
                    or (a != a and b != b)):
                self.refusal = (
                    f"jit: the code traced from {self.name} gives {a!r} for {what} where "
                    f"{self.name} itself gives {b!r}: it must read a number out of the graph "
                    "(.data), draw random numbers or read other state, which tracing fixed "
                    "at their first values. Compute with Values (detach() for a constant "
                    "computed from them), pass such numbers as arguments (static ones to "
                    f"branch on them), or call {self.name} without jit")
                raise TypeError(self.refusal)

