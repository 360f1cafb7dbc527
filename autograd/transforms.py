"""Function transforms, as torch.func and JAX name them: jvp, vjp, jacfwd, jacrev, hessian, hvp.

Each takes a function of scalar arguments (numbers or Values) that returns a Value or a
number, or a list or tuple of them. Two ways of applying the chain rule to its graph:

- **forward mode** (``jvp``, ``jacfwd``): a tangent t(v) = dv/d(direction) for each value,
  from its parents' in the order the values were computed,
  t(v) = sum_i d(v)/d(parent_i) t(parent_i); one sweep per input direction;
- **reverse mode** (``vjp``, ``jacrev``): backpropagation, one pass per output.

Both read each node's derivatives from its op's one rule in the table
(``autograd.core.backward.local_derivatives``): a user's primitive gets both modes, and the
NaN/inf and error rules are the backward pass's. Derivatives of derivatives (``hessian``,
``hvp``: forward over reverse) come from running the rules on Values. Called with numbers,
a transform returns floats; called with Values (inside another transform, or on a model's
parameters), it returns Values whose graphs lead back to them, so transforms compose.
Like torch.func, each records its own graph even inside ``no_grad``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.core.backward import local_derivatives
from autograd.core.grad_mode import enable_grad
from autograd.engine import Value, as_number, grad, toposort

Number = int | float
Scalar = Value | Number
Function = Callable[..., Any]


def jvp(f: Function, primals: Sequence[Scalar], tangents: Sequence[Scalar]) -> tuple[Any, Any]:
    """f(*primals) and its derivative along ``tangents`` (forward mode), as torch.func.jvp."""
    xs, on_values = _arguments(primals)
    if len(xs) != len(tangents):
        raise ValueError(f"jvp: {len(xs)} primals but {len(tangents)} tangents")
    with enable_grad():
        outputs, single = _outputs(f(*xs))
        carried = _forward(outputs, xs, list(tangents), on_values)
    return _shaped(outputs, single, on_values), _shaped(carried, single, on_values)


def vjp(f: Function, *primals: Scalar) -> tuple[Any, Callable[[Any], list[Any]]]:
    """f(*primals) and the function taking cotangents (one per output) to their
    vector-Jacobian product, one entry per primal (reverse mode), as torch.func.vjp."""
    xs, on_values = _arguments(primals)
    with enable_grad():
        outputs, single = _outputs(f(*xs))

    def pullback(cotangents: Any) -> list[Any]:
        """sum_k cotangent_k * d(output_k)/d(primal_i), for each primal i."""
        seeds = [cotangents] if single else list(cotangents)
        if len(seeds) != len(outputs):
            raise ValueError(f"vjp: {len(outputs)} outputs but {len(seeds)} cotangents")
        return _reverse(outputs, xs, seeds, on_values)

    return _shaped(outputs, single, on_values), pullback


def jacfwd(f: Function) -> Function:
    """The function giving f's Jacobian by forward mode: a row per output, an entry per
    argument (one sweep per argument)."""
    def jacobian(*primals: Scalar) -> list[list[Any]]:
        xs, on_values = _arguments(primals)
        with enable_grad():
            outputs, _ = _outputs(f(*xs))
            columns = [_forward(outputs, xs, _unit(len(xs), i), on_values)
                       for i in range(len(xs))]
        return [[_plain(column[k], on_values) for column in columns]
                for k in range(len(outputs))]
    return jacobian


def jacrev(f: Function) -> Function:
    """The function giving f's Jacobian by reverse mode: a row per output, an entry per
    argument (one backward pass per output)."""
    def jacobian(*primals: Scalar) -> list[list[Any]]:
        xs, on_values = _arguments(primals)
        with enable_grad():
            outputs, _ = _outputs(f(*xs))
            return [_reverse(outputs, xs, _unit(len(outputs), k), on_values)
                    for k in range(len(outputs))]
    return jacobian


def hessian(f: Function) -> Function:
    """The function giving the Hessian of f (one output) at its arguments: d2f/dx_i dx_j,
    a row per i; forward over reverse, as torch.func.hessian."""
    def second(*primals: Scalar) -> list[list[Any]]:
        xs, on_values = _arguments(primals)
        with enable_grad():
            gradient = _gradient(f, xs)
            columns = [_forward(gradient, xs, _unit(len(xs), j), on_values)
                       for j in range(len(xs))]
        return [[_plain(column[i], on_values) for column in columns] for i in range(len(xs))]
    return second


def hvp(f: Function, primals: Sequence[Scalar],
        tangents: Sequence[Scalar]) -> tuple[Any, list[Any]]:
    """f(*primals) (one output) and its Hessian times ``tangents``, in one forward sweep over
    the gradient's graph, as torch.autograd.functional.hvp."""
    xs, on_values = _arguments(primals)
    if len(xs) != len(tangents):
        raise ValueError(f"hvp: {len(xs)} primals but {len(tangents)} tangents")
    with enable_grad():
        outputs, _ = _outputs(f(*xs))
        gradient = _gradient(f, xs, outputs)
        product = _forward(gradient, xs, list(tangents), on_values)
    return _plain(outputs[0], on_values), [_plain(p, on_values) for p in product]


# --- the two sweeps ---

def _forward(outputs: list[Any], xs: list[Value], tangents: list[Any],
             on_values: bool) -> list[Any]:
    """Forward mode: each output's tangent, from the inputs' ``tangents``, carried through
    the graph in topological order by each node's rule (on Values with ``on_values``)."""
    carried: dict[Value, Any] = {}
    for x, t in zip(xs, tangents):
        carried[x] = carried[x] + t if x in carried else t  # an argument given twice
    for v in toposort([o for o in outputs if isinstance(o, Value)], cut=set(xs)):
        if v in carried or not v.op.differentiable:
            continue
        parents = v.parents
        if not any(p in carried for p in parents):
            continue  # no input below it: its tangent is 0
        factor, partials = local_derivatives(v, on_values)
        t = _tangent(v, [d * carried[p] if p in carried else None
                         for p, d in zip(parents, partials)])
        carried[v] = t if factor is None else factor * t
    return [carried.get(o, 0.0) if isinstance(o, Value) else 0.0 for o in outputs]


def _tangent(v: Value, terms: list[Any]) -> Any:
    """v's tangent: the sum of its parents' terms (None for a parent with no tangent), as
    its unfused sums would add them for a DOT that + built (((b + w_1 x_1) + w_2 x_2) + ...:
    each product's two terms first)."""
    groups = ([terms[:1], *(terms[i:i + 2] for i in range(1, len(terms), 2))] if v.fused
              else [[term] for term in terms])
    t: Any = None
    for group in groups:
        present = [term for term in group if term is not None]
        if present:
            part = present[0] if len(present) == 1 else present[0] + present[1]
            t = part if t is None else t + part
    return t


def _reverse(outputs: list[Any], xs: list[Value], seeds: list[Any],
             on_values: bool) -> list[Any]:
    """Reverse mode: sum_k seeds_k d(output_k)/d(x_i) for each input (0.0 where unused)."""
    pairs = [(o, s) for o, s in zip(outputs, seeds) if isinstance(o, Value)]
    if not pairs:
        return [0.0] * len(xs)
    found = grad([o for o, _ in pairs], xs, [s for _, s in pairs], create_graph=on_values,
                 allow_unused=True)
    return [_plain(0.0 if g is None else g, on_values) for g in found]


def _gradient(f: Function, xs: list[Value], outputs: list[Any] | None = None) -> list[Any]:
    """df/dx_i for each input, as Values whose graph leads back to the inputs."""
    if outputs is None:
        outputs, _ = _outputs(f(*xs))
    if len(outputs) != 1:
        raise ValueError(f"hessian and hvp need a function with one output, got "
                         f"{len(outputs)}")
    if not isinstance(outputs[0], Value):
        return [0.0] * len(xs)
    found = grad(outputs[0], xs, create_graph=True, allow_unused=True)
    return [0.0 if g is None else g for g in found]


# --- arguments and results ---

def _arguments(primals: Sequence[Scalar]) -> tuple[list[Value], bool]:
    """The arguments as Values (numbers become leaves), and whether any was a Value: then
    results are Values too, leading back to them."""
    if isinstance(primals, (Value, int, float)):
        raise TypeError("primals must be a sequence of numbers or Values, e.g. (x,)")
    xs = [p if isinstance(p, Value) else Value(as_number(p)) for p in primals]
    if not xs:
        raise ValueError("a transform needs at least one argument")
    return xs, any(isinstance(p, Value) for p in primals)


def _outputs(result: Any) -> tuple[list[Any], bool]:
    """f's result as a list of outputs, and whether it was a single one. Rows (a Jacobian, a
    Hessian) are taken row after row, so that transforms compose: jacfwd(jacrev(f))."""
    if isinstance(result, (list, tuple)):
        outputs = [o for row in result
                   for o in (row if isinstance(row, (list, tuple)) else [row])]
        single = False
    else:
        outputs, single = [result], True
    for o in outputs:
        if not isinstance(o, (Value, int, float)) or isinstance(o, bool):
            raise TypeError(f"the function must return Values or numbers (or a list of "
                            f"them), got {type(o).__name__}")
    return outputs, single


def _unit(n: int, i: int) -> list[float]:
    return [1.0 if k == i else 0.0 for k in range(n)]


def _plain(x: Any, on_values: bool) -> Any:
    """A Value as its float unless the caller passed Values."""
    if on_values:
        return x
    return x.data if isinstance(x, Value) else float(x)


def _shaped(values: list[Any], single: bool, on_values: bool) -> Any:
    plain = [_plain(v, on_values) for v in values]
    return plain[0] if single else plain
