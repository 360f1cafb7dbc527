"""Module, Neuron, Layer, MLP and Sequential: networks of Values, with named parameters."""

from __future__ import annotations

import json
import math
import operator
import os
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from autograd import Value, checks, zero_grad
from autograd.engine import RowCache, weighted_rows
from autograd.files import regular_file_mode, write_atomically
from autograd.functions import FUSABLE
from autograd.ops import DOT, NEURON
from autograd.primitives import PRIMITIVES

Input = Sequence[Value | float]
Output = Value | list[Value]

def linear(v: Value) -> Value:
    """The identity: a neuron without an activation."""
    return v


# the nonlinearities of the table a neuron applies, each a Value method of its name, and the
# identity
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    name: getattr(Value, name) for name in ("tanh", "sigmoid", "relu", "leaky_relu",
                                            "softplus")} | {"linear": linear}


def activations() -> dict[str, Callable[[Value], Value]]:
    """The activations a neuron takes by name: ACTIVATIONS, and every one-argument op
    defined with autograd.primitive (without a parameter), by its name."""
    return ACTIVATIONS | {name: f for name, f in PRIMITIVES.items()
                          if f.op.arity == 1 and f.op.param is None}

# Weight initialisations: a draw from rng for a neuron with fan_in inputs in a layer of
# fan_out neurons. Glorot keeps the variance of activations and of gradients near 1 across
# tanh layers: Var(w) = 2 / (fan_in + fan_out); He does so for ReLU: Var(w) = 2 / fan_in.
# A uniform(-a, a) draw has variance a^2 / 3.
INITS: dict[str, Callable[[random.Random, int, int], float]] = {
    "uniform": lambda rng, fan_in, fan_out: rng.uniform(-1.0, 1.0),  # micrograd's
    "xavier": lambda rng, fan_in, fan_out: (
        rng.uniform(-1.0, 1.0) * math.sqrt(6.0 / (fan_in + fan_out))),
    "xavier_normal": lambda rng, fan_in, fan_out: (
        rng.gauss(0.0, math.sqrt(2.0 / (fan_in + fan_out)))),
    "he": lambda rng, fan_in, fan_out: rng.uniform(-1.0, 1.0) * math.sqrt(6.0 / fan_in),
    "he_normal": lambda rng, fan_in, fan_out: rng.gauss(0.0, math.sqrt(2.0 / fan_in)),
    # PyTorch's default for Linear and RNN: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in))
    "torch": lambda rng, fan_in, fan_out: rng.uniform(-1.0, 1.0) / math.sqrt(fan_in),
    # all zero: for demos.init's lesson only. Every neuron of a layer then computes the same
    # value and gets the same gradient, so the neurons stay copies of each other for ever
    "zeros": lambda rng, fan_in, fan_out: 0.0,
}

FORMAT = "chainrule.state_dict"


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing what json.load accepts silently: repeated keys, NaN, infinity."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"duplicate key {key!r}")
        if isinstance(value, float) and not math.isfinite(value):  # NaN, Infinity, 1e999
            raise ValueError(f"{key!r} is not a finite number (NaN, Infinity, or too large "
                             f"for a float)")
        found[key] = value
    return found


class Module:
    """Base class: parameters are found in the attributes, in the order they were set."""

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(dotted name, parameter) pairs, e.g. ``layers.0.neurons.3.w.1``."""
        for name, attr in vars(self).items():
            yield from _named(attr, prefix + name)

    def parameters(self) -> list[Value]:
        """Every trainable Value, in a fixed order (micrograd's: weights, then bias)."""
        if type(self).named_parameters is not Module.named_parameters:  # a module's own
            return [p for _, p in self.named_parameters()]
        found: list[Value] = []
        _collect(vars(self).values(), found)  # named_parameters' walk, without the names
        return found

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to 0.0."""
        zero_grad(self.parameters())

    def num_parameters(self) -> int:
        """How many scalar parameters the module has."""
        return len(self.parameters())

    def state_dict(self) -> dict[str, float]:
        """Parameter values by name, ready for JSON."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from ``state``; on any problem raise ValueError, change nothing.

        Values are converted and checked first, then all assigned. NaN and infinity are
        copied as they are (a diverged model's ``state_dict()`` loads back), as in PyTorch.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a mapping of names to numbers, not "
                            f"{type(state).__name__}")
        params = dict(self.named_parameters())
        problems = [f"missing: {name}" for name in params if name not in state]
        problems += [f"unexpected: {name}" for name in state if name not in params]
        values: dict[str, float] = {}
        for name, value in state.items():
            if name not in params:
                continue
            try:
                values[name] = checks.real(name, value)
            except checks.NumberTypeError:
                problems.append(f"not a number: {name} = {value!r:.60}")
            except ValueError:  # an int or Fraction beyond 1.8e308; not shown: 401 digits
                problems.append(f"too large for a float: {name}")
        if problems:
            shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more"
                                                if len(problems) > 10 else "")
            raise ValueError(f"state does not match {type(self).__name__} "
                             f"({len(problems)} problems): {shown}")
        for name, p in params.items():
            p.data = values[name]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to a JSON file, atomically: a crash or error leaves the old file.

        The file is strict JSON, which has no NaN or infinity, so a model with a non-finite
        parameter is refused (ValueError naming them). A symlink is written through, an
        existing file keeps its permission bits; a directory (IsADirectoryError) or another
        file that is not a regular one, such as a fifo or a device (ValueError), is refused.
        """
        state = self.state_dict()
        bad = [f"{name} = {x}" for name, x in state.items() if not math.isfinite(x)]
        if bad:
            raise ValueError(f"cannot save {type(self).__name__}: {len(bad)} parameters are not "
                             f"finite: {', '.join(bad[:10])}{' ...' if len(bad) > 10 else ''}")
        document = {"format": FORMAT, "version": 1, "module": type(self).__name__,
                    "parameters": state}
        write_atomically([(path, json.dumps(document, indent=1, allow_nan=False))])

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters written by ``save``; a bad file raises and changes nothing.

        The file must be a regular file of strict JSON (UTF-8, no NaN or Infinity, no number
        too large for a float, no duplicate keys), else ValueError; a directory raises
        IsADirectoryError and a missing file FileNotFoundError.
        """
        regular_file_mode(path)  # a fifo would block open(), /dev/zero never end
        try:
            with open(path, encoding="utf-8") as f:
                document = json.load(f, object_pairs_hook=_json_object)
        except (ValueError, RecursionError) as e:  # decoding, hooks, int digits; deep nesting
            raise ValueError(f"{os.fspath(path)} is not a chainrule model file: {e}") from None
        if not (isinstance(document, dict) and document.get("format") == FORMAT
                and isinstance(document.get("parameters"), dict)):
            raise ValueError(f"{os.fspath(path)} is not a chainrule model file "
                             f"(expected a JSON object with format {FORMAT!r} and parameters)")
        self.load_state_dict(document["parameters"])

    def extra_repr(self) -> str:
        """What the module's one-line description shows besides its parameter count."""
        return ""

    def children(self) -> list[tuple[str, Module]]:
        """Sub-modules shown as branches of the printed tree."""
        found = []
        for name, attr in vars(self).items():
            if isinstance(attr, Module):
                found.append((name, attr))
            elif isinstance(attr, list) and attr and all(isinstance(m, Module) for m in attr):
                found.extend((f"{name}.{i}", m) for i, m in enumerate(attr))
        return found

    def __repr__(self) -> str:
        extra = self.extra_repr()
        head = f"{type(self).__name__}({extra + ', ' if extra else ''}"
        head += f"{self.num_parameters()} parameters)"
        lines = [head]
        for name, child in self.children():
            lines += [f"  ({name}): " + "\n  ".join(repr(child).splitlines())]
        return "\n".join(lines)


def _collect(attrs: Iterable[Any], found: list[Value]) -> None:
    for attr in attrs:
        if isinstance(attr, Value):
            found.append(attr)
        elif isinstance(attr, Module):
            found += attr.parameters()
        elif isinstance(attr, (list, tuple)):
            _collect(attr, found)


def _named(attr: Any, name: str) -> Iterator[tuple[str, Value]]:
    if isinstance(attr, Value):
        yield name, attr
    elif isinstance(attr, Module):
        yield from attr.named_parameters(name + ".")
    elif isinstance(attr, (list, tuple)):
        for i, item in enumerate(attr):
            yield from _named(item, f"{name}.{i}")


class Neuron(Module):
    """activation(b + sum_i w_i x_i), one ``neuron`` node (or ``dot`` and the activation).

    fused=False builds the sum as micrograd writes it, b + w_1 x_1 + ..., which the engine
    keeps as one dot node (drawn as micrograd's 2n small nodes, see autograd.draw).
    ``init`` names one of INITS; ``init="zeros"`` is there to show why nobody uses it: every
    neuron of a layer gets the same gradient and never becomes different from the others.
    ``activation`` and ``fused`` are fixed once the neuron is made.
    """

    def __init__(self, nin: int, activation: str | None = None, init: str = "uniform",
                 fused: bool = True, rng: random.Random | None = None, fan_out: int = 1,
                 nonlin: bool | None = None) -> None:
        nin = checks.integer("nin (the neuron's inputs)", nin, 1)
        if activation is None:  # micrograd's Neuron(nin, nonlin=True) is a ReLU neuron
            activation = "linear" if nonlin is False else "relu"
        elif nonlin is not None:
            raise ValueError("give either activation or micrograd's nonlin, not both")
        self._activate: Callable[[Value], Value] = checks.one_of("activation", activation,
                                                                 activations())
        draw = checks.one_of("init", init, INITS)
        source: Any = rng or random  # the global generator, as micrograd, unless given
        self.w = [Value(draw(source, nin, fan_out)) for _ in range(nin)]
        self.b = Value(0.0)
        self._activation, self._fused = activation, bool(fused)
        # the node a fused neuron makes: act(b + w·x) as one NEURON node where act is fusable,
        # else a DOT node that the activation is applied to
        self._act = FUSABLE.get(activation)
        self._op = NEURON if self._act is not None else DOT
        # what Layer reads to make the nodes of alike neurons at once; None: call each
        self._kind = (activation if fused else None, type(self))

    @property
    def activation(self) -> str:
        """The activation's name: one of nn.modules.ACTIVATIONS."""
        return self._activation

    @property
    def fused(self) -> bool:
        """Whether the neuron is one node (False: micrograd's sum of products)."""
        return self._fused

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: whether an activation follows the weighted sum."""
        return self._activation != "linear"

    def __call__(self, x: Input) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron expects {len(self.w)} inputs, got {len(x)}")
        if not self._fused:  # micrograd's sum: b + w_1 x_1 + ...
            return self._activate(sum((wi * xi for wi, xi in zip(self.w, x)), self.b))
        node = weighted_rows(self._op, (self.w,), x, (self.b,), self._act)[0]
        return node if self._act is not None else self._activate(node)

    def extra_repr(self) -> str:
        return f"{len(self.w)}, {self._activation}"


_KIND = operator.attrgetter("_kind")
_NEURON_CALL = Neuron.__call__  # a Layer makes the nodes itself only where this is the call


class Layer(Module):
    """nout neurons that all see the same inputs."""

    def __init__(self, nin: int, nout: int, activation: str | None = None,
                 init: str = "uniform", fused: bool = True, rng: random.Random | None = None,
                 nonlin: bool | None = None) -> None:
        nout = checks.integer("nout (the layer's neurons)", nout, 1)
        self.neurons = [Neuron(nin, activation, init, fused, rng, fan_out=nout, nonlin=nonlin)
                        for _ in range(nout)]
        self._rows = RowCache()  # the neurons' weights as their nodes keep them

    def __call__(self, x: Input) -> Output:
        xs = [v if isinstance(v, Value) else Value(v) for v in x]  # lift numbers once
        neurons = self.neurons
        try:
            kinds = set(map(_KIND, neurons))
        except AttributeError:  # a module that is not a Neuron
            kinds = set()
        activation, kind = next(iter(kinds)) if len(kinds) == 1 else (None, None)
        # the Neuron's own call, neither overridden by a subclass nor patched
        out = None
        if activation is not None and kind is not None and kind.__call__ is _NEURON_CALL:
            first = neurons[0]  # fused neurons, all alike: their nodes made at once
            try:
                out = weighted_rows(first._op, [n.w for n in neurons], xs,
                                    [n.b for n in neurons], first._act, self._cache())
            except ValueError:  # a neuron of another width: it says so itself, below
                out = None
            if out is not None and first._act is None and first.nonlin:
                out = list(map(first._activate, out))
        if out is None:
            out = [n(xs) for n in neurons]  # each neuron on its own
        return out[0] if len(out) == 1 else out

    def _cache(self) -> RowCache:
        """The layer's RowCache (made here for a subclass whose __init__ made none)."""
        try:
            return self._rows
        except AttributeError:
            self._rows = RowCache()
            return self._rows

    def extra_repr(self) -> str:
        first = self.neurons[0]
        return f"{len(first.w)} -> {len(self.neurons)}, {first.activation}"

    def children(self) -> list[tuple[str, Module]]:
        return []  # the neurons are all alike: the one-line summary says it all


class Sequential(Module):
    """Modules applied one after the other, each to the output of the one before."""

    def __init__(self, *modules: Callable[[Any], Any]) -> None:
        if not modules:
            raise ValueError("Sequential needs at least one module")
        self.layers = list(modules)

    def __call__(self, x: Input) -> Output:
        out: Any = list(x)
        for module in self.layers:
            out = module([out] if isinstance(out, Value) else out)
        return out  # type: ignore[no-any-return]


class MLP(Sequential):
    """Fully connected layers; micrograd's MLP(2, [16, 16, 1]) is ReLU, ReLU, linear."""

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 output_activation: str = "linear", init: str = "uniform", fused: bool = True,
                 rng: random.Random | None = None) -> None:
        if not nouts:
            raise ValueError("an MLP needs at least one layer size in nouts")
        sizes = [nin, *nouts]
        self.sizes = sizes
        super().__init__(*(Layer(sizes[i], sizes[i + 1],
                                 activation if i < len(nouts) - 1 else output_activation,
                                 init, fused, rng) for i in range(len(nouts))))

    def extra_repr(self) -> str:
        return f"{self.sizes[0]} -> {self.sizes[1:]}"
