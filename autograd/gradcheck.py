"""Gradient checking: compare the engine's derivatives with central differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd.checks import at_least
from autograd.core.ops import TABLE
from autograd.engine import Value, as_number, grad, toposort
from autograd.primitives import rule_disagrees

Function = Callable[..., Any]  # takes Values, returns a Value, a number or a sequence of them


class GradcheckError(RuntimeError):
    """Raised when an analytic derivative disagrees with its numerical estimate."""


def _check_eps(eps: float) -> float:
    return at_least("eps (the step of the central differences)", eps, 0.0, strict=True,
                    finite=True)


def _as_values(inputs: Sequence[Value | float]) -> list[Value]:
    return [x if isinstance(x, Value) else Value(x) for x in inputs]


def _as_outputs(result: Any) -> list[Any]:
    return list(result) if isinstance(result, (list, tuple)) else [result]


def _evaluate(f: Function, point: Sequence[float], labels: Sequence[str | None]) -> list[float]:
    return [as_number(y) for y in _as_outputs(f(*(Value(x, lb) for x, lb in zip(point, labels))))]


def _numerical_jacobian(f: Function, xs: Sequence[Value], eps: float) -> list[list[float]]:
    # df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), error O(eps^2)
    point = [x.data for x in xs]
    labels = [x.label for x in xs]
    columns = []
    for i, x in enumerate(point):
        up = _evaluate(f, [*point[:i], x + eps, *point[i + 1:]], labels)
        down = _evaluate(f, [*point[:i], x - eps, *point[i + 1:]], labels)
        columns.append([(u - d) / (2.0 * eps) for u, d in zip(up, down)])
    return [list(row) for row in zip(*columns)] if columns else []


def numerical_grad(f: Function, inputs: Sequence[Value | float], eps: float = 1e-6) -> list[float]:
    """Central-difference estimate of the gradient of scalar ``f`` at ``inputs``."""
    eps = _check_eps(eps)
    xs = _as_values(inputs)
    rows = _numerical_jacobian(f, xs, eps)
    if not rows:
        return []
    if len(rows) != 1:
        raise ValueError(f"numerical_grad needs f to return one value, it returned {len(rows)}")
    return rows[0]


def _analytic_jacobian(f: Function, xs: Sequence[Value]) -> list[list[float]]:
    rows = []
    for y in _as_outputs(f(*xs)):
        if isinstance(y, Value):
            rows.append([as_number(g) for g in grad(y, xs, allow_unused=True)])
        else:  # a plain number does not depend on the inputs
            rows.append([0.0] * len(xs))
    return rows


def gradcheck(f: Function, inputs: Sequence[Value | float], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check every d(output)/d(input) of ``f`` against central differences."""
    eps, atol, rtol = _check_eps(eps), at_least("atol", atol, 0.0), at_least("rtol", rtol, 0.0)
    xs = _as_values(inputs)
    analytic = _analytic_jacobian(f, xs)
    numeric = _numerical_jacobian(f, xs, eps)
    for j, (a_row, n_row) in enumerate(zip(analytic, numeric)):
        for i, (a, n) in enumerate(zip(a_row, n_row)):
            if not abs(a - n) <= atol + rtol * abs(n):  # written so that NaN fails
                if not raise_exception:
                    return False
                name = f"input {i}" + (f" ({xs[i].label!r})" if xs[i].label else "")
                raise GradcheckError(
                    f"d(output {j})/d({name}) at {xs[i].data!r}: analytic {a!r} but numerical "
                    f"{n!r} (difference {abs(a - n):.3g} > atol + rtol * |numerical| = "
                    f"{atol + rtol * abs(n):.3g})" + _suspect(f, xs, eps, atol, rtol))
    return True


def _suspect(f: Function, xs: Sequence[Value], eps: float, atol: float, rtol: float) -> str:
    """Which op a user defined has a derivative rule that disagrees with its own forward, at
    the arguments it met in f's graph (the table's rules are tested with the library)."""
    outputs = [y for y in _as_outputs(f(*xs)) if isinstance(y, Value)]
    for v in toposort(outputs):
        if v.parents and v.op.name not in TABLE:
            why = rule_disagrees(v.op, [p.data for p in v.parents], v.param, eps, atol, rtol)
            if why is not None:
                return f"; {why}"
    return ""


def gradgradcheck(f: Function, inputs: Sequence[Value | float], eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Check second derivatives: gradcheck the gradient of ``f`` built with create_graph."""

    def first_derivatives(*xs: Value) -> list[Any]:
        return [g for y in _as_outputs(f(*xs)) if isinstance(y, Value)
                for g in grad(y, xs, create_graph=True, allow_unused=True)]

    return gradcheck(first_derivatives, inputs, eps, atol, rtol, raise_exception)
